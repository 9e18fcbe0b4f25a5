/**
 * The host side of one running job (Flink's JobMaster): plans the job, forks one worker
 * process per parallel instance, assigns splits and key groups, drives checkpoints,
 * commits sinks when a checkpoint completes, supervises workers (exit, heartbeat) and
 * restarts the job from the latest completed checkpoint according to the restart
 * strategy. Operator actions (kill a worker, trigger a checkpoint, restore from a
 * checkpoint, stop with a savepoint) are methods here; the console and drills call them.
 */
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { checkpointId, type CheckpointId } from '../core/types.js';
import type { JobSpec, SinkSpec } from '../job/spec.js';
import { CheckpointStore, type RestorePlan } from '../checkpoint/store.js';
import { CheckpointCoordinator } from '../checkpoint/coordinator.js';
import type { CheckpointRecord } from '../checkpoint/types.js';
import type { SinkCommitter } from '../connectors/sink.js';
import type { SourcePosition } from '../connectors/source.js';
import { createSink, createSource, deadLetterSinkSpec } from '../connectors/factory.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { forkLauncher, type WorkerLauncher, type WorkerProcess } from './launcher.js';
import type { CrashPoint, HostToWorker, TestOnlySinkKind, WorkerToHost } from './messages.js';
import { createTestOnlySink } from '../connectors/test-sinks.js';
import { JobLifecycle, TERMINAL_STATES, type JobState } from './job-state.js';
import { RestartStrategy } from './restart-strategy.js';
import { TypedEmitter } from './typed-emitter.js';

export interface JobManagerOptions {
  readonly launcher?: WorkerLauncher;
  /** Where this run keeps checkpoints (default: `<specDir>/.sluice/<job name>/<run id>`). */
  readonly stateDir?: string;
  /** Start from a checkpoint or savepoint of another run (any parallelism). */
  readonly restoreFrom?: { readonly checkpointDir: string; readonly checkpoint?: number };
  readonly heartbeatTimeoutMs?: number;
  /** Fault injection: slow sink, ms per record, from the start. */
  readonly sinkDelayMs?: number;
  /** Keep the checkpoint folder after the job finishes (default: delete it). */
  readonly keepCheckpoints?: boolean;
  /** How long workers may take to start (restore included) before the attempt fails. */
  readonly startTimeoutMs?: number;
  /** Fault injection (tests, drills): worker `worker` of the first attempt dies at `point` of checkpoint `checkpoint`. */
  readonly crashPoint?: { readonly worker: number } & CrashPoint;
  /**
   * TEST-ONLY: run the job against a deliberately broken main sink (drills prove their
   * verifier with it). An option of the API, never a field of the job spec.
   */
  readonly testOnlySink?: TestOnlySinkKind;
}

export interface FailureRecord {
  readonly attempt: number;
  readonly reason: string;
  /** A failed restart: the failure the restarts are recovering from, and which try this was. */
  readonly restartOf?: { readonly reason: string; readonly tries: number };
  readonly worker: number | null;
  /** When the failure was caused (a kill through the API) or first seen. */
  readonly at: number;
  detectMs: number;
  restartMs: number | null;
  restoreMs: number | null;
  restoreBytes: number | null;
  restoredKeys: number | null;
  restoredFrom: number | null;
  caughtUpMs: number | null;
  recordsReplayed: number | null;
}

export interface WorkerInfo {
  readonly index: number;
  readonly pid: number;
  readonly attempt: number;
  readonly status: 'starting' | 'running' | 'finished' | 'dead';
  readonly metrics: WorkerMetrics | null;
}

export interface JobResult {
  readonly state: JobState;
  readonly error: string | null;
  readonly failures: readonly FailureRecord[];
  readonly checkpoints: readonly CheckpointRecord[];
}

