/**
 * One worker: a subtask of every stage of the job, driven by one scheduler loop.
 *
 * Each turn runs downstream stages first (so the pipeline drains), then polls the
 * sources if the first stage's output has room, then flushes outputs. A stage with
 * input but a full output does nothing that turn: that time is its backpressured time.
 *
 * Checkpoints (aligned barriers, Chandy–Lamport as in Flink): on a trigger the source
 * stage records its split positions, snapshots its operators and sends barrier n down
 * every channel. A later stage blocks each channel on which barrier n arrived until it
 * arrived on all of them, then snapshots and forwards it; the last stage pre-commits
 * the sink. The worker then writes its part of checkpoint n and acknowledges it to the
 * host (worker-checkpoints.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { keyGroupRangeForWorker, type KeyGroupRange } from '../core/keygroups.js';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP, type Rec } from '../core/types.js';
import { readRestore } from '../checkpoint/store.js';
import type { Sink, SinkWriter } from '../connectors/sink.js';
import type { Source, SourcePosition } from '../connectors/source.js';
import { createSink, createSource, deadLetterSinkSpec } from '../connectors/factory.js';
import { createTestOnlySink } from '../connectors/test-sinks.js';
import { compileFieldPath } from '../expr/index.js';
import type { OperatorCounters } from '../operators/operator.js';
import { MemoryStateBackend, mergeStateStats } from '../state/memory-backend.js';
import { SqliteStateBackend } from '../state/sqlite-backend.js';
import type { StateBackend } from '../state/keyed-state.js';
import { combinedWatermark, inputWatermarkOf, SplitWatermark } from '../time/watermarks.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { wallClockMs } from '../metrics/latency-histogram.js';
import { OperatorChain } from './chain.js';
import { InputGate, LoopbackLink, SocketLink, type ChannelFrame, type OutboundLink } from './channels.js';
import type { HostPort, HostToWorker, WorkerConfig } from './messages.js';
import { LoadShedder } from './load-shedder.js';
import { MicroBatchCollector } from './micro-batch.js';
import { ExchangeOutput, SideOutputs, SinkOutput, type StageOutput } from './outputs.js';
import { planJob } from './plan.js';
import { ProcessProbe } from './process-probe.js';
import { Throttle } from './throttle.js';
import { loadRestoredState, WorkerCheckpoints } from './worker-checkpoints.js';
import { splitsBacklog, subtaskMetrics, type SplitState, type Stage } from './worker-stage.js';
import { encodeU32, FrameDecoder, FrameKind } from './wire.js';

const POLL_RECORDS = 1024;
const FRAMES_PER_TURN = 16;
const METRICS_INTERVAL_MS = 1000;
const PROCESSING_TIME_TICK_MS = 20;
/** A source subtask sends a latency marker at most this often (Flink: metrics.latency.interval). */
const LATENCY_MARKER_INTERVAL_MS = 10;


const now = (): number => performance.now();

export class WorkerTask {
  private readonly cfg: WorkerConfig;
  private readonly index: number;
  private readonly parallelism: number;
  private readonly keyGroups: KeyGroupRange;
  private readonly stages: Stage[] = [];
  private splits: SplitState[] = [];
  private source!: Source;
  private sinks: Sink[] = [];
  private sinkWriters: SinkWriter[] = [];
  private server: net.Server | null = null;
  private links: OutboundLink[] = [];
  private readonly accepted = new Map<number, net.Socket>();
  private stopped = false;
  private paused = false;
  private wakeUp: (() => void) | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private nextSplit = 0;
  private pendingTrigger: { checkpoint: number; full: boolean } | null = null;
  private readonly checkpoints: WorkerCheckpoints;
  private finishedReported = false;
  private readonly timestampOf: ((r: Rec) => unknown) | null;
  private lastProcessingTick = 0;
  private metricsTimer: NodeJS.Timeout | null = null;
  private readonly probe = new ProcessProbe();
  private lastStateStats: WorkerMetrics['state'] = null;
  private sourceMaxTs = MIN_WATERMARK;
  private loopDone: Promise<void> | null = null;
  private readonly throttle: Throttle;
  /** execution.mode: micro-batch (null: continuous). */
  private readonly micro: MicroBatchCollector<SplitState> | null;
  /** overload.strategy: shed (null: backpressure). */
  private readonly shedder: LoadShedder<SplitState> | null;
  private lastMarkerStamp = 0;

