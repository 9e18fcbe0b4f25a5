/**
 * SQLite-resident working state, for state larger than memory (`state.backend: sqlite`).
 *
 * Every entry lives in a per-stage SQLite file (working state, not a checkpoint: it is
 * deleted when the worker stops; durability comes from checkpoints). A bounded cache of
 * recently used entries sits in front of it, so hot keys cost a map lookup; an evicted
 * entry that changed is written back in batches. Change tracking for incremental
 * checkpoints is the same as in memory: a set of changed keys per table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { keyGroupForKey } from '../core/keygroups.js';
import type { StateEntry } from '../checkpoint/types.js';
import type { KeyedStateBackend, KeyedTable, StateBackend } from './keyed-state.js';
import { StateMeasurer, type StateStats } from './memory-backend.js';

/** Entries kept in memory per backend before the least recently used are written back. */
export const DEFAULT_CACHE_ENTRIES = 100_000;

interface Cached {
  value: unknown;
  /** Changed since it was last written to SQLite. */
  unsaved: boolean;
}

class SqliteTable<V> implements KeyedTable<V> {
  /** Insertion-ordered: the first entries are the least recently used. */
  readonly cache = new Map<string, Cached>();
  readonly dirty = new Set<string>();
  count = 0;
  readonly written: Map<string, number> | null;

  constructor(
    readonly qualifiedName: string,
    private readonly owner: SqliteStateBackend,
    readonly ttlMs: number | null,
  ) {
    this.written = ttlMs === null ? null : new Map();
  }

  private touch(key: string, c: Cached): void {
    this.cache.delete(key);
    this.cache.set(key, c);
  }

  get(key: string): V | undefined {
    let c = this.cache.get(key);
    if (c !== undefined) {
      this.touch(key, c);
    } else {
      const text = this.owner.readRow(this.qualifiedName, key);
      if (text === undefined) return undefined;
      c = { value: JSON.parse(text), unsaved: false };
      this.cache.set(key, c);
      this.owner.evictIfFull();
    }
    if (this.written !== null && this.owner.now() - (this.written.get(key) ?? 0) >= this.ttlMs!) {
      this.delete(key);
      return undefined;
    }
    return c.value as V;
  }

  set(key: string, value: V): void {
    const c = this.cache.get(key);
    if (c === undefined) {
      if (!this.owner.hasRow(this.qualifiedName, key)) this.count++;
      this.cache.set(key, { value, unsaved: true });
      this.owner.evictIfFull();
    } else {
      c.value = value;
      c.unsaved = true;
      this.touch(key, c);
    }
    this.dirty.add(key);
    this.written?.set(key, this.owner.now());
  }

  changed(key: string): void {
    const c = this.cache.get(key);
    if (c === undefined) throw new Error(`state table ${this.qualifiedName}: changed("${key}") for a key that was not read`);
    c.unsaved = true;
    this.dirty.add(key);
    this.written?.set(key, this.owner.now());
  }

  delete(key: string): void {
    const inCache = this.cache.delete(key);
    if (inCache) this.owner.uncached();
    const inDb = this.owner.deleteRow(this.qualifiedName, key);
    if (inCache || inDb) {
      this.count--;
      this.dirty.add(key);
    }
    this.written?.delete(key);
  }

  get size(): number {
    return this.count;
  }

  /** All entries: written-back rows from SQLite, then what only the cache holds. */
  *entries(): IterableIterator<[string, V]> {
    this.owner.flush();
    for (const row of this.owner.iterateRows(this.qualifiedName)) {
      const c = this.cache.get(row.key);
      yield [row.key, (c !== undefined ? c.value : JSON.parse(row.value)) as V];
    }
  }

  /** The current value of `key` as JSON text, or undefined when absent. */
  jsonOf(key: string): string | undefined {
    const c = this.cache.get(key);
    if (c !== undefined) return JSON.stringify(c.value);
    return this.owner.readRow(this.qualifiedName, key);
  }
}

export class SqliteStateBackend implements StateBackend {
  private readonly tables = new Map<string, SqliteTable<unknown>>();
  private readonly db: Database.Database;
  private readonly file: string;
  private readonly stmt: {
    read: Database.Statement;
    has: Database.Statement;
    upsert: Database.Statement;
    del: Database.Statement;
    iterate: Database.Statement;
  };
  private cached = 0;

  constructor(
    private readonly maxParallelism: number,
    private readonly defaultTtlMs: number | null = null,
    readonly now: () => number = Date.now,
    private readonly cacheEntries = DEFAULT_CACHE_ENTRIES,
    dir: string = os.tmpdir(),
  ) {
    this.file = path.join(fs.mkdtempSync(path.join(dir, 'sluice-state-')), 'state.db');
    this.db = new Database(this.file);
    // Working state: a crash loses it by design (restore comes from a checkpoint).
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec('CREATE TABLE state (tbl TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (tbl, key)) STRICT, WITHOUT ROWID');
    this.stmt = {
      read: this.db.prepare('SELECT value FROM state WHERE tbl = ? AND key = ?').pluck(),
      has: this.db.prepare('SELECT 1 FROM state WHERE tbl = ? AND key = ?').pluck(),
      upsert: this.db.prepare('INSERT INTO state (tbl, key, value) VALUES (?, ?, ?) ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value'),
      del: this.db.prepare('DELETE FROM state WHERE tbl = ? AND key = ?'),
      iterate: this.db.prepare('SELECT key, value FROM state WHERE tbl = ?'),
    };
  }

