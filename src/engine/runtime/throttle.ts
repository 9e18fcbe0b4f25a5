/**
 * A token bucket for `source.maxRecordsPerSecond` (one worker's share): refills
 * continuously, holds at most a tenth of a second's worth (at least one record), so a
 * worker that was idle cannot burst far above the rate.
 */
export class Throttle {
  private tokens: number;
  private last = performance.now();

  /** `perSecond` null: unlimited; `max` caps one allowance (the poll size). */
  constructor(
    private readonly perSecond: number | null,
    private readonly max: number,
  ) {
    this.tokens = perSecond === null ? max : Math.min(max, perSecond / 10);
  }

  /** Records that may be read now (0: wait). */
  allowance(): number {
    if (this.perSecond === null) return this.max;
    const t = performance.now();
    this.tokens = Math.min(Math.max(this.perSecond / 10, 1), this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
    return Math.min(this.max, Math.floor(this.tokens));
  }

  consume(n: number): void {
    if (this.perSecond !== null) this.tokens -= n;
  }

  /** How long until one more record may be read. */
  waitMs(): number {
    return this.perSecond === null ? 0 : Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond));
  }
}
