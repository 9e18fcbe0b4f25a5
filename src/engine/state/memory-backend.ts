/**
 * Working state in memory, snapshotted incrementally: each table remembers which keys
 * changed since the last snapshot; a snapshot hands those (or everything, for a full
 * one) to the checkpoint writer with each key's key group, and measures the state per
 * key group and the largest keys while it walks them (so "state size per key" costs
 * nothing between checkpoints).
 */
import { keyGroupForKey } from '../core/keygroups.js';
import type { StateEntry } from '../checkpoint/types.js';
import type { KeyedStateBackend, KeyedTable } from './keyed-state.js';

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

export interface Snapshot {
  readonly entries: StateEntry[];
  readonly full: boolean;
}

export class MemoryStateBackend {
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
    const mp = this.maxParallelism;
    const bytesPerOperator: Record<string, number> = {};
    const bytesPerKeyGroup: Record<number, number> = {};
    const sizeHistogram: Record<number, number> = {};
    const top: KeyStat[] = [];
    let numKeys = 0;
    let bytes = 0;
    let minTop = 0;
    for (const t of this.tables.values()) {
      let opBytes = 0;
      for (const [key, value] of t.map) {
        const b = key.length + (JSON.stringify(value)?.length ?? 0);
        numKeys++;
        bytes += b;
        opBytes += b;
        const kg = keyGroupForKey(key, mp);
        bytesPerKeyGroup[kg] = (bytesPerKeyGroup[kg] ?? 0) + b;
        const bucket = 2 ** Math.ceil(Math.log2(Math.max(b, 1)));
        sizeHistogram[bucket] = (sizeHistogram[bucket] ?? 0) + 1;
        if (top.length < topN || b > minTop) {
          top.push({ operator: t.qualifiedName, key, bytes: b });
          if (top.length > topN * 4) {
            top.sort((a, c) => c.bytes - a.bytes);
            top.length = topN;
            minTop = top[topN - 1]!.bytes;
          }
        }
      }
      bytesPerOperator[t.qualifiedName] = opBytes;
    }
    top.sort((a, c) => c.bytes - a.bytes);
    if (top.length > topN) top.length = topN;
    this.lastStats = { numKeys, bytes, bytesPerOperator, bytesPerKeyGroup, topKeys: top, sizeHistogram };
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
