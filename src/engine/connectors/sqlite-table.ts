/**
 * Writes records as rows of a user's SQLite table: one row per record, one column per
 * top-level field. Nested objects and arrays are stored as JSON text, booleans as 0/1,
 * numbers as numbers.
 *
 * The table is created on first use from the first record's fields, with a column type
 * from each value's JS type (integer → INTEGER, other number → REAL, string/object →
 * TEXT, boolean → INTEGER, null → no type). It is not STRICT: users' values vary. A field
 * seen later becomes a new column (ALTER TABLE ADD COLUMN). Column names match
 * case-insensitively, as SQLite's do. Schema changes run inside the caller's write
 * transaction after re-reading the table's columns, so several processes adding the same
 * column do not collide.
 */
import type { Statement } from 'better-sqlite3';
import type { Rec } from '../core/types.js';
import { quoteIdent, writeTransaction, type SqliteDatabase } from './sqlite-util.js';

/** The key columns an upsert uses when none are configured, in this order, when present. */
export const DEFAULT_UPSERT_KEY: readonly string[] = ['key', 'windowStart', 'windowEnd'];

export interface TableWriterOptions {
  table: string;
  /** `insert`: plain INSERT. `upsert`: INSERT … ON CONFLICT(key) DO UPDATE. */
  mode: 'insert' | 'upsert';
  /** Upsert key columns; null: those of {@link DEFAULT_UPSERT_KEY} the first record has. */
  key: readonly string[] | null;
}

function columnType(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Number.isInteger(v) ? 'INTEGER' : 'REAL';
    case 'bigint':
    case 'boolean':
      return 'INTEGER';
    case 'string':
    case 'object':
      return v === null ? '' : 'TEXT';
    default:
      return '';
  }
}

/** A record's value as something SQLite stores: numbers, text, null. */
export function sqlValue(v: unknown): unknown {
  switch (typeof v) {
    case 'number':
      return Number.isNaN(v) ? null : v;
    case 'string':
    case 'bigint':
      return v;
    case 'boolean':
      return v ? 1 : 0;
    case 'undefined':
    case 'function':
    case 'symbol':
      return null;
    default:
      if (v === null) return null;
      if (Buffer.isBuffer(v)) return v;
      return JSON.stringify(v);
  }
}

