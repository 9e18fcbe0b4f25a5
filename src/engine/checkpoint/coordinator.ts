/**
 * The host side of checkpointing (Flink's CheckpointCoordinator): triggers checkpoints
 * periodically (`interval`, at most one at a time, at least `minPause` after the
 * previous one ended) or on demand, collects every worker's acknowledgement, completes
 * the checkpoint in the store (the complete marker), then lets the caller commit sinks.
 * A checkpoint that times out or that a worker declines is failed with the reason.
 */
import { checkpointId, type CheckpointId } from '../core/types.js';
import type { CheckpointAck } from '../runtime/messages.js';
import type { CheckpointStore, PartRef } from './store.js';
import type { CheckpointKind, CheckpointRecord, CheckpointStats } from './types.js';

export interface CoordinatorOptions {
  readonly interval: number | null;
  readonly minPause: number;
  readonly timeout: number;
  readonly retain: number;
  readonly fullEvery: number;
  readonly incremental: boolean;
  readonly parallelism: number;
  readonly maxParallelism: number;
}

export interface CoordinatorHooks {
  /** Send the trigger to every worker. */
  trigger(id: CheckpointId, full: boolean): void;
  /** The checkpoint is complete in the store: commit sinks, notify workers. */
  completed(record: CheckpointRecord): Promise<void>;
  aborted(id: CheckpointId, reason: string): void;
}

interface InFlight {
  readonly id: CheckpointId;
  readonly kind: CheckpointKind;
  readonly triggerTs: number;
  readonly full: boolean;
  readonly acks: Map<number, CheckpointAck>;
  readonly timer: NodeJS.Timeout;
  readonly waiters: { resolve: (r: CheckpointRecord) => void; reject: (e: Error) => void }[];
}

export class CheckpointCoordinator {
  private inFlight: InFlight | null = null;
  private periodic: NodeJS.Timeout | null = null;
  private lastEnded = 0;
  private sinceFull = Number.POSITIVE_INFINITY;
  private stopped = true;

  constructor(
    private readonly store: CheckpointStore,
    private readonly opts: CoordinatorOptions,
    private readonly hooks: CoordinatorHooks,
  ) {}

  /** Starts periodic checkpoints (when an interval is set). The first after a (re)start is full. */
  start(): void {
    this.stopped = false;
    this.sinceFull = Number.POSITIVE_INFINITY;
    this.schedule();
  }

  stop(reason: string): void {
    this.stopped = true;
    if (this.periodic !== null) clearTimeout(this.periodic);
    this.periodic = null;
    this.abortInFlight(reason);
  }

  get busy(): boolean {
    return this.inFlight !== null;
  }

  private schedule(): void {
    if (this.stopped || this.opts.interval === null) return;
    if (this.periodic !== null) clearTimeout(this.periodic);
    const wait = Math.max(this.opts.interval, this.lastEnded + this.opts.minPause - Date.now());
    this.periodic = setTimeout(() => {
      this.periodic = null;
      if (this.inFlight === null && !this.stopped) this.triggerNow('checkpoint').catch(() => {});
      else this.schedule();
    }, wait);
    this.periodic.unref();
  }

  /**
   * Triggers a checkpoint or savepoint as soon as no other is in flight (one at a time);
   * resolves when it completes.
   */
  async trigger(kind: CheckpointKind): Promise<CheckpointRecord> {
    while (this.inFlight !== null && !this.stopped) {
      const f = this.inFlight;
      await new Promise<void>((resolve) => f.waiters.push({ resolve: () => resolve(), reject: () => resolve() }));
    }
    if (this.stopped) throw new Error('checkpoints are not running (the job is not RUNNING)');
    return this.triggerNow(kind);
  }

  private triggerNow(kind: CheckpointKind): Promise<CheckpointRecord> {
    const id = this.store.nextCheckpointId();
    const full = kind === 'savepoint' || !this.opts.incremental || this.sinceFull >= this.opts.fullEvery - 1;
    const triggerTs = Date.now();
    this.store.begin(id, kind, triggerTs, this.opts.parallelism, this.opts.maxParallelism);
    return new Promise<CheckpointRecord>((resolve, reject) => {
      const timer = setTimeout(() => this.abortInFlight(`timed out after ${this.opts.timeout} ms`), this.opts.timeout);
      timer.unref();
      this.inFlight = { id, kind, triggerTs, full, acks: new Map(), timer, waiters: [{ resolve, reject }] };
      this.hooks.trigger(id, full);
    });
  }

  onAck(worker: number, ack: CheckpointAck): void {
    const f = this.inFlight;
    if (f === null || f.id !== ack.checkpoint) return; // late ack of an aborted checkpoint
    f.acks.set(worker, ack);
    if (f.acks.size < this.opts.parallelism) return;
    void this.complete(f);
  }

  onDeclined(checkpoint: number, reason: string): void {
    if (this.inFlight?.id === checkpoint) this.abortInFlight(`declined: ${reason}`);
  }

  private async complete(f: InFlight): Promise<void> {
    clearTimeout(f.timer);
    const acks = [...f.acks.values()];
    const parts: PartRef[] = acks.map((a) => a.part);
    const stats: CheckpointStats = {
      triggerTs: f.triggerTs,
      durationMs: Date.now() - f.triggerTs,
      syncMs: Math.max(...acks.map((a) => a.syncMs)),
      asyncMs: Math.max(...acks.map((a) => a.asyncMs)),
      alignmentMs: Math.max(...acks.map((a) => a.alignmentMs)),
      fullSizeBytes: acks.reduce((n, a) => n + a.stateBytes, 0),
      checkpointedSizeBytes: acks.reduce((n, a) => n + a.part.bytes, 0),
      numKeys: acks.reduce((n, a) => n + a.numKeys, 0),
    };
    try {
      this.store.complete(f.id, stats, parts);
    } catch (e) {
      this.finish(f, null, e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.sinceFull = f.full ? 0 : this.sinceFull + 1;
    const record = this.store.get(f.id)!;
    try {
      await this.hooks.completed(record);
      this.store.retain(this.opts.retain);
      this.finish(f, record, null);
    } catch (e) {
      this.finish(f, null, e instanceof Error ? e : new Error(String(e)));
    }
  }

  private finish(f: InFlight, record: CheckpointRecord | null, error: Error | null): void {
    if (this.inFlight === f) this.inFlight = null;
    this.lastEnded = Date.now();
    for (const w of f.waiters) {
      if (record !== null) w.resolve(record);
      else w.reject(error!);
    }
    this.schedule();
  }

  private abortInFlight(reason: string): void {
    const f = this.inFlight;
    if (f === null) return;
    clearTimeout(f.timer);
    this.inFlight = null;
    try {
      this.store.fail(f.id, reason);
    } catch {
      /* the store may be closing */
    }
    this.hooks.aborted(f.id, reason);
    // Workers cleared their change sets at this checkpoint's barrier; those changes are in
    // no completed checkpoint, so the next one must be full or they would be missing.
    this.sinceFull = Number.POSITIVE_INFINITY;
    this.lastEnded = Date.now();
    for (const w of f.waiters) w.reject(new Error(`checkpoint ${f.id} failed: ${reason}`));
    this.schedule();
  }

  /** The next checkpoint id (for a final commit at the end of input). */
  reserveId(): CheckpointId {
    return checkpointId(this.store.nextCheckpointId());
  }
}
