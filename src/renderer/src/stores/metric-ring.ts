/**
 * A job's chart history, in columns: one timestamp column and one Float64Array per drawn
 * series, over a ring of `capacity` slots allocated once. Keeping 15 minutes of whole
 * snapshots (operators, workers, nested objects) made the renderer's heap grow with the
 * window; a ring of numbers costs `capacity × 8` bytes per series whatever arrives, and
 * overwriting the oldest slot allocates nothing.
 *
 * Contract: timestamps only increase (an older or equal one is refused, `push` returns
 * false); a value that was not reported is stored as NaN and read back as null; rows older
 * than `windowMs` before the newest are dropped; a series absent from the whole kept
 * window is forgotten (e.g. a worker that no longer exists after a rescale).
 */
export class MetricRing {
  private readonly ts: Float64Array;
  private readonly columns = new Map<string, Float64Array>();
  /** Newest timestamp at which each series had a value (to forget series gone for a whole window). */
  private readonly lastSeen = new Map<string, number>();
  /** Slot of the oldest row. */
  private head = 0;
  private size = 0;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
    this.ts = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Timestamp of the newest row, or null when empty. */
  get newestTs(): number | null {
    return this.size === 0 ? null : this.ts[this.slot(this.size - 1)]!;
  }

  /** Timestamp of the oldest kept row, or null when empty. */
  get oldestTs(): number | null {
    return this.size === 0 ? null : this.ts[this.head]!;
  }

  /** Names of the series that currently have a column. */
  seriesNames(): string[] {
    return [...this.columns.keys()];
  }

  /** Appends one row; series not named in `values` get no value at `ts`. False when `ts` is not newer than the newest row. */
  push(ts: number, values: Iterable<readonly [string, number | null]>): boolean {
    if (!Number.isFinite(ts)) throw new RangeError(`timestamp must be finite, got ${ts}`);
    const newest = this.newestTs;
    if (newest !== null && ts <= newest) return false;
    if (this.size === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
    const at = this.slot(this.size);
    this.size++;
    this.ts[at] = ts;
    for (const col of this.columns.values()) col[at] = NaN;
    for (const [name, v] of values) {
      if (v === null || !Number.isFinite(v)) continue;
      this.column(name)[at] = v;
      this.lastSeen.set(name, ts);
    }
    this.dropOlderThan(ts - this.windowMs);
    return true;
  }

  /** The kept rows of one series as chart points `[ts, value | null]`, oldest first. */
  points(name: string): [number, number | null][] {
    const col = this.columns.get(name);
    const out = new Array<[number, number | null]>(this.size);
    for (let i = 0; i < this.size; i++) {
      const s = this.slot(i);
      const v = col === undefined ? NaN : col[s]!;
      out[i] = [this.ts[s]!, Number.isNaN(v) ? null : v];
    }
    return out;
  }

  /**
   * The kept rows of one series as one flat array `[ts0, v0, ts1, v1, …]` (NaN: not
   * reported), oldest first. ECharts draws a line from such a typed array directly, so a
   * chart holds two numbers per point instead of an array object and two boxed numbers.
   */
  interleaved(name: string): Float64Array {
    const col = this.columns.get(name);
    const out = new Float64Array(this.size * 2);
    for (let i = 0; i < this.size; i++) {
      const s = this.slot(i);
      out[2 * i] = this.ts[s]!;
      out[2 * i + 1] = col === undefined ? NaN : col[s]!;
    }
    return out;
  }

  /** Row `i` (0 = oldest): its timestamp and the value of `name` (null when not reported). */
  at(i: number, name: string): { ts: number; value: number | null } {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`row ${i} is outside 0..${this.size - 1}`);
    const s = this.slot(i);
    const v = this.columns.get(name)?.[s] ?? NaN;
    return { ts: this.ts[s]!, value: Number.isNaN(v) ? null : v };
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.columns.clear();
    this.lastSeen.clear();
  }

  private slot(i: number): number {
    return (this.head + i) % this.capacity;
  }

  private column(name: string): Float64Array {
    let col = this.columns.get(name);
    if (col === undefined) {
      // A series that appears later has no values for the rows before it.
      col = new Float64Array(this.capacity).fill(NaN);
      this.columns.set(name, col);
    }
    return col;
  }

  private dropOlderThan(cutoff: number): void {
    while (this.size > 0 && this.ts[this.head]! < cutoff) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
    const oldest = this.oldestTs;
    for (const [name, seen] of this.lastSeen) {
      if (oldest === null || seen < oldest) {
        this.lastSeen.delete(name);
        this.columns.delete(name);
      }
    }
  }
}
