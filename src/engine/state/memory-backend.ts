/**
 * Working state in memory, snapshotted incrementally: each table remembers which keys
 * changed since the last snapshot; a snapshot hands those (or everything, for a full
 * one) to the checkpoint writer with each key's key group, and measures the state per
 * key group and the largest keys while it walks them (so "state size per key" costs
 * nothing between checkpoints).
 */
import { keyGroupForKey } from '../core/keygroups.js';
import type { StateEntry } from '../checkpoint/types.js';
import type { KeyedStateBackend, KeyedTable, StateBackend } from './keyed-state.js';

class MemoryTable<V> implements KeyedTable<V> {
  readonly map = new Map<string, V>();
  readonly dirty = new Set<string>();
  /** Last write time per key, only when a TTL is set. */
  readonly written: Map<string, number> | null;

  constructor(
    readonly qualifiedName: string,
    private readonly ttlMs: number | null,
    private readonly now: () => number,
  ) {
    this.written = ttlMs === null ? null : new Map();
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined && this.written !== null && this.now() - this.written.get(key)! >= this.ttlMs!) {
      this.delete(key);
      return undefined;
    }
    return v;
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
    this.dirty.add(key);
    this.written?.set(key, this.now());
  }
  changed(key: string): void {
    this.dirty.add(key);
    this.written?.set(key, this.now());
  }
  delete(key: string): void {
    if (this.map.delete(key)) this.dirty.add(key);
    this.written?.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
  /** Drops expired entries (TTL cleanup); returns how many. */
  expire(): number {
    if (this.written === null) return 0;
    const now = this.now();
    let n = 0;
    for (const [k, t] of this.written) {
      if (now - t >= this.ttlMs!) {
        this.delete(k);
        n++;
      }
    }
    return n;
  }
}

export interface KeyStat {
  readonly operator: string;
  readonly key: string;
  readonly bytes: number;
}

/** Measured while snapshotting: the console's state tab. */
export interface StateStats {
  readonly numKeys: number;
  readonly bytes: number;
  readonly bytesPerOperator: Record<string, number>;
  readonly bytesPerKeyGroup: Record<number, number>;
  /** Largest keys by serialised bytes (top N). */
  readonly topKeys: KeyStat[];
  /** Histogram of entry sizes: upper bound in bytes (powers of 2) → count. */
  readonly sizeHistogram: Record<number, number>;
}

/** Accumulates state statistics entry by entry (shared by the state backends). */
export class StateMeasurer {
  private readonly bytesPerOperator: Record<string, number> = {};
  private readonly bytesPerKeyGroup: Record<number, number> = {};
  private readonly sizeHistogram: Record<number, number> = {};
  private top: KeyStat[] = [];
  private minTop = 0;
  private numKeys = 0;
  private bytes = 0;

  constructor(
    private readonly maxParallelism: number,
    private readonly topN: number,
  ) {}

  /** One entry of `bytes` (key plus JSON value length). */
  add(operator: string, key: string, bytes: number): void {
    const b = bytes;
    this.numKeys++;
    this.bytes += b;
    this.bytesPerOperator[operator] = (this.bytesPerOperator[operator] ?? 0) + b;
    const kg = keyGroupForKey(key, this.maxParallelism);
    this.bytesPerKeyGroup[kg] = (this.bytesPerKeyGroup[kg] ?? 0) + b;
    const bucket = 2 ** Math.ceil(Math.log2(Math.max(b, 1)));
    this.sizeHistogram[bucket] = (this.sizeHistogram[bucket] ?? 0) + 1;
    if (this.top.length < this.topN || b > this.minTop) {
      this.top.push({ operator, key, bytes: b });
      if (this.top.length > this.topN * 4) this.trim();
    }
  }

  private trim(): void {
    this.top.sort((a, c) => c.bytes - a.bytes);
    if (this.top.length > this.topN) this.top.length = this.topN;
    this.minTop = this.top.length === this.topN ? this.top[this.topN - 1]!.bytes : 0;
  }

  result(): StateStats {
    this.trim();
    return {
      numKeys: this.numKeys,
      bytes: this.bytes,
      bytesPerOperator: this.bytesPerOperator,
      bytesPerKeyGroup: this.bytesPerKeyGroup,
      topKeys: this.top,
      sizeHistogram: this.sizeHistogram,
    };
  }
}

