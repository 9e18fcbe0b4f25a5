/**
 * Splits of a seeded sequence source (generator, nexmark): split s of n reads the sequence
 * indices s, s + n, s + 2n, …; its position is the next index it will read. Shared by
 * every source whose records are a pure function of their index.
 */
import type { Rec } from '../core/types.js';
import type { PollResult, SourcePosition, SplitInfo, SplitReader } from './source.js';

/** Retry delay when a poll asked for no records (an unbounded source is never "idle" for long). */
const IDLE_WHEN_UNBOUNDED_MS = 1;

/** How many of `count` indices split `split` of `splits` reads. */
export function indicesInSplit(count: number, split: number, splits: number): number {
  return count > split ? Math.ceil((count - split) / splits) : 0;
}

/** Splits `<prefix>-0` … `<prefix>-<splits-1>`, with their sizes when the sequence is bounded. */
export function listStridedSplits(prefix: string, count: number | null, splits: number): SplitInfo[] {
  const out: SplitInfo[] = [];
  for (let s = 0; s < splits; s++) out.push(count === null ? { id: `${prefix}-${s}` } : { id: `${prefix}-${s}`, expectedRecords: indicesInSplit(count, s, splits) });
  return out;
}

/**
 * The next index `split` reads: its first, or the one `position` recorded. `source` names
 * the source in errors; an unknown split or a position of another split is an error.
 */
export function stridedStart(source: string, prefix: string, split: SplitInfo, position: SourcePosition | undefined, splits: number): number {
  const m = new RegExp(`^${prefix}-(\\d+)$`).exec(split.id);
  const s = m ? Number(m[1]) : NaN;
  if (!(s >= 0 && s < splits)) {
    throw new Error(`${source}: unknown split ${JSON.stringify(split.id)} (splits are ${prefix}-0 … ${prefix}-${splits - 1})`);
  }
  if (position === undefined) return s;
  const p = position['next'];
  if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < s || (p - s) % splits !== 0) {
    throw new Error(`${source}: position ${JSON.stringify(position)} does not belong to split ${split.id}`);
  }
  return p;
}

/** The options a strided split reader paces and bounds itself by. */
export interface StridedReadOptions {
  /** Total indices over all splits; null = unbounded. */
  count: number | null;
  /** Total emission rate over all splits (per second of wall time); null = as fast as polled. */
  eventsPerSecond: number | null;
  splits: number;
  /** Monotonic clock in ms for rate limiting (default `performance.now`); tests inject one. */
  clock?: () => number;
}

/**
 * A reader of one strided split: it owns the split's position, its bound and its share of
 * the rate limit; a source only turns indices into records ({@link read}), so the loop
 * that builds records stays specialised per source (the hot path).
 */
export abstract class StridedSplitReader implements SplitReader {
  private next: number;
  private readonly stride: number;
  /** One past the last index this split may emit (Infinity when unbounded). */
  private readonly limit: number;
  private readonly ratePerSplit: number | null;
  private readonly clock: () => number;
  private readonly openedAt: number;
  private emittedSinceOpen = 0;

  constructor(
    readonly split: SplitInfo,
    opts: StridedReadOptions,
    next: number,
  ) {
    this.next = next;
    this.stride = opts.splits;
    this.limit = opts.count === null ? Number.POSITIVE_INFINITY : opts.count;
    this.ratePerSplit = opts.eventsPerSecond === null ? null : opts.eventsPerSecond / opts.splits;
    this.clock = opts.clock ?? (() => performance.now());
    this.openedAt = this.clock();
  }

  /** The records of indices first, first + stride, … (n of them), with their event times. */
  protected abstract read(first: number, n: number, stride: number): { records: Rec[]; timestamps: number[] };

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
    const { records, timestamps } = this.read(this.next, n, this.stride);
    this.next += n * this.stride;
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
