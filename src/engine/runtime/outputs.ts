/**
 * Where a stage's results go. A stage ends either at an exchange (records are routed to
 * the worker that owns their key group; watermarks, barriers and the end of input are
 * broadcast to every worker) or at the job's sink. Side outputs and dead letters go to
 * their own sink writers, one per (worker, stage) so each stage stages them under its
 * own barrier.
 */
import { keyGroupForKey, workerForKeyGroup } from '../core/keygroups.js';
import type { DeadLetter, Rec } from '../core/types.js';
import { checkpointId } from '../core/types.js';
import type { SinkWriter } from '../connectors/sink.js';
import { LatencyHistogram, wallClockMs } from '../metrics/latency-histogram.js';
import { keyString, type Batch } from '../operators/operator.js';
import type { ChainSink } from './chain.js';
import type { OutboundLink } from './channels.js';

/** Records per data frame: big enough to amortise a frame, small enough for latency. */
export const FRAME_RECORDS = 1024;
/** A stage stops taking input while any channel has more than this many frames waiting for credit. */
const MAX_QUEUED_FRAMES = 2;
/** Buffered records a sink (or side output) takes before the stage waits for its write. */
const SINK_BUFFER_RECORDS = 8192;

export interface StageOutput extends ChainSink {
  canAccept(): boolean;
  /** Sends what is buffered (a turn ends, or a watermark/barrier follows). */
  flush(): Promise<void>;
  watermark(wm: number): Promise<void>;
  /** A latency marker stamped when the source read the records emitted before it. */
  latencyMarker(stamp: number): void;
  barrier(checkpoint: number): Promise<void>;
  end(): Promise<void>;
  /**
   * After the input ended everywhere: stage what this stage still holds (sink and side
   * outputs) under `checkpoint`, without sending anything downstream.
   */
  stageFinal(checkpoint: number): Promise<void>;
  /** Frames (exchange) or records (sink) waiting. */
  queueLength(): number;
}

/** Side outputs and dead letters of one stage in one worker. */
export class SideOutputs {
  private readonly buffers = new Map<string, { records: Rec[]; timestamps: number[] }>();
  deadLetters = 0;

  constructor(
    private readonly writers: ReadonlyMap<string, SinkWriter>,
    private readonly deadLetterName: string,
  ) {}

  side(name: string, rec: Rec, ts: number): void {
    if (!this.writers.has(name)) {
      this.deadLetter({ origin: `side output "${name}"`, reason: `side output "${name}" is not declared in sideOutputs`, raw: rec });
      return;
    }
    let b = this.buffers.get(name);
    if (b === undefined) {
      b = { records: [], timestamps: [] };
      this.buffers.set(name, b);
    }
    b.records.push(rec);
    b.timestamps.push(ts);
  }

  deadLetter(dl: DeadLetter): void {
    this.deadLetters++;
    this.side(this.deadLetterName, { origin: dl.origin, reason: dl.reason, raw: dl.raw as unknown }, Number.NaN);
  }

  get buffered(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.records.length;
    return n;
  }

  async flush(): Promise<void> {
    for (const [name, b] of this.buffers) {
      if (b.records.length === 0) continue;
      this.buffers.set(name, { records: [], timestamps: [] });
      await this.writers.get(name)!.write(b);
    }
  }

  async preCommit(checkpoint: number): Promise<void> {
    await this.flush();
    for (const w of this.writers.values()) await w.preCommit(checkpointId(checkpoint));
  }
}

export class ExchangeOutput implements StageOutput {
  private readonly pending: Batch[];
  private readonly maxParallelism: number;
  private readonly parallelism: number;
  recordsOut = 0;

  constructor(
    private readonly exchange: number,
    private readonly links: readonly OutboundLink[],
    private readonly sides: SideOutputs,
    maxParallelism: number,
  ) {
    this.parallelism = links.length;
    this.maxParallelism = maxParallelism;
    this.pending = links.map(() => ({ records: [], timestamps: [], keys: [] }));
  }