/** Several measurements as one (the stages of a worker, the workers of a job): sums, and the largest `topN` of their top keys. */
export function mergeStateStats(parts: readonly StateStats[], topN: number): StateStats {
  const bytesPerOperator: Record<string, number> = {};
  const bytesPerKeyGroup: Record<number, number> = {};
  const sizeHistogram: Record<number, number> = {};
  const add = (into: Record<string | number, number>, from: Record<string | number, number>): void => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  const top: KeyStat[] = [];
  let numKeys = 0;
  let bytes = 0;
  for (const p of parts) {
    numKeys += p.numKeys;
    bytes += p.bytes;
    add(bytesPerOperator, p.bytesPerOperator);
    add(bytesPerKeyGroup, p.bytesPerKeyGroup);
    add(sizeHistogram, p.sizeHistogram);
    for (const k of p.topKeys) top.push(k);
  }
  top.sort((a, b) => b.bytes - a.bytes);
  return { numKeys, bytes, bytesPerOperator, bytesPerKeyGroup, topKeys: top.slice(0, topN), sizeHistogram };
}

export interface Snapshot {
  readonly entries: StateEntry[];
  readonly full: boolean;
}

export class MemoryStateBackend implements StateBackend {
  private readonly tables = new Map<string, MemoryTable<unknown>>();
  private lastStats: StateStats | null = null;

  constructor(
    private readonly maxParallelism: number,
    private readonly defaultTtlMs: number | null = null,
    private readonly now: () => number = Date.now,
  ) {}

  /** The view one operator gets: its tables are named `<operatorId>/<table>` in checkpoints. */
  forOperator(operatorId: string): KeyedStateBackend {
    return {
      table: <V>(name: string, opts?: { ttlMs?: number | null }): KeyedTable<V> => {
        const qn = `${operatorId}/${name}`;
        let t = this.tables.get(qn);
        if (t === undefined) {
          t = new MemoryTable<unknown>(qn, opts?.ttlMs !== undefined ? opts.ttlMs : this.defaultTtlMs, this.now);
          this.tables.set(qn, t);
        }
        return t as unknown as KeyedTable<V>;
      },
    };
  }

  /** Number of keys across tables. */
  get numKeys(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  expire(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.expire();
    return n;
  }

  /**
   * The entries to checkpoint: changed keys since the previous snapshot (tombstones as
   * `value: undefined`), or every key when `full`. Clears the change sets.
   */
  snapshot(full: boolean): Snapshot {
    const entries: StateEntry[] = [];
    const mp = this.maxParallelism;
    for (const t of this.tables.values()) {
      const keys: Iterable<string> = full ? t.map.keys() : t.dirty;
      for (const key of keys) {
        entries.push({ operator: t.qualifiedName, keyGroup: keyGroupForKey(key, mp), key, value: t.map.get(key) });
      }
      t.dirty.clear();
    }
    return { entries, full };
  }

  /** Walks all state and measures it (JSON bytes per entry). O(state); call at checkpoint time. */
  measure(topN = 20): StateStats {
    const m = new StateMeasurer(this.maxParallelism, topN);
    for (const t of this.tables.values()) for (const [key, value] of t.map) m.add(t.qualifiedName, key, key.length + (JSON.stringify(value)?.length ?? 0));
    this.lastStats = m.result();
    return this.lastStats;
  }

  get stats(): StateStats | null {
    return this.lastStats;
  }

  /** Loads restored entries into their tables (as clean: they are already checkpointed). */
  load(entries: Iterable<StateEntry>): number {
    let n = 0;
    for (const e of entries) {
      if (e.value === undefined) continue;
      let t = this.tables.get(e.operator);
      if (t === undefined) {
        t = new MemoryTable<unknown>(e.operator, this.defaultTtlMs, this.now);
        this.tables.set(e.operator, t);
      }
      t.map.set(e.key, e.value);
      t.written?.set(e.key, this.now());
      n++;
    }
    return n;
  }

  close(): void {
    this.tables.clear();
  }

  /** One key's state in every table (the console's "look up one key"). */
  lookup(key: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const t of this.tables.values()) {
      const v = t.map.get(key);
      if (v !== undefined) out[t.qualifiedName] = v;
    }
    return out;
  }
}
