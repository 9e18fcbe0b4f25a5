/**
 * Timers keyed by (time, key), popped in time order. Many keys usually share one time
 * (all keys' windows end together), so times live in a min-heap once each and keys in a
 * set per time. Deleting is lazy: the owner checks, when a timer fires, whether it still
 * means anything (e.g. the window still exists).
 */
export class TimerHeap {
  private readonly byTime = new Map<number, Set<string>>();
  private readonly heap: number[] = [];

  get size(): number {
    return this.heap.length;
  }

  register(key: string, time: number): void {
    let keys = this.byTime.get(time);
    if (keys === undefined) {
      keys = new Set();
      this.byTime.set(time, keys);
      this.push(time);
    }
    keys.add(key);
  }

  /** The earliest registered time, or +∞. */
  peek(): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : this.heap[0]!;
  }

  /**
   * Pops every timer with time ≤ `upTo` in time order and calls `fire(time, key)`.
   * Timers registered during `fire` at times ≤ `upTo` fire in the same call.
   */
  popUpTo(upTo: number, fire: (time: number, key: string) => void): void {
    while (this.heap.length > 0 && this.heap[0]! <= upTo) {
      const time = this.pop();
      const keys = this.byTime.get(time)!;
      this.byTime.delete(time);
      for (const key of keys) fire(time, key);
    }
  }

  clear(): void {
    this.byTime.clear();
    this.heap.length = 0;
  }

  private push(t: number): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= t) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = t;
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && h[r]! < h[l]! ? r : l;
        if (h[c]! >= last) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
