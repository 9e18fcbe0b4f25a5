/**
 * The input queue of a source under `overload.strategy: shed`: records read from the
 * source that the pipeline has not taken yet (its first output was full). Records leave
 * in arrival order; when more than `threshold` are waiting, the lowest-priority record is
 * dropped — the newest of that priority, so the ones waiting longest still go through.
 */

class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  first(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the dead prefix dominates, so memory follows what is queued.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  pop(): T | undefined {
    if (this.length === 0) return undefined;
    return this.items.pop();
  }
}

interface Entry<T> {
  readonly item: T;
  readonly priority: number;
  dropped: boolean;
}

export class ShedQueue<T> {
  private readonly fifo = new Deque<Entry<T>>();
  private readonly byPriority = new Map<number, Deque<Entry<T>>>();
  /** Distinct priorities present, ascending. */
  private readonly priorities: number[] = [];
  private size = 0;

  constructor(readonly threshold: number) {
    if (!Number.isInteger(threshold) || threshold < 1) throw new Error(`shed queue threshold must be a positive integer, got ${threshold}`);
  }

  get length(): number {
    return this.size;
  }

  /** Queues `item`; returns what had to be dropped to stay within the threshold. */
  push(item: T, priority: number): { item: T; priority: number }[] {
    const e: Entry<T> = { item, priority, dropped: false };
    this.fifo.push(e);
    let bucket = this.byPriority.get(priority);
    if (bucket === undefined) {
      bucket = new Deque();
      this.byPriority.set(priority, bucket);
      this.priorities.splice(lowerBound(this.priorities, priority), 0, priority);
    }
    bucket.push(e);
    this.size++;
    const dropped: { item: T; priority: number }[] = [];
    while (this.size > this.threshold) {
      const lowest = this.priorities[0]!;
      const b = this.byPriority.get(lowest)!;
      const victim = b.pop()!;
      victim.dropped = true;
      this.size--;
      if (b.length === 0) this.removePriority(lowest);
      dropped.push({ item: victim.item, priority: victim.priority });
    }
    return dropped;
  }

  /** The oldest record still queued. */
  shift(): T | undefined {
    for (;;) {
      const e = this.fifo.shift();
      if (e === undefined) return undefined;
      if (e.dropped) continue;
      // The oldest queued record is also the oldest of its priority.
      const b = this.byPriority.get(e.priority)!;
      b.shift();
      if (b.length === 0) this.removePriority(e.priority);
      this.size--;
      return e.item;
    }
  }

  private removePriority(p: number): void {
    this.byPriority.delete(p);
    this.priorities.splice(lowerBound(this.priorities, p), 1);
  }
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