  records(batch: Batch): void {
    const { records, timestamps } = batch;
    const keys = batch.keys!;
    const n = records.length;
    this.recordsOut += n;
    const p = this.parallelism;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      const target = p === 1 ? 0 : workerForKeyGroup(this.maxParallelism, p, keyGroupForKey(keyString(key), this.maxParallelism));
      const b = this.pending[target]!;
      b.records.push(records[i]!);
      b.timestamps.push(timestamps[i]!);
      b.keys!.push(key);
      if (b.records.length >= FRAME_RECORDS) this.flushTarget(target);
    }
  }

  side(name: string, rec: Rec, ts: number): void {
    this.sides.side(name, rec, ts);
  }
  deadLetter(dl: DeadLetter): void {
    this.sides.deadLetter(dl);
  }

  private flushTarget(t: number): void {
    const b = this.pending[t]!;
    if (b.records.length === 0) return;
    this.pending[t] = { records: [], timestamps: [], keys: [] };
    // Loopback frames are not serialised; their size is estimated for buffer metrics.
    this.links[t]!.send(this.exchange, { kind: 'data', batch: b, bytes: b.records.length * 64 });
  }

  canAccept(): boolean {
    for (const l of this.links) if (l.queued(this.exchange) > MAX_QUEUED_FRAMES) return false;
    return true;
  }

  queueLength(): number {
    let n = 0;
    for (const l of this.links) n += l.queued(this.exchange);
    return n;
  }

  async flush(): Promise<void> {
    for (let t = 0; t < this.pending.length; t++) this.flushTarget(t);
    await this.sides.flush();
  }

  async watermark(wm: number): Promise<void> {
    for (let t = 0; t < this.pending.length; t++) this.flushTarget(t);
    for (const l of this.links) l.send(this.exchange, { kind: 'watermark', watermark: wm });
  }

  private nextMarkerTarget = 0;

  /** To one channel, round-robin (as Flink does): behind the records already routed there. */
  latencyMarker(stamp: number): void {
    const t = this.nextMarkerTarget;
    this.nextMarkerTarget = (t + 1) % this.links.length;
    this.flushTarget(t);
    this.links[t]!.send(this.exchange, { kind: 'latency-marker', stamp });
  }

  async barrier(checkpoint: number): Promise<void> {
    for (let t = 0; t < this.pending.length; t++) this.flushTarget(t);
    await this.sides.preCommit(checkpoint);
    for (const l of this.links) l.send(this.exchange, { kind: 'barrier', checkpoint });
  }

  async end(): Promise<void> {
    for (let t = 0; t < this.pending.length; t++) this.flushTarget(t);
    for (const l of this.links) l.send(this.exchange, { kind: 'end' });
  }

  async stageFinal(checkpoint: number): Promise<void> {
    await this.sides.preCommit(checkpoint);
  }
}

export class SinkOutput implements StageOutput {
  private records_: Rec[] = [];
  private timestamps_: number[] = [];
  private writing: Promise<void> | null = null;
  recordsOut = 0;
  /** Fault injection: a slow sink (ms per record). */
  delayMsPerRecord = 0;
  /** End-to-end latency: source read → sink write of the records before each marker. */
  readonly latency = new LatencyHistogram();
  /** Markers behind records still buffered / behind the write in flight. */
  private markersBuffered: number[] = [];
  private markersWriting: number[] = [];

  private failure: unknown = undefined;

  constructor(
    private readonly writer: SinkWriter,
    private readonly sides: SideOutputs,
    private readonly wake: () => void,
  ) {}

  records(batch: Batch): void {
    const { records, timestamps } = batch;
    for (let i = 0; i < records.length; i++) {
      this.records_.push(records[i]!);
      this.timestamps_.push(timestamps[i]!);
    }
    this.recordsOut += records.length;
  }
  side(name: string, rec: Rec, ts: number): void {
    this.sides.side(name, rec, ts);
  }
  deadLetter(dl: DeadLetter): void {
    this.sides.deadLetter(dl);
  }

  canAccept(): boolean {
    if (this.failure !== undefined) throw this.failure;
    return this.writing === null && this.records_.length < SINK_BUFFER_RECORDS;
  }

  /** Measured once the records before the marker are written (now, if they already are). */
  latencyMarker(stamp: number): void {
    if (this.records_.length > 0) this.markersBuffered.push(stamp);
    else if (this.writing !== null) this.markersWriting.push(stamp);
    else this.latency.record(wallClockMs() - stamp);
  }

  private observeWritten(): void {
    const t = wallClockMs();
    for (const stamp of this.markersWriting) this.latency.record(t - stamp);
    this.markersWriting = [];
  }

  queueLength(): number {
    return this.records_.length;
  }

  /**
   * Starts writing what is buffered and returns without waiting: the stage takes no new
   * input until the write is done (that is how a slow sink backpressures upstream), but
   * the rest of the worker keeps running. `wake` is called when the write finishes.
   */
  async flush(): Promise<void> {
    await this.sides.flush();
    this.startWrite();
  }

  private startWrite(): void {
    if (this.writing !== null || this.records_.length === 0) return;
    const batch = { records: this.records_, timestamps: this.timestamps_ };
    this.records_ = [];
    this.timestamps_ = [];
    this.markersWriting = this.markersBuffered;
    this.markersBuffered = [];
    const delay = this.delayMsPerRecord * batch.records.length;
    this.writing = (async () => {
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      await this.writer.write(batch);
    })().then(
      () => {
        this.writing = null;
        this.observeWritten();
        this.wake();
      },
      (e: unknown) => {
        this.writing = null;
        this.failure = e;
        this.wake();
      },
    );
  }

  /** Waits until everything buffered is written (before a barrier or the end). */
  private async drain(): Promise<void> {
    for (;;) {
      if (this.writing !== null) await this.writing;
      if (this.failure !== undefined) throw this.failure;
      if (this.records_.length === 0) return;
      this.startWrite();
    }
  }

  async watermark(): Promise<void> {}

  async barrier(checkpoint: number): Promise<void> {
    await this.drain();
    await this.writer.preCommit(checkpointId(checkpoint));
    await this.sides.preCommit(checkpoint);
  }

  async end(): Promise<void> {
    await this.drain();
    await this.sides.flush();
  }

  async stageFinal(checkpoint: number): Promise<void> {
    await this.barrier(checkpoint);
  }

  /** A write that failed; the worker fails with it. */
  takeFailure(): unknown {
    return this.failure;
  }
}
