/**
 * The Nexmark source: the event sequence of {@link NexmarkModel} as records
 * `{"type": "person"|"auction"|"bid", …the Nexmark fields…, "dateTime": <ms>}`, with
 * `dateTime` as the records' event time (so `timestampField` may be left unset, or set to
 * `dateTime`). Deterministic from the seed, splittable and resumable like the generator:
 * split s of S (id `nexmark-<s>`) emits events j = s, s+S, s+2S, …; its position is
 * `{ next: j }`, the index of the next event it would emit.
 */
import type { Rec } from '../core/types.js';
import { NexmarkModel, type NexmarkModelOptions } from './nexmark-model.js';
import type { PollResult, Source, SourcePosition, SplitInfo, SplitReader } from './source.js';
import { listStridedSplits, stridedStart } from './strided-splits.js';

export interface NexmarkOptions extends NexmarkModelOptions {
  /** Total events over all splits; null = unbounded. */
  count: number | null;
  /** Total emission rate over all splits (events per second of wall time); null = as fast as polled. */
  eventsPerSecond: number | null;
  /** Number of splits (the source's parallelism). */
  splits: number;
  /** Monotonic clock in ms for rate limiting (default `performance.now`); tests inject one. */
  clock?: () => number;
}

const IDLE_WHEN_UNBOUNDED_MS = 1;

function validate(o: NexmarkOptions): void {
  const fail = (field: string, msg: string): never => {
    throw new Error(`nexmark: ${field} ${msg}`);
  };
  if (o.count !== null && !(Number.isSafeInteger(o.count) && o.count >= 0)) fail('count', `must be a non-negative integer or null, got ${o.count}`);
  if (o.eventsPerSecond !== null && !(o.eventsPerSecond > 0 && Number.isFinite(o.eventsPerSecond)))
    fail('eventsPerSecond', `must be > 0 or null, got ${o.eventsPerSecond}`);
  if (!(Number.isSafeInteger(o.splits) && o.splits >= 1)) fail('splits', `must be an integer ≥ 1, got ${o.splits}`);
}

/** Events split `split` of `splits` holds when the source is bounded to `count`. */
export class NexmarkSource implements Source {
  readonly bounded: boolean;
  private readonly opts: NexmarkOptions;

  constructor(opts: NexmarkOptions) {
    validate(opts);
    this.opts = { ...opts };
    // Validates the model options now, so a bad spec fails at job start, not in a reader.
    new NexmarkModel(this.opts);
    this.bounded = opts.count !== null;
  }

  listSplits(): SplitInfo[] {
    return listStridedSplits('nexmark', this.opts.count, this.opts.splits);
  }

  openReader(split: SplitInfo, position: SourcePosition | undefined): NexmarkSplitReader {
    const next = stridedStart('nexmark', 'nexmark', split, position, this.opts.splits);
    return new NexmarkSplitReader(split, this.opts, next);
  }
}

export class NexmarkSplitReader implements SplitReader {
  readonly split: SplitInfo;
  private readonly model: NexmarkModel;
  private next: number;
  private readonly stride: number;
  /** One past the last index this split may emit (Infinity when unbounded). */
  private readonly limit: number;
  private readonly ratePerSplit: number | null;
  private readonly clock: () => number;
  private readonly openedAt: number;
  private emittedSinceOpen = 0;

  constructor(split: SplitInfo, opts: NexmarkOptions, next: number) {
    this.split = split;
    this.model = new NexmarkModel(opts);
    this.next = next;
    this.stride = opts.splits;
    this.limit = opts.count === null ? Number.POSITIVE_INFINITY : opts.count;
    this.ratePerSplit = opts.eventsPerSecond === null ? null : opts.eventsPerSecond / opts.splits;
    this.clock = opts.clock ?? (() => performance.now());
    this.openedAt = this.clock();
  }

  poll(maxRecords: number): PollResult {
    if (this.next >= this.limit) return { kind: 'end' };
    let n = Math.max(0, Math.floor(maxRecords));
    const remaining = Math.ceil((this.limit - this.next) / this.stride);
    if (remaining < n) n = remaining;
    if (this.ratePerSplit !== null) {
      const elapsedMs = this.clock() - this.openedAt;
      const allowed = Math.floor((this.ratePerSplit * elapsedMs) / 1000) - this.emittedSinceOpen;
      if (allowed <= 0) {
        const dueAtMs = ((this.emittedSinceOpen + 1) * 1000) / this.ratePerSplit;
        return { kind: 'idle', retryAfterMs: Math.max(1, Math.ceil(dueAtMs - elapsedMs)) };
      }
      if (allowed < n) n = allowed;
    }
    if (n === 0) return { kind: 'idle', retryAfterMs: IDLE_WHEN_UNBOUNDED_MS };

    const model = this.model;
    const records: Rec[] = new Array<Rec>(n);
    const timestamps: number[] = new Array<number>(n);
    let j = this.next;
    for (let i = 0; i < n; i++) {
      const rec = model.event(j);
      records[i] = rec;
      timestamps[i] = rec['dateTime'] as number;
      j += this.stride;
    }
    this.next = j;
    this.emittedSinceOpen += n;
    return { kind: 'records', records, timestamps };
  }

  position(): SourcePosition {
    return { next: this.next };
  }

  backlog(): number | undefined {
    if (this.limit === Number.POSITIVE_INFINITY) return undefined;
    return this.next >= this.limit ? 0 : Math.ceil((this.limit - this.next) / this.stride);
  }

  close(): void {}
}
