/**
 * A log-linear latency histogram (HdrHistogram's bucket layout, simplified): values in
 * microseconds fall into 32 buckets per power of two, so a quantile is within ~3 % of
 * the true value whatever its magnitude, and memory stays fixed. Workers report their
 * bucket counts (sparse); the host merges counts of all workers and reads quantiles from
 * the merged histogram — quantiles themselves cannot be averaged across workers.
 */

const SUB_BUCKETS = 64;
const SUB_BITS = 6;

/** Bucket index → count, only non-empty buckets. */
export type LatencyBuckets = Record<number, number>;

export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function bucketOf(us: number): number {
  if (us < SUB_BUCKETS) return us;
  const exp = Math.floor(Math.log2(us)) - SUB_BITS + 1; // ≥ 1
  const sub = Math.floor(us / 2 ** exp); // in [SUB_BUCKETS/2, SUB_BUCKETS)
  return exp * (SUB_BUCKETS / 2) + sub;
}

/** The upper end of a bucket in µs (what a quantile falling in it reports). */
function bucketUpperUs(index: number): number {
  if (index < SUB_BUCKETS) return index;
  const exp = Math.floor(index / (SUB_BUCKETS / 2)) - 1;
  const sub = index - exp * (SUB_BUCKETS / 2);
  return (sub + 1) * 2 ** exp - 1;
}

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private maxUs = 0;

  /** Records one latency in milliseconds (negative values — clock skew — count as 0). */
  record(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    const b = bucketOf(us);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.total++;
    if (us > this.maxUs) this.maxUs = us;
  }

  merge(buckets: LatencyBuckets, maxMs: number): void {
    for (const [k, c] of Object.entries(buckets)) {
      const b = Number(k);
      this.counts.set(b, (this.counts.get(b) ?? 0) + c);
      this.total += c;
    }
    this.maxUs = Math.max(this.maxUs, Math.round(maxMs * 1000));
  }

  get samples(): number {
    return this.total;
  }

  buckets(): LatencyBuckets {
    return Object.fromEntries(this.counts);
  }

  get maxMs(): number {
    return this.maxUs / 1000;
  }

  /** The value at quantile q (0..1) in ms; null when empty. */
  quantileMs(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b)!;
      if (seen >= rank) return Math.min(bucketUpperUs(b), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  summary(): LatencySummary | null {
    if (this.total === 0) return null;
    return { samples: this.total, p50Ms: this.quantileMs(0.5)!, p99Ms: this.quantileMs(0.99)!, maxMs: this.maxMs };
  }
}

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable between the worker
 * processes of one machine (each process's time origin is itself wall-clock based).
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