  constructor(
    config: WorkerConfig,
    private readonly host: HostPort,
  ) {
    this.cfg = config;
    this.index = config.workerIndex;
    this.parallelism = config.parallelism;
    this.keyGroups = keyGroupRangeForWorker(config.spec.maxParallelism, config.parallelism, config.workerIndex);
    this.checkpoints = new WorkerCheckpoints({ cfg: config, keyGroups: this.keyGroups, stages: this.stages, host, measureState: () => this.measureState() });
    const tf = config.spec.source.timestampField;
    this.timestampOf = tf === null ? null : compileFieldPath(tf);
    const rate = config.spec.source.maxRecordsPerSecond;
    this.throttle = new Throttle(rate === null ? null : rate / config.parallelism, POLL_RECORDS);
    const ex = config.spec.execution;
    this.micro = ex.mode === 'micro-batch' ? new MicroBatchCollector<SplitState>(ex.trigger, now()) : null;
    const ov = config.spec.overload;
    this.shedder =
      ov.strategy === 'shed'
        ? new LoadShedder<SplitState>(ov.priority, ov.queueThreshold, ov.shedOutput, (q) => {
            const split = q.split;
            split.queued--;
            if (split.ended && split.queued === 0) split.watermark.ended = true;
          })
        : null;
  }

