/**
 * Keyed state for batch reduce tasks. A reduce task processes one key at a time and, as
 * in Flink's BATCH execution mode, forgets a key's state once the key is done: the
 * runner calls {@link BatchStateBackend.clear} between keys, so state never grows past
 * one key's. Nothing is checkpointed (a failed batch job is simply run again), so there
 * is no change tracking and no TTL.
 */
import type { KeyedStateBackend, KeyedTable } from '../state/keyed-state.js';

class BatchTable<V> implements KeyedTable<V> {
  readonly map = new Map<string, V>();
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.set(key, value);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  /** Values are mutated in place and nothing is checkpointed: nothing to track. */
  changed(): void {}
  get size(): number {
    return this.map.size;
  }
  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
}

export class BatchStateBackend {
  private readonly tables = new Map<string, BatchTable<unknown>>();

  /** The view one operator opens with; tables are named `<operatorId>/<table>`. */
  forOperator(operatorId: string): KeyedStateBackend {
    return {
      table: <V>(name: string): KeyedTable<V> => {
        const qn = `${operatorId}/${name}`;
        let t = this.tables.get(qn);
        if (t === undefined) {
          t = new BatchTable<unknown>();
          this.tables.set(qn, t);
        }
        return t as unknown as KeyedTable<V>;
      },
    };
  }

  /** Entries across all tables (0 after {@link clear}). */
  get numKeys(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  /** Drops every key's state: the key just processed is done. */
  clear(): void {
    for (const t of this.tables.values()) if (t.map.size > 0) t.map.clear();
  }
}