export type JobEvents = {
  state: (state: JobState, previous: JobState) => void;
  checkpoint: (record: CheckpointRecord) => void;
  metrics: (worker: WorkerMetrics) => void;
  failure: (failure: FailureRecord) => void;
  recovered: (failure: FailureRecord) => void;
  log: (line: string) => void;
};

interface Attempt {
  readonly number: number;
  readonly workers: WorkerProcess[];
  readonly status: WorkerInfo['status'][];
  readonly lastSeen: number[];
  readonly metrics: (WorkerMetrics | null)[];
  readonly socketDir: string;
  finished: number;
  finalStaged: number;
  ended: boolean;
}

export class JobManager extends TypedEmitter<JobEvents> {
  readonly id = randomUUID();
  readonly lifecycle = new JobLifecycle();
  readonly spec: JobSpec;
  private readonly opts: JobManagerOptions;
  private readonly launcher: WorkerLauncher;
  readonly stateDir: string;
  private store!: CheckpointStore;
  private coordinator!: CheckpointCoordinator;
  private committers: SinkCommitter[] = [];
  private splitIds: string[] = [];
  private attempt: Attempt | null = null;
  private attemptCount = 0;
  private readonly restart: RestartStrategy;
  private readonly failures: FailureRecord[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private result: JobResult | null = null;
  private resolveDone!: (r: JobResult) => void;
  readonly done: Promise<JobResult>;
  private pendingKill: { worker: number; at: number } | null = null;
  private recovering: FailureRecord | null = null;
  /** Source records read per worker when the last checkpoint was triggered / at failure. */
  private recordsAtLastCheckpoint = 0;
  private restoreTarget: number | null = null;
  private lookupSeq = 0;
  private readonly lookups = new Map<number, { pending: number; state: Record<string, unknown>; resolve: (s: Record<string, unknown>) => void }>();

  constructor(spec: JobSpec, opts: JobManagerOptions = {}) {
    super();
    this.spec = spec;
    this.opts = opts;
    this.launcher = opts.launcher ?? forkLauncher;
    this.stateDir = opts.stateDir ?? path.join(spec.specDir, '.sluice', spec.name.replace(/[^\w.-]+/g, '_'), this.id.slice(0, 8));
    this.restart = new RestartStrategy(spec.restart);
    this.done = new Promise((r) => (this.resolveDone = r));
    this.lifecycle.onChange((from, to) => this.emit('state', to, from));
  }

  get state(): JobState {
    return this.lifecycle.state;
  }

  /** Starts the job; resolves once every worker runs (or rejects if it cannot start). */
  async start(): Promise<void> {
    this.lifecycle.require('start', 'CREATED');
    mkdirSync(this.stateDir, { recursive: true });
    this.store = CheckpointStore.open(path.join(this.stateDir, 'checkpoints'));
    const cp = this.spec.checkpoint;
    this.coordinator = new CheckpointCoordinator(
      this.store,
      { ...cp, parallelism: this.spec.parallelism, maxParallelism: this.spec.maxParallelism },
      {
        trigger: (id, full) => {
          this.recordsAtLastCheckpoint = this.sourceRecordsRead();
          this.broadcast({ type: 'trigger-checkpoint', checkpoint: id, full });
        },
        completed: async (record) => {
          for (const c of this.committers) await c.commit(record.id);
          this.broadcast({ type: 'checkpoint-complete', checkpoint: record.id });
          this.emit('checkpoint', record);
        },
        aborted: (id, reason) => {
          this.broadcast({ type: 'checkpoint-aborted', checkpoint: id });
          this.emit('log', `checkpoint ${id} failed: ${reason}`);
          const rec = this.store.get(id);
          if (rec) this.emit('checkpoint', rec);
        },
      },
    );
    const source = createSource(this.spec.source, this.spec.specDir);
    this.splitIds = (await source.listSplits()).map((s) => s.id);
    await source.close?.();
    const sinkSpecs = [this.spec.sink, ...Object.values(this.spec.sideOutputs)];
    if (!('dead-letter' in this.spec.sideOutputs)) sinkSpecs.push(deadLetterSinkSpec(this.spec));
    for (const s of sinkSpecs) {
      try {
        const testOnly = s === this.spec.sink ? this.opts.testOnlySink : undefined;
        const sink = testOnly !== undefined ? createTestOnlySink(testOnly, s, this.spec.specDir) : createSink(s, this.spec.guarantee, this.spec.specDir, { dir: this.stateDir, jobName: this.spec.name });
        this.committers.push(await sink.openCommitter());
      } catch (e) {
        throw new Error(`cannot open the ${describeSink(s, this.spec.specDir)}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }

    let plan: RestorePlan | null = null;
    if (this.opts.restoreFrom !== undefined) {
      const from = CheckpointStore.open(this.opts.restoreFrom.checkpointDir);
      try {
        plan = from.restorePlan(this.opts.restoreFrom.checkpoint === undefined ? undefined : checkpointId(this.opts.restoreFrom.checkpoint));
      } finally {
        from.close();
      }
      if (plan === null) throw new Error(`no restorable checkpoint in ${this.opts.restoreFrom.checkpointDir}`);
    }
    // Output staged by a crashed earlier run of the same sink is not ours: discard it.
    for (const c of this.committers) await c.recover(null);
    this.heartbeat = setInterval(() => this.checkHeartbeats(), 1000);
    this.heartbeat.unref();
    await this.launchAttempt(plan, this.opts.restoreFrom?.checkpointDir ?? null);
    this.lifecycle.to('RUNNING');
    this.coordinator.start();
  }

  private sourceRecordsRead(): number {
    let n = 0;
    for (const m of this.attempt?.metrics ?? []) n += m?.subtasks[0]?.numRecordsIn ?? 0;
    return n;
  }

  private async launchAttempt(plan: RestorePlan | null, restoreDir: string | null): Promise<{ restoreMs: number; restoreBytes: number; restoredKeys: number }> {
    const number = ++this.attemptCount;
    const socketDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-'));
    const n = this.spec.parallelism;
    const positions: Record<string, SourcePosition> = plan?.sourcePositions ?? {};
    const attempt: Attempt = {
      number,
      workers: [],
      status: new Array(n).fill('starting'),
      lastSeen: new Array(n).fill(Date.now()),
      metrics: new Array(n).fill(null),
      socketDir,
      finished: 0,
      finalStaged: 0,
      ended: false,
    };
    this.attempt = attempt;
    const listening: Promise<void>[] = [];
    const running: Promise<WorkerToHost & { type: 'running' }>[] = [];
    for (let i = 0; i < n; i++) {
      const w = this.launcher.launch(`${this.spec.name}#${i}`);
      attempt.workers.push(w);
      let onListening!: () => void;
      let onRunning!: (m: WorkerToHost & { type: 'running' }) => void;
      let onFail!: (e: Error) => void;
      listening.push(new Promise<void>((res, rej) => ((onListening = res), (onFail = rej))));
      running.push(new Promise((res, rej) => ((onRunning = res), (onFail = ((prev) => (e: Error) => (prev(e), rej(e)))(onFail)))));
      w.onMessage((m) => {
        if (this.attempt !== attempt) return;
        attempt.lastSeen[i] = Date.now();
        if (m.type === 'listening') onListening();
        else if (m.type === 'running') {
          attempt.status[i] = 'running';
          onRunning(m);
        } else if (m.type === 'failed' && attempt.status[i] === 'starting') onFail(new Error(m.error));
        this.onWorkerMessage(attempt, i, m);
      });
      w.onExit((code, signal) => {
        if (this.attempt !== attempt || attempt.ended) return;
        attempt.status[i] = 'dead';
        const why = signal !== null ? `worker ${i} (pid ${w.pid}) was killed by ${signal}` : `worker ${i} (pid ${w.pid}) exited with code ${code}`;
        onFail(new Error(why));
        this.onFailure(why, i);
      });
      const splits = this.splitIds.filter((_, k) => k % n === i).map((id) => (positions[id] === undefined ? { id } : { id, position: positions[id] }));
      w.send({
        type: 'configure',
        config: {
          jobId: this.id,
          attempt: number,
          spec: this.spec,
          workerIndex: i,
          parallelism: n,
          socketDir,
          checkpointDir: path.join(this.stateDir, 'checkpoints'),
          splits,
          restore: plan,
          restoreDir: plan === null ? null : restoreDir,
          ...(this.opts.sinkDelayMs !== undefined ? { sinkDelayMs: this.opts.sinkDelayMs } : {}),
          ...(this.opts.testOnlySink !== undefined ? { testOnlySink: this.opts.testOnlySink } : {}),
          ...(this.opts.crashPoint !== undefined && number === 1 && this.opts.crashPoint.worker === i
            ? { crashPoint: { checkpoint: this.opts.crashPoint.checkpoint, point: this.opts.crashPoint.point } }
            : {}),
        },
      });
    }
    // A start-up failure rejects both lists; whichever is not awaited must not go unhandled.
    for (const p of [...listening, ...running]) p.catch(() => undefined);
    const startTimeout = this.opts.startTimeoutMs ?? 60_000;
    const timeout = new Promise<never>((_, reject) => {
      const t = setTimeout(() => {
        const stuck = attempt.status.map((st, i) => (st === 'starting' ? i : -1)).filter((i) => i >= 0);
        reject(new Error(`worker(s) ${stuck.join(', ')} did not start within ${startTimeout} ms`));
      }, startTimeout);
      t.unref();
      void Promise.all(running).then(() => clearTimeout(t), () => clearTimeout(t));
    });
    timeout.catch(() => undefined);
    await Promise.race([Promise.all(listening), timeout]);
    this.broadcast({ type: 'start' });
    const msgs = await Promise.race([Promise.all(running), timeout]);
    return {
      restoreMs: Math.max(...msgs.map((m) => m.restoreMs)),
      restoreBytes: msgs.reduce((s, m) => s + m.restoreBytes, 0),
      restoredKeys: msgs.reduce((s, m) => s + m.restoredKeys, 0),
    };
  }

  private onWorkerMessage(attempt: Attempt, i: number, m: WorkerToHost): void {
    switch (m.type) {
      case 'metrics':
        attempt.metrics[i] = m.metrics;
        this.emit('metrics', m.metrics);
        this.checkCaughtUp();
        break;
      case 'checkpoint-ack':
        this.coordinator.onAck(i, m.ack);
        break;
      case 'checkpoint-declined':
        this.coordinator.onDeclined(m.checkpoint, m.reason);
        break;
      case 'input-finished':
        attempt.status[i] = 'finished';
        attempt.finished++;
        if (attempt.finished === attempt.workers.length) void this.finishJob(attempt);
        break;
      case 'final-staged':
        attempt.finalStaged++;
        if (attempt.finalStaged === attempt.workers.length) void this.commitFinal(attempt, m.checkpoint);
        break;
      case 'key-state': {
        const l = this.lookups.get(m.requestId);
        if (l !== undefined) {
          Object.assign(l.state, m.state);
          if (--l.pending === 0) {
            this.lookups.delete(m.requestId);
            l.resolve(l.state);
          }
        }
        break;
      }
      case 'failed':
        this.emit('log', `worker ${i} failed: ${m.error}`);
        this.onFailure(`worker ${i} failed: ${firstLine(m.error)}`, i);
        break;
      case 'listening':
      case 'running':
        break;
    }
  }

  private finalCheckpoint: CheckpointId | null = null;

  /** Every worker saw the end of its input: stage the rest of the output, then commit it. */
  private async finishJob(attempt: Attempt): Promise<void> {
    this.coordinator.stop('the input ended');
    const id = checkpointId(this.store.nextCheckpointId());
    this.store.begin(id, 'checkpoint', Date.now(), this.spec.parallelism, this.spec.maxParallelism);
    this.finalCheckpoint = id;
    if (this.attempt === attempt) this.broadcast({ type: 'final-commit', checkpoint: id });
  }

  private async commitFinal(attempt: Attempt, id: number): Promise<void> {
    if (this.attempt !== attempt) return;
    try {
      for (const c of this.committers) await c.commit(checkpointId(id));
      // Nothing restores from the final commit: it only carries the last sink output.
      this.store.fail(checkpointId(id), 'final sink commit at the end of input (carries no state)');
    } catch (e) {
      this.onFailure(`final commit failed: ${e instanceof Error ? e.message : String(e)}`, null);
      return;
    }
    // A cancel (or a failure) that arrived while the sinks committed owns the ending now:
    // the output is committed, but the job ends as that call says, not FINISHED.
    if (this.attempt !== attempt || !this.lifecycle.can('FINISHED')) return;
    attempt.ended = true;
    this.lifecycle.to('FINISHED');
    await this.teardown(attempt, 2000);
    this.settle(null);
  }

  private checkHeartbeats(): void {
    const a = this.attempt;
    if (a === null || a.ended || this.state !== 'RUNNING') return;
    const timeout = this.opts.heartbeatTimeoutMs ?? 15_000;
    const t = Date.now();
    for (let i = 0; i < a.workers.length; i++) {
      if (a.status[i] === 'running' && t - a.lastSeen[i]! > timeout) {
        this.onFailure(`worker ${i} (pid ${a.workers[i]!.pid}) sent no heartbeat for ${t - a.lastSeen[i]!} ms`, i);
        return;
      }
    }
  }

  private onFailure(reason: string, worker: number | null): void {
    const a = this.attempt;
    if (a === null || a.ended || TERMINAL_STATES.has(this.state) || this.state === 'CANCELLING') return;
    if (this.state === 'FAILING' || this.state === 'RESTARTING') return;
    a.ended = true;
    const detectedAt = Date.now();
    const kill = this.pendingKill !== null && this.pendingKill.worker === worker ? this.pendingKill : null;
    this.pendingKill = null;
    const failure: FailureRecord = {
      attempt: a.number,
      reason,
      worker,
      at: kill?.at ?? detectedAt,
      detectMs: kill === null ? 0 : detectedAt - kill.at,
      restartMs: null,
      restoreMs: null,
      restoreBytes: null,
      restoredKeys: null,
      restoredFrom: null,
      caughtUpMs: null,
      recordsReplayed: Math.max(0, this.sourceRecordsRead() - this.recordsAtLastCheckpoint),
    };
    this.failures.push(failure);
    this.emit('log', `failure: ${reason}`);
    this.emit('failure', failure);
    this.lifecycle.to('FAILING');
    void this.recover(a, failure);
  }

  private async recover(a: Attempt, failure: FailureRecord): Promise<void> {
    try {
      this.coordinator.stop('the job is failing over');
      await this.teardown(a);
      this.store.abortIncomplete('aborted by the failover');
    } catch (e) {
      if (!this.lifecycle.can('FAILED')) return; // cancelled meanwhile: cancel() ends the job
      this.lifecycle.to('FAILED');
      this.settle(`${failure.reason}; could not clean up after it: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    // A cancel during the teardown owns the ending (CANCELLING cannot go to RESTARTING or FAILED).
    if (!this.lifecycle.can('FAILED')) return;
    const delay = this.restart.onFailure(Date.now());
    if (delay === null) {
      this.lifecycle.to('FAILED');
      this.settle(`${failure.reason}; ${this.restart.describe()}`);
      return;
    }
    this.lifecycle.to('RESTARTING');
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (this.state !== 'RESTARTING') return;
    try {
      const target = this.restoreTarget;
      this.restoreTarget = null;
      const plan = this.store.restorePlan(target === null ? undefined : checkpointId(target));
      if (plan !== null) for (const e of plan.errors) this.emit('log', `checkpoint fallback: ${e.message}`);
      failure.restoredFrom = plan?.checkpoint ?? null;
      for (const c of this.committers) await c.recover(plan === null ? null : plan.checkpoint);
      const restartAt = Date.now();
      const restored = await this.launchAttempt(plan, path.join(this.stateDir, 'checkpoints'));
      failure.restartMs = Date.now() - restartAt;
      failure.restoreMs = restored.restoreMs;
      failure.restoreBytes = restored.restoreBytes;
      failure.restoredKeys = restored.restoredKeys;
      if (this.state !== 'RESTARTING') return;
      this.lifecycle.to('RUNNING');
      this.recovering = failure;
      this.coordinator.start();
      this.emit('recovered', failure);
    } catch (e) {
      if (this.state !== 'RESTARTING') return;
      const why = e instanceof Error ? e.message : String(e);
      this.emit('log', `restart failed: ${why}`);
      const next = this.attempt ?? a;
      // Name the original failure, not the chain of failed restarts before this one.
      const restartOf = { reason: failure.restartOf?.reason ?? failure.reason, tries: (failure.restartOf?.tries ?? 0) + 1 };
      const retry: FailureRecord = { ...failure, reason: `restart after "${restartOf.reason}" failed (try ${restartOf.tries}): ${why}`, restartOf, at: Date.now(), detectMs: 0 };
      this.failures.push(retry);
      this.emit('failure', retry);
      this.lifecycle.to('FAILING');
      void this.recover(next, retry);
    }
  }


  /** Caught up: the new attempt has read again everything the failed one had read. */
  private checkCaughtUp(): void {
    const f = this.recovering;
    if (f === null) return;
    if (this.sourceRecordsRead() >= (f.recordsReplayed ?? 0) || this.attempt?.metrics.every((m) => m?.source.ended)) {
      f.caughtUpMs = Date.now() - f.at;
      this.recovering = null;
      this.emit('recovered', f);
    }
  }

  /**
   * Stops an attempt's workers. On a failover they are SIGKILLed at once (a surviving
   * worker must not stage more output); after a finished job they are asked to shut down
   * and get `graceMs` before the SIGKILL.
   */
  private async teardown(a: Attempt, graceMs = 0): Promise<void> {
    a.ended = true;
    await Promise.all(
      a.workers.map(
        (w, i) =>
          new Promise<void>((resolve) => {
            if (a.status[i] === 'dead') return resolve();
            w.onExit(() => resolve());
            if (graceMs > 0) {
              w.send({ type: 'shutdown' });
              setTimeout(() => w.kill('SIGKILL'), graceMs).unref();
            } else {
              w.kill('SIGKILL');
            }
            setTimeout(resolve, graceMs + 5000).unref();
          }),
      ),
    );
    for (let i = 0; i < a.status.length; i++) a.status[i] = 'dead';
    rmSync(a.socketDir, { recursive: true, force: true });
  }

  private broadcast(msg: HostToWorker): void {
    for (const w of this.attempt?.workers ?? []) w.send(msg);
  }

  private settle(error: string | null): void {
    if (this.result !== null) return;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.coordinator?.stop('the job ended');
    const checkpoints = this.store.history(1000);
    this.result = { state: this.state, error, failures: this.failures, checkpoints };
    void Promise.all(this.committers.map((c) => c.close())).finally(() => {
      this.store.close();
      if (this.state === 'FINISHED' && this.opts.keepCheckpoints !== true) rmSync(this.stateDir, { recursive: true, force: true });
      this.resolveDone(this.result!);
    });
  }

  // ---- operator actions -------------------------------------------------------------

  workers(): WorkerInfo[] {
    const a = this.attempt;
    if (a === null) return [];
    return a.workers.map((w, i) => ({ index: i, pid: w.pid, attempt: a.number, status: a.status[i]!, metrics: a.metrics[i] ?? null }));
  }

  /** SIGKILLs worker `index`; the job recovers according to its restart strategy. */
  killWorker(index: number): { pid: number } {
    this.lifecycle.require('kill a worker', 'RUNNING');
    const a = this.attempt!;
    const w = a.workers[index];
    if (w === undefined) throw new Error(`no worker ${index} (parallelism ${a.workers.length})`);
    this.pendingKill = { worker: index, at: Date.now() };
    w.kill('SIGKILL');
    return { pid: w.pid };
  }

  killRandomWorker(random: () => number = Math.random): { worker: number; pid: number } {
    this.lifecycle.require('kill a worker', 'RUNNING');
    const i = Math.floor(random() * this.attempt!.workers.length);
    return { worker: i, ...this.killWorker(i) };
  }

  triggerCheckpoint(): Promise<CheckpointRecord> {
    this.lifecycle.require('trigger a checkpoint', 'RUNNING');
    return this.coordinator.trigger('checkpoint');
  }

  /** Fails over on purpose and restores checkpoint `id` (which must be completed). */
  restoreFromCheckpoint(id: number): void {
    this.lifecycle.require('restore from a checkpoint', 'RUNNING');
    const rec = this.store.get(checkpointId(id));
    if (rec === undefined || rec.status !== 'completed') throw new Error(`checkpoint ${id} is not a completed checkpoint of this job`);
    this.restoreTarget = id;
    this.onFailure(`operator asked to restore checkpoint ${id}`, null);
  }

  /** Takes a savepoint, then cancels the job. Returns the savepoint (restorable with `restoreFrom`). */
  async stopWithSavepoint(): Promise<{ checkpointDir: string; checkpoint: number }> {
    this.lifecycle.require('stop with a savepoint', 'RUNNING');
    const sp = await this.coordinator.trigger('savepoint');
    await this.cancel({ keepCheckpoints: true });
    return { checkpointDir: path.join(this.stateDir, 'checkpoints'), checkpoint: sp.id };
  }

  async cancel(opts: { keepCheckpoints?: boolean } = {}): Promise<JobResult> {
    if (TERMINAL_STATES.has(this.state)) return this.done;
    this.lifecycle.to('CANCELLING');
    this.coordinator?.stop('the job was cancelled');
    if (this.attempt !== null) await this.teardown(this.attempt);
    this.lifecycle.to('CANCELED');
    if (opts.keepCheckpoints !== true && this.opts.keepCheckpoints !== true) {
      // A cancelled run keeps its checkpoints only when asked (savepoints, debugging).
      this.settle(null);
      const r = await this.done;
      rmSync(this.stateDir, { recursive: true, force: true });
      return r;
    }
    this.settle(null);
    return this.done;
  }

  checkpoints(limit = 100): CheckpointRecord[] {
    return this.store.history(limit);
  }

  failureHistory(): readonly FailureRecord[] {
    return this.failures;
  }

  setSinkDelay(delayMs: number): void {
    this.broadcast({ type: 'set-sink-delay', delayMs });
  }

  setSourcePaused(paused: boolean): void {
    this.broadcast({ type: 'set-source-paused', paused });
  }

  /** One key's state across all workers (only its owner has it). */
  lookupKey(key: string): Promise<Record<string, unknown>> {
    this.lifecycle.require('look up a key', 'RUNNING');
    const requestId = ++this.lookupSeq;
    const n = this.attempt!.workers.length;
    return new Promise((resolve) => {
      this.lookups.set(requestId, { pending: n, state: {}, resolve });
      this.broadcast({ type: 'lookup-key', requestId, key });
    });
  }
}

function describeSink(s: SinkSpec, specDir: string): string {
  return 'path' in s ? `${s.type} sink ${path.resolve(specDir, s.path)}` : `${s.type} sink`;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