  /** Builds stages, restores state, opens sources and sinks, listens for peers. */
  async init(): Promise<void> {
    const spec = this.cfg.spec;
    const plan = planJob(spec);
    const numStages = plan.stages.length;
    const restoreStarted = now();

    const run = { dir: path.dirname(this.cfg.checkpointDir), jobName: spec.name };
    this.sinks = [this.cfg.testOnlySink !== undefined ? createTestOnlySink(this.cfg.testOnlySink, spec.sink, spec.specDir) : createSink(spec.sink, spec.guarantee, spec.specDir, run)];
    const sideSinks = new Map<string, Sink>();
    for (const [name, s] of Object.entries(spec.sideOutputs)) sideSinks.set(name, createSink(s, spec.guarantee, spec.specDir, run));
    const deadLetterName = 'dead-letter';
    if (!sideSinks.has(deadLetterName)) sideSinks.set(deadLetterName, createSink(deadLetterSinkSpec(spec), spec.guarantee, spec.specDir, run));
    this.sinks.push(...sideSinks.values());

    for (const sp of plan.stages) {
      const backend: StateBackend =
        spec.state.backend === 'sqlite'
          ? new SqliteStateBackend(spec.maxParallelism, spec.state.ttl, Date.now, undefined, this.workingStateDir())
          : new MemoryStateBackend(spec.maxParallelism, spec.state.ttl);
      const counters: OperatorCounters = { numLateRecordsDropped: 0, numLateRecordsToSideOutput: 0 };
      const sideWriters = new Map<string, SinkWriter>();
      for (const [name, sink] of sideSinks) {
        const w = await sink.openWriter(this.index * numStages + sp.index, this.parallelism * numStages);
        sideWriters.set(name, w);
        this.sinkWriters.push(w);
      }
      const sides = new SideOutputs(sideWriters, deadLetterName);
      const operators = await sp.createOperators();
      const stage: Stage = {
        index: sp.index,
        operators,
        operatorNames: sp.operatorNames,
        backend,
        counters,
        sides,
        chain: null as unknown as OperatorChain,
        output: null as unknown as StageOutput,
        gate: null,
        inboundKeyBy: sp.index === 0 ? null : plan.stages[sp.index - 1]!.createKeyBy(),
        channelWatermarks: new Array<number>(this.parallelism).fill(MIN_WATERMARK),
        channelEnded: new Array<boolean>(this.parallelism).fill(false),
        inputWatermark: MIN_WATERMARK,
        ended: false,
        aligning: null,
        m: { recordsIn: 0, bytesIn: 0, busyMs: 0, idleMs: 0, backPressuredMs: 0, blockedSince: null, idleSince: null },
      };
      for (const op of operators) {
        await op.open({
          operatorId: op.id,
          state: backend.forOperator(op.id),
          currentWatermark: () => stage.inputWatermark,
          processingTime: () => Date.now(),
          counters,
        });
      }
      this.stages.push(stage);
    }

    // Restore keyed state of this worker's key groups (any parallelism wrote it).
    let restoredKeys = 0;
    let restoreBytes = 0;
    if (this.cfg.restore !== null) {
      const data = readRestore(this.cfg.restoreDir ?? this.cfg.checkpointDir, this.cfg.restore, this.keyGroups);
      ({ restoredKeys, restoreBytes } = loadRestoredState(data, this.stages));
      for (const st of this.stages) for (const op of st.operators) op.afterRestore?.();
    }

    this.source = createSource(spec.source, spec.specDir);
    const all = await this.source.listSplits();
    const mine = new Map(this.cfg.splits.map((s) => [s.id, s.position]));
    const wmSpec = spec.source.watermarks;
    for (const info of all) {
      if (!mine.has(info.id)) continue;
      const pos = mine.get(info.id);
      const reader = await this.source.openReader(info, pos === undefined ? undefined : stripWatermark(pos));
      const wm = new SplitWatermark(wmSpec, Date.now());
      if (pos !== undefined && typeof pos['$maxTs'] === 'number') wm.maxTs = pos['$maxTs'];
      if (pos !== undefined && typeof pos['$inputWm'] === 'number') wm.inputWatermark = pos['$inputWm'];
      this.splits.push({ id: info.id, reader, watermark: wm, ended: false, queued: 0 });
    }
    this.restoreInfo = { restoredKeys, restoreMs: now() - restoreStarted, restoreBytes };

    // Input gates exist before this worker listens: a faster peer may send data as soon as
    // it has started, before this worker has processed its own `start`.
    for (const st of this.stages) {
      if (st.index > 0) {
        const ex = st.index - 1;
        st.gate = new InputGate(this.parallelism, (channel) => {
          // Credits go back only once frames are processed, i.e. after start(): links exist.
          if (channel === this.index) (this.links[channel] as LoopbackLink).grant(ex, 1);
          else this.accepted.get(channel)?.write(encodeU32(FrameKind.Credit, ex, 1));
        });
      }
    }
    this.server = net.createServer((sock) => this.onPeerConnection(sock));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.socketPath(this.index), () => resolve());
    });
    this.host.send({ type: 'listening' });
  }

  private restoreInfo = { restoredKeys: 0, restoreMs: 0, restoreBytes: 0 };

  /** SQLite-resident working state lives beside the job's checkpoints (removed with them). */
  private workingStateDir(): string {
    const dir = path.join(path.dirname(this.cfg.checkpointDir), 'working');
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  private socketPath(worker: number): string {
    return path.join(this.cfg.socketDir, `w${worker}.sock`);
  }

  private onPeerConnection(sock: net.Socket): void {
    const decoder = new FrameDecoder();
    let from = -1;
    sock.on('data', (chunk) => {
      decoder.push(chunk, (f) => {
        if (f.kind === FrameKind.Hello) {
          from = f.worker;
          this.accepted.set(from, sock);
          return;
        }
        if (from < 0) throw new Error('exchange protocol error: data before hello');
        const frame: ChannelFrame =
          f.kind === FrameKind.Data
            ? { kind: 'data', batch: f.batch, bytes: f.bytes }
            : f.kind === FrameKind.Watermark
              ? { kind: 'watermark', watermark: f.watermark }
              : f.kind === FrameKind.Barrier
                ? { kind: 'barrier', checkpoint: f.checkpoint }
                : f.kind === FrameKind.LatencyMarker
                  ? { kind: 'latency-marker', stamp: f.stamp }
                  : { kind: 'end' };
        if (f.kind === FrameKind.Credit) throw new Error('exchange protocol error: credit on an inbound channel');
        this.stages[f.exchange + 1]!.gate!.enqueue(from, frame);
      });
      this.wake();
    });
    sock.on('error', () => {
      /* a peer died: the host notices and restarts the job */
    });
  }

  /** Connects to every other worker, then runs until shutdown. */
  async start(): Promise<void> {
    const links: OutboundLink[] = [];
    for (let j = 0; j < this.parallelism; j++) {
      if (j === this.index) {
        links.push(new LoopbackLink(j, () => this.wake(), (ex, frame) => {
          this.stages[ex + 1]!.gate!.enqueue(this.index, frame);
          this.wake();
        }));
        continue;
      }
      const sock = await connectWithRetry(this.socketPath(j));
      sock.setNoDelay(true);
      const link = new SocketLink(j, () => this.wake(), sock);
      const decoder = new FrameDecoder();
      sock.on('data', (chunk) =>
        decoder.push(chunk, (f) => {
          if (f.kind !== FrameKind.Credit) throw new Error('exchange protocol error: only credits flow back');
          link.grant(f.exchange, f.credits);
        }),
      );
      sock.on('error', () => {});
      sock.write(encodeU32(FrameKind.Hello, 0, this.index));
      links.push(link);
    }
    this.links = links;

    const numStages = this.stages.length;
    for (const st of this.stages) {
      if (st.index < numStages - 1) {
        st.output = new ExchangeOutput(st.index, links, st.sides, this.cfg.spec.maxParallelism);
      } else {
        const writer = await this.sinks[0]!.openWriter(this.index, this.parallelism);
        this.sinkWriters.push(writer);
        const out = new SinkOutput(writer, st.sides, () => this.wake());
        out.delayMsPerRecord = this.cfg.sinkDelayMs ?? 0;
        st.output = out;
      }
      const plan = planJob(this.cfg.spec).stages[st.index]!;
      (st as { chain: OperatorChain }).chain = new OperatorChain(st.operators, plan.createKeyBy(), st.output);
    }

    this.probe.start();
    this.metricsTimer = setInterval(() => this.reportMetrics(), METRICS_INTERVAL_MS);
    this.metricsTimer.unref();

    this.host.send({ type: 'running', ...this.restoreInfo });
    this.loopDone = this.loop().catch((e: unknown) => this.fail(e));
    await this.loopDone;
  }

  onControl(msg: HostToWorker): void {
    switch (msg.type) {
      case 'trigger-checkpoint':
        this.pendingTrigger = { checkpoint: msg.checkpoint, full: msg.full };
        break;
      case 'checkpoint-complete': {
        // Hook for sources that report completed positions outside (Kafka: group offsets for lag monitoring).
        const positions = this.checkpoints.completed(msg.checkpoint);
        const listener = this.source as Source & { notifyCheckpointComplete?: (id: number, positions: Record<string, SourcePosition>) => Promise<void> };
        if (positions !== undefined && listener?.notifyCheckpointComplete !== undefined) {
          const published: Record<string, SourcePosition> = {};
          for (const [id, pos] of Object.entries(positions)) published[id] = stripWatermark(pos);
          void listener.notifyCheckpointComplete(msg.checkpoint, published).catch((e: unknown) => {
            process.stderr.write(`checkpoint ${msg.checkpoint}: source could not publish its positions: ${e instanceof Error ? e.message : String(e)}\n`);
          });
        }
        break;
      }
      case 'checkpoint-aborted':
        this.checkpoints.aborted(msg.checkpoint);
        break;
      case 'final-commit':
        void this.finalCommit(msg.checkpoint).catch((e: unknown) => this.fail(e));
        break;
      case 'set-sink-delay':
        for (const st of this.stages) if (st.output instanceof SinkOutput) st.output.delayMsPerRecord = msg.delayMs;
        break;
      case 'set-source-paused':
        this.paused = msg.paused;
        break;
      case 'lookup-key': {
        const state: Record<string, unknown> = {};
        for (const st of this.stages) Object.assign(state, st.backend.lookup(msg.key));
        this.host.send({ type: 'key-state', requestId: msg.requestId, state });
        break;
      }
      case 'shutdown':
        void this.shutdown();
        return;
      case 'configure':
      case 'start':
        throw new Error(`worker protocol error: "${msg.type}" after start`);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.wakeUp;
    if (w !== null) {
      this.wakeUp = null;
      w();
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let progressed = false;
      for (let s = this.stages.length - 1; s >= 1; s--) {
        if (await this.runStage(this.stages[s]!)) progressed = true;
      }
      if (await this.runSources()) progressed = true;
      for (const st of this.stages) await st.output.flush();
      this.tickProcessingTime();
      if (this.stopped) break;
      if (progressed) {
        await new Promise<void>((r) => setImmediate(r));
      } else {
        await new Promise<void>((r) => {
          this.wakeUp = r;
          this.wakeTimer = setTimeout(() => this.wake(), this.idleWaitMs());
        });
        if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
      }
    }
  }

  private retryAfterMs = 50;
  private idleWaitMs(): number {
    return Math.max(1, Math.min(this.retryAfterMs, PROCESSING_TIME_TICK_MS * 5));
  }

  private tickProcessingTime(): void {
    const t = Date.now();
    if (t - this.lastProcessingTick < PROCESSING_TIME_TICK_MS) return;
    this.lastProcessingTick = t;
    for (const st of this.stages) st.chain.processingTime(t);
    for (const st of this.stages) st.backend.expire();
  }

  /** Processes up to a few frames of one stage's input. Returns whether it did anything. */
  private async runStage(st: Stage): Promise<boolean> {
    const gate = st.gate!;
    let did = false;
    for (let k = 0; k < FRAMES_PER_TURN; k++) {
      if (!gate.ready) {
        if (!did && st.m.idleSince === null) st.m.idleSince = now();
        break;
      }
      this.endIdle(st);
      if (!st.output.canAccept()) {
        if (st.m.blockedSince === null) st.m.blockedSince = now();
        break;
      }
      this.endBlocked(st);
      const item = gate.poll()!;
      did = true;
      const t0 = now();
      await this.onFrame(st, item.channel, item.frame);
      st.m.busyMs += now() - t0;
    }
    return did;
  }

  private endIdle(st: Stage): void {
    if (st.m.idleSince !== null) {
      st.m.idleMs += now() - st.m.idleSince;
      st.m.idleSince = null;
    }
  }
  private endBlocked(st: Stage): void {
    if (st.m.blockedSince !== null) {
      st.m.backPressuredMs += now() - st.m.blockedSince;
      st.m.blockedSince = null;
    }
  }

  private async onFrame(st: Stage, channel: number, frame: ChannelFrame): Promise<void> {
    switch (frame.kind) {
      case 'data':
        st.m.recordsIn += frame.batch.records.length;
        st.m.bytesIn += frame.bytes;
        if (frame.batch.keys === null) st.inboundKeyBy!.assignKeys(frame.batch, st.sides);
        st.chain.process(frame.batch);
        return;
      case 'watermark':
        if (frame.watermark > st.channelWatermarks[channel]!) {
          st.channelWatermarks[channel] = frame.watermark;
          await this.advanceStageWatermark(st);
        }
        return;
      case 'end':
        st.channelEnded[channel] = true;
        st.channelWatermarks[channel] = MAX_WATERMARK;
        await this.advanceStageWatermark(st);
        if (st.channelEnded.every(Boolean) && !st.ended) {
          st.ended = true;
          await st.output.end();
          this.checkFinished();
        }
        return;
      case 'barrier':
        await this.onBarrier(st, channel, frame.checkpoint);
        return;
      case 'latency-marker':
        st.output.latencyMarker(frame.stamp);
        return;
    }
  }

  private async advanceStageWatermark(st: Stage): Promise<void> {
    let min = MAX_WATERMARK;
    for (const w of st.channelWatermarks) if (w < min) min = w;
    if (min > st.inputWatermark) {
      st.inputWatermark = min;
      st.chain.watermark(min);
      await st.output.watermark(min);
    }
  }

  private async onBarrier(st: Stage, channel: number, checkpoint: number): Promise<void> {
    const gate = st.gate!;
    if (st.aligning === null || st.aligning.checkpoint !== checkpoint) {
      // A newer barrier supersedes an unfinished older alignment (that checkpoint was aborted).
      gate.unblockAll();
      st.aligning = { checkpoint, arrived: new Array<boolean>(this.parallelism).fill(false), count: 0, startedAt: now() };
    }
    const a = st.aligning;
    if (!a.arrived[channel]) {
      a.arrived[channel] = true;
      a.count++;
      gate.block(channel);
    }
    if (a.count < this.parallelism) return;
    st.aligning = null;
    gate.unblockAll();
    const alignmentMs = now() - a.startedAt;
    await this.checkpoints.snapshotStage(st, checkpoint, alignmentMs);
  }

  private measureState(): WorkerMetrics['state'] {
    if (this.stages.length === 0) return null;
    const merged = mergeStateStats(this.stages.map((s) => s.backend.measure()), 20);
    this.lastStateStats = merged;
    return merged;
  }

  /**
   * Source stage: inject a pending barrier, release a due micro-batch or queued records,
   * then poll one split if there is room downstream (or, shedding, even when there is not).
   */
  private async runSources(): Promise<boolean> {
    const st = this.stages[0]!;
    // Micro-batch: checkpoints fall between batches, so positions never cover unprocessed input.
    if (this.pendingTrigger !== null && (this.micro === null || this.micro.isEmpty)) {
      const trig = this.pendingTrigger;
      this.pendingTrigger = null;
      // Shedding: records already read go into the pipeline ahead of the barrier (at most the threshold).
      if (this.shedder !== null) await this.releaseQueued(st, Number.POSITIVE_INFINITY);
      await this.injectBarrier(trig.checkpoint, trig.full);
      return true;
    }
    if (st.ended || this.paused) return false;
    const live = this.splits.filter((s) => !s.ended);
    if (this.micro !== null) {
      const t = now();
      if (this.micro.isDue(t) || (live.length === 0 && !this.micro.isEmpty)) {
        await this.releaseMicroBatch(st, t);
        return true;
      }
    }
    const shedder = this.shedder;
    let did = false;
    if (shedder !== null && shedder.length > 0 && st.output.canAccept()) {
      await this.releaseQueued(st, POLL_RECORDS);
      did = true;
    }
    if (!st.output.canAccept()) {
      if (st.m.blockedSince === null) st.m.blockedSince = now();
      // Backpressure: stop reading. Shed: keep reading into the input queue.
      if (shedder === null) return did;
    } else {
      this.endBlocked(st);
    }
    if (live.length === 0) {
      if (shedder !== null && shedder.length > 0) return did;
      await this.endSources();
      return true;
    }
    const budget = this.throttle.allowance();
    if (budget === 0) {
      this.retryAfterMs = this.nextDueMs(this.throttle.waitMs());
      if (st.m.idleSince === null) st.m.idleSince = now();
      return did;
    }
    const t0 = now();
    let polled = false;
    let minRetry = Number.POSITIVE_INFINITY;
    for (let k = 0; k < live.length && !polled; k++) {
      const split = live[(this.nextSplit + k) % live.length]!;
      const res = await split.reader.poll(budget);
      if (res.kind === 'records') this.throttle.consume(res.records.length);
      if (res.deadLetters !== undefined) for (const dl of res.deadLetters) st.sides.deadLetter(dl);
      if (res.kind === 'end') {
        split.ended = true;
        if (split.queued === 0) split.watermark.ended = true;
        polled = true;
      } else if (res.kind === 'idle') {
        minRetry = Math.min(minRetry, res.retryAfterMs);
      } else {
        polled = true;
        split.watermark.touch(Date.now());
        const readAt = wallClockMs();
        if (this.micro !== null) {
          this.micro.add({ split, records: res.records, timestamps: res.timestamps, readAt });
        } else if (shedder !== null && (shedder.length > 0 || !st.output.canAccept())) {
          this.queueRecords(st, split, res.records, res.timestamps, readAt);
        } else {
          await this.processSourceRecords(st, split, res.records, res.timestamps);
          this.maybeLatencyMarker(st, readAt);
        }
      }
    }
    this.nextSplit++;
    if (polled) {
      this.endIdle(st);
      st.m.busyMs += now() - t0;
    } else {
      if (st.m.idleSince === null) st.m.idleSince = now();
      this.retryAfterMs = this.nextDueMs(Number.isFinite(minRetry) ? minRetry : 50);
    }
    // Micro-batch: event time advances at batch boundaries only.
    if (this.micro === null) await this.advanceSourceWatermark(st);
    return did || polled;
  }

  /** How long the loop may sleep: `ms`, or less when a micro-batch falls due sooner. */
  private nextDueMs(ms: number): number {
    return this.micro === null ? ms : Math.max(1, Math.min(ms, this.micro.dueInMs(now())));
  }

  /** The trigger fired: the collected batch goes through the pipeline, then the watermark moves. */
  private async releaseMicroBatch(st: Stage, t: number): Promise<void> {
    const t0 = now();
    for (const c of this.micro!.take(t)) {
      await this.processSourceRecords(st, c.split, c.records, c.timestamps, true);
      this.maybeLatencyMarker(st, c.readAt);
    }
    await this.advanceSourceWatermark(st);
    st.m.busyMs += now() - t0;
  }

  private queueRecords(st: Stage, split: SplitState, records: Rec[], timestamps: number[] | undefined, readAt: number): void {
    const shedder = this.shedder!;
    for (let i = 0; i < records.length; i++) {
      const q = { split, rec: records[i]!, ts: timestamps === undefined ? NO_TIMESTAMP : timestamps[i]!, readAt };
      // Counted before admit: a record dropped at once leaves again through onLeave.
      split.queued++;
      if (!shedder.admit(q, split.id, st.sides)) split.queued--;
    }
  }

  /** Queued records, oldest first, into the pipeline (grouped by split for event time). */
  private async releaseQueued(st: Stage, max: number): Promise<void> {
    const items = this.shedder!.release(max);
    for (let i = 0; i < items.length; ) {
      const split = items[i]!.split;
      const records: Rec[] = [];
      const ts: number[] = [];
      let j = i;
      for (; j < items.length && items[j]!.split === split; j++) {
        records.push(items[j]!.rec);
        ts.push(items[j]!.ts);
      }
      await this.processSourceRecords(st, split, records, ts);
      this.maybeLatencyMarker(st, items[j - 1]!.readAt);
      i = j;
    }
  }

  /**
   * A latency marker behind the records just emitted, stamped with their read time. Spaced
   * by read time, not emit time, so a micro-batch released at once still carries markers
   * spread over the interval it collected.
   */
  private maybeLatencyMarker(st: Stage, readAt: number): void {
    if (readAt - this.lastMarkerStamp < LATENCY_MARKER_INTERVAL_MS) return;
    this.lastMarkerStamp = readAt;
    st.output.latencyMarker(readAt);
  }

  /** `deferWatermark`: a micro-batch advances the watermark after the whole batch, not at input watermark lines. */
  private async processSourceRecords(st: Stage, split: SplitState, records: Rec[], sourceTs: number[] | undefined, deferWatermark = false): Promise<void> {
    const out: Rec[] = [];
    const ts: number[] = [];
    const wm = split.watermark;
    const flush = (): void => {
      if (out.length === 0) return;
      st.m.recordsIn += out.length;
      st.chain.process({ records: out.splice(0), timestamps: ts.splice(0), keys: null });
    };
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      if (wm.fromInput) {
        const w = inputWatermarkOf(rec);
        if (w !== undefined) {
          // Records before the watermark line are processed before it takes effect, and
          // records after it see it: a replayed capture behaves exactly as recorded.
          flush();
          wm.onInputWatermark(w);
          if (!deferWatermark) await this.advanceSourceWatermark(st);
          continue;
        }
      }
      let t: number = NO_TIMESTAMP;
      if (this.timestampOf !== null) {
        let v: unknown;
        try {
          v = this.timestampOf(rec);
        } catch {
          v = undefined; // missing (or a non-object on the path): a dead letter below
        }
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          st.sides.deadLetter({
            origin: split.id,
            reason: `timestamp field "${this.cfg.spec.source.timestampField}" is ${v === undefined ? 'missing' : `not a number (${JSON.stringify(v)})`}`,
            raw: rec,
          });
          continue;
        }
        t = v;
      } else if (sourceTs !== undefined) {
        t = sourceTs[i]!;
      }
      if (!Number.isNaN(t)) {
        wm.onTimestamp(t);
        if (t > this.sourceMaxTs) this.sourceMaxTs = t;
      }
      out.push(rec);
      ts.push(t);
    }
    flush();
  }

  private async advanceSourceWatermark(st: Stage): Promise<void> {
    if (this.splits.length === 0) return;
    const wm = combinedWatermark(this.splits.map((s) => s.watermark), Date.now());
    if (wm !== undefined && wm > st.inputWatermark) {
      st.inputWatermark = wm;
      st.chain.watermark(wm);
      await st.output.watermark(wm);
    }
  }

  private async endSources(): Promise<void> {
    const st = this.stages[0]!;
    if (st.ended) return;
    if (st.inputWatermark < MAX_WATERMARK) {
      st.inputWatermark = MAX_WATERMARK;
      st.chain.watermark(MAX_WATERMARK);
      await st.output.watermark(MAX_WATERMARK);
    }
    st.ended = true;
    await st.output.end();
    this.checkFinished();
  }

  private async injectBarrier(checkpoint: number, full: boolean): Promise<void> {
    const positions: Record<string, SourcePosition> = {};
    for (const s of this.splits) {
      positions[s.id] = { ...s.reader.position(), $maxTs: finiteOrNull(s.watermark.maxTs), $inputWm: finiteOrNull(s.watermark.inputWatermark) };
    }
    this.checkpoints.begin(checkpoint, full, positions);
    await this.checkpoints.snapshotStage(this.stages[0]!, checkpoint, 0);
  }

  private checkFinished(): void {
    if (this.finishedReported) return;
    if (!this.stages.every((s) => s.ended)) return;
    this.finishedReported = true;
    this.host.send({ type: 'input-finished' });
  }

  /** After every worker finished its input: stage the remaining output under `checkpoint`. */
  private async finalCommit(checkpoint: number): Promise<void> {
    for (const st of this.stages) await st.output.stageFinal(checkpoint);
    // The last report before the host stops the job: its counters are final.
    this.reportMetrics();
    this.host.send({ type: 'final-staged', checkpoint });
  }

  private lastMeasured = 0;

  private reportMetrics(): void {
    // State per key is measured at checkpoints; without checkpoints, every 30 s here.
    if (this.cfg.spec.checkpoint.interval === null && Date.now() - this.lastMeasured > 30_000) {
      this.lastMeasured = Date.now();
      this.measureState();
    }
    const t = now();
    const subtasks = this.stages.map((st) => subtaskMetrics(st, t));
    const metrics: WorkerMetrics = {
      worker: this.index,
      pid: process.pid,
      ts: Date.now(),
      ...this.probe.sample(),
      keyGroups: this.keyGroups,
      subtasks,
      source: {
        splits: this.splits.length,
        ...splitsBacklog(this.splits),
        eventTimeLagMs: Number.isFinite(this.sourceMaxTs) ? Date.now() - this.sourceMaxTs : null,
        ended: this.stages[0]!.ended,
      },
      state: this.lastStateStats,
      latency: this.latencyReport(),
      overload: this.shedder?.metrics() ?? null,
    };
    this.host.send({ type: 'metrics', metrics });
  }

  private latencyReport(): WorkerMetrics['latency'] {
    const out = this.stages[this.stages.length - 1]?.output;
    if (!(out instanceof SinkOutput) || out.latency.samples === 0) return null;
    return { buckets: out.latency.buckets(), samples: out.latency.samples, maxMs: out.latency.maxMs };
  }

  private fail(e: unknown): void {
    if (this.stopped) return;
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    this.host.send({ type: 'failed', error: msg });
    void this.shutdown();
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake();
    if (this.metricsTimer !== null) clearInterval(this.metricsTimer);
    this.probe.stop();
    for (const l of this.links) l.close();
    for (const s of this.accepted.values()) s.destroy();
    this.server?.close();
    for (const s of this.splits) await s.reader.close();
    for (const w of this.sinkWriters) await w.close();
    await this.source?.close?.();
    for (const st of this.stages) st.backend.close();
  }
}

function finiteOrNull(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** Positions carry the split's watermark state under `$` keys; readers get the rest. */
function stripWatermark(pos: SourcePosition): SourcePosition {
  const out: Record<string, number | string | null> = {};
  for (const [k, v] of Object.entries(pos)) if (!k.startsWith('$')) out[k] = v;
  return out;
}

async function connectWithRetry(socketPath: string): Promise<net.Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(socketPath);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    } catch (e) {
      if (attempt >= 50) throw new Error(`cannot connect to peer worker at ${socketPath}: ${e instanceof Error ? e.message : String(e)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