  readRow(tbl: string, key: string): string | undefined {
    return this.stmt.read.get(tbl, key) as string | undefined;
  }
  hasRow(tbl: string, key: string): boolean {
    return this.stmt.has.get(tbl, key) !== undefined;
  }
  deleteRow(tbl: string, key: string): boolean {
    return this.stmt.del.run(tbl, key).changes > 0;
  }
  iterateRows(tbl: string): IterableIterator<{ key: string; value: string }> {
    return this.stmt.iterate.iterate(tbl) as IterableIterator<{ key: string; value: string }>;
  }

  forOperator(operatorId: string): KeyedStateBackend {
    return {
      table: <V>(name: string, opts?: { ttlMs?: number | null }): KeyedTable<V> => this.table(`${operatorId}/${name}`, opts?.ttlMs !== undefined ? opts.ttlMs : this.defaultTtlMs) as unknown as KeyedTable<V>,
    };
  }

  private table(qn: string, ttl: number | null): SqliteTable<unknown> {
    let t = this.tables.get(qn);
    if (t === undefined) {
      t = new SqliteTable<unknown>(qn, this, ttl);
      this.tables.set(qn, t);
    }
    return t;
  }

  uncached(): void {
    this.cached--;
  }

  /** Writes back the least recently used entries when the cache is over its size. */
  evictIfFull(): void {
    this.cached++;
    if (this.cached <= this.cacheEntries) return;
    // Down to 90 % of the cache in one transaction: write-backs are batched, and the entry
    // just used (the newest) stays.
    const excess = Math.max(1, this.cached - Math.floor(this.cacheEntries * 0.9));
    this.db.transaction(() => {
      let n = 0;
      for (const t of this.tables.values()) {
        for (const [key, c] of t.cache) {
          if (n >= excess) break;
          if (c.unsaved) this.stmt.upsert.run(t.qualifiedName, key, JSON.stringify(c.value));
          t.cache.delete(key);
          n++;
        }
      }
      this.cached -= n;
    })();
  }

  /** Writes every unsaved cached entry to SQLite (entries stay cached). */
  flush(): void {
    this.db.transaction(() => {
      for (const t of this.tables.values()) {
        for (const [key, c] of t.cache) {
          if (!c.unsaved) continue;
          this.stmt.upsert.run(t.qualifiedName, key, JSON.stringify(c.value));
          c.unsaved = false;
        }
      }
    })();
  }

  get numKeys(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  expire(): number {
    let n = 0;
    for (const t of this.tables.values()) {
      if (t.written === null) continue;
      const now = this.now();
      for (const [k, at] of [...t.written]) {
        if (now - at >= t.ttlMs!) {
          t.delete(k);
          n++;
        }
      }
    }
    return n;
  }

  /** Entries carry their values as JSON text (what the checkpoint writer stores as-is). */
  snapshot(full: boolean): { entries: StateEntry[]; full: boolean } {
    const entries: StateEntry[] = [];
    const mp = this.maxParallelism;
    for (const t of this.tables.values()) {
      if (full) {
        for (const [key, value] of t.entries()) entries.push({ operator: t.qualifiedName, keyGroup: keyGroupForKey(key, mp), key, value });
      } else {
        for (const key of t.dirty) {
          const json = t.jsonOf(key);
          entries.push({ operator: t.qualifiedName, keyGroup: keyGroupForKey(key, mp), key, value: json === undefined ? undefined : JSON.parse(json) });
        }
      }
      t.dirty.clear();
    }
    return { entries, full };
  }

  load(entries: Iterable<StateEntry>): number {
    let n = 0;
    this.db.transaction(() => {
      for (const e of entries) {
        if (e.value === undefined) continue;
        const t = this.table(e.operator, this.defaultTtlMs);
        if (!this.hasRow(t.qualifiedName, e.key)) t.count++;
        this.stmt.upsert.run(t.qualifiedName, e.key, JSON.stringify(e.value));
        t.written?.set(e.key, this.now());
        n++;
      }
    })();
    return n;
  }

  measure(topN = 20): StateStats {
    const m = new StateMeasurer(this.maxParallelism, topN);
    this.flush();
    for (const t of this.tables.values()) {
      for (const row of this.iterateRows(t.qualifiedName)) m.add(t.qualifiedName, row.key, row.key.length + row.value.length);
    }
    return m.result();
  }

  lookup(key: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const t of this.tables.values()) {
      const json = t.jsonOf(key);
      if (json !== undefined) out[t.qualifiedName] = JSON.parse(json);
    }
    return out;
  }

  close(): void {
    this.db.close();
    fs.rmSync(path.dirname(this.file), { recursive: true, force: true });
  }
}