export class SqliteTableWriter {
  /** lower-case name → the column's name in the table; null until the table is known to exist. */
  private columns: Map<string, string> | null = null;
  private keyColumns: string[] | null = null;
  private readonly inserts = new Map<string, { stmt: Statement<unknown[]>; fields: string[] }>();
  private readonly qtable: string;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly opts: TableWriterOptions,
  ) {
    if (opts.table.length === 0) throw new Error('sqlite sink: table name is empty');
    if (opts.table.toLowerCase().startsWith('sqlite_')) throw new Error(`sqlite sink: table name ${opts.table} is reserved by SQLite`);
    this.qtable = quoteIdent(opts.table);
  }

  /** Inserts the records in one write transaction. */
  write(records: readonly Rec[]): void {
    if (records.length === 0) return;
    writeTransaction(this.db, () => this.writeInTransaction(records));
  }

  /** Inserts the records; the caller holds a write transaction. */
  writeInTransaction(records: readonly Rec[]): void {
    if (records.length === 0) return;
    try {
      this.ensureSchema(records);
      for (const rec of records) {
        const ins = this.insertFor(rec);
        const values = new Array<unknown>(ins.fields.length);
        for (let i = 0; i < ins.fields.length; i++) values[i] = sqlValue(rec[ins.fields[i] as string]);
        ins.stmt.run(values);
      }
    } catch (err) {
      // The transaction rolls back, schema changes included: forget what we learned in it.
      this.columns = null;
      this.keyColumns = null;
      this.inserts.clear();
      throw err;
    }
  }

  private ensureSchema(records: readonly Rec[]): void {
    const known = this.columns !== null && (this.opts.mode !== 'upsert' || this.keyColumns !== null);
    if (known && this.columns !== null) {
      let missing = false;
      for (const rec of records) {
        for (const f in rec) {
          if (!this.columns.has(f.toLowerCase())) {
            missing = true;
            break;
          }
        }
        if (missing) break;
      }
      if (!missing) return;
    }
    this.columns = this.readColumns();
    const first = records[0] as Rec;
    if (this.columns.size === 0) {
      const fields = Object.keys(first);
      if (fields.length === 0) throw new Error(`sqlite sink: cannot create table ${this.opts.table} from a record without fields`);
      const defs = fields.map((f) => `${quoteIdent(f)} ${columnType(first[f])}`.trimEnd());
      this.db.exec(`CREATE TABLE IF NOT EXISTS ${this.qtable} (${defs.join(', ')})`);
      this.columns = this.readColumns();
    }
    for (const rec of records) {
      for (const f in rec) {
        if (!this.columns.has(f.toLowerCase())) {
          this.db.exec(`ALTER TABLE ${this.qtable} ADD COLUMN ${quoteIdent(f)} ${columnType(rec[f])}`.trimEnd());
          this.columns.set(f.toLowerCase(), f);
        }
      }
    }
    if (this.opts.mode === 'upsert' && this.keyColumns === null) this.keyColumns = this.ensureKeyIndex(first);
    this.inserts.clear();
  }

  private ensureKeyIndex(first: Rec): string[] {
    const cols = this.columns as Map<string, string>;
    const wanted = this.opts.key ?? DEFAULT_UPSERT_KEY.filter((k) => k in first);
    if (wanted.length === 0) {
      throw new Error(`sqlite sink: upsert into ${this.opts.table} needs key columns; set key, or give the records one of the fields ${DEFAULT_UPSERT_KEY.join(', ')}`);
    }
    const keys = wanted.map((k) => {
      const existing = cols.get(k.toLowerCase());
      if (existing !== undefined) return existing;
      this.db.exec(`ALTER TABLE ${this.qtable} ADD COLUMN ${quoteIdent(k)}`);
      cols.set(k.toLowerCase(), k);
      return k;
    });
    const index = quoteIdent(`sluice_${this.opts.table}_key`);
    try {
      this.db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${index} ON ${this.qtable} (${keys.map(quoteIdent).join(', ')})`);
    } catch (err) {
      throw new Error(`sqlite sink: cannot create the unique index on ${this.opts.table}(${keys.join(', ')}) for upserts: ${(err as Error).message}`);
    }
    return keys;
  }

  private readColumns(): Map<string, string> {
    const rows = this.db.prepare(`PRAGMA table_info(${this.qtable})`).all() as { name: string }[];
    return new Map(rows.map((r) => [r.name.toLowerCase(), r.name]));
  }

  private insertFor(rec: Rec): { stmt: Statement<unknown[]>; fields: string[] } {
    const keys = Object.keys(rec);
    const sig = keys.join('\u0000');
    let ins = this.inserts.get(sig);
    if (ins === undefined) {
      const cols = this.columns as Map<string, string>;
      // Fields that differ only in case share a column: the first one wins.
      const fields: string[] = [];
      const names: string[] = [];
      for (const f of keys) {
        const name = cols.get(f.toLowerCase()) as string;
        if (names.includes(name)) continue;
        fields.push(f);
        names.push(name);
      }
      let sql = `INSERT INTO ${this.qtable} (${names.map(quoteIdent).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
      if (this.opts.mode === 'upsert') {
        const keys = this.keyColumns as string[];
        const keySet = new Set(keys.map((k) => k.toLowerCase()));
        const updates = names.filter((n) => !keySet.has(n.toLowerCase())).map((n) => `${quoteIdent(n)} = excluded.${quoteIdent(n)}`);
        sql += ` ON CONFLICT (${keys.map(quoteIdent).join(', ')}) DO ${updates.length > 0 ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'}`;
      }
      ins = { stmt: this.db.prepare(sql), fields };
      this.inserts.set(sig, ins);
    }
    return ins;
  }
}
