import type { StateEntry } from '../checkpoint/types.js';
import type { StateStats } from './memory-backend.js';

/**
 * Keyed state the runtime owns and operators use. A table maps key strings to JSON
 * values; the backend tracks which keys changed since the last snapshot so a checkpoint
 * writes only those (incremental), and knows each key's key group so state can be
 * restored at another parallelism.
 */
export interface KeyedTable<V> {
  get(key: string): V | undefined;
  /** Store `value` (also after mutating a value in place: marks the key changed). */
  set(key: string, value: V): void;
  delete(key: string): void;
  /**
   * Marks an existing key changed after its value was mutated in place (cheaper than
   * `set`: no second map lookup). For a key not in the table, use `set`.
   */
  changed(key: string): void;
  readonly size: number;
  entries(): IterableIterator<[string, V]>;
}

export interface KeyedStateBackend {
  /** The table `name` of the calling operator; created on first use. */
  table<V>(name: string, opts?: { ttlMs?: number | null }): KeyedTable<V>;
}

/**
 * A worker stage's working state: operators' tables, change tracking for incremental
 * checkpoints, restore, measurement and TTL cleanup. Two implementations: in memory
 * (`state.backend: memory`) and SQLite-resident for state larger than memory
 * (`state.backend: sqlite`).
 */
export interface StateBackend {
  forOperator(operatorId: string): KeyedStateBackend;
  readonly numKeys: number;
  /** Drops entries past their TTL; returns how many. */
  expire(): number;
  /** Changed entries since the previous snapshot (or all, when `full`); clears the change sets. */
  snapshot(full: boolean): { readonly entries: StateEntry[]; readonly full: boolean };
  /** Loads restored entries as already checkpointed. Returns how many were loaded. */
  load(entries: Iterable<StateEntry>): number;
  measure(topN?: number): StateStats;
  lookup(key: string): Record<string, unknown>;
  close(): void;
}
