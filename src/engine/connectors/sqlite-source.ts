/**
 * Reads a SQLite table (bounded), ordered by rowid or by an `orderBy` column, which must be
 * a unique integer column (each value identifies one row).
 *
 * One split, id `<file basename>/<table>`. Position `{ after }`: the rowid / orderBy value of
 * the last row returned (null before the first), so a resumed reader continues with the
 * next larger value. The end is the largest value when the reader opens: rows added later
 * are not read. Each row becomes a record with one field per column; BLOBs become base64
 * strings. Rows are fetched by a prepared statement with LIMIT, a batch per poll.
 */
import path from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { Rec } from '../core/types.js';
import type { PollResult, Source, SourcePosition, SplitInfo, SplitReader } from './source.js';
import { openSqlite, quoteIdent, type SqliteDatabase } from './sqlite-util.js';

export interface SqliteSourceOptions {
  path: string;
  table: string;
  /** A unique integer column to order and resume by; default the rowid. */
  orderBy?: string;
}

export class SqliteSource implements Source {
  readonly bounded = true;
  private readonly file: string;

  constructor(private readonly opts: SqliteSourceOptions) {
    this.file = path.resolve(opts.path);
  }

  get splitId(): string {
    return `${path.basename(this.file)}/${this.opts.table}`;
  }

  listSplits(): SplitInfo[] {
    const db = this.open();
    try {
      const { n } = db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(this.opts.table)}`).get() as { n: number };
      return [{ id: this.splitId, expectedRecords: n }];
    } finally {
      db.close();
    }
  }

  openReader(split: SplitInfo, position: SourcePosition | undefined): SqliteSplitReader {
    if (split.id !== this.splitId) throw new Error(`sqlite source: unknown split ${JSON.stringify(split.id)} (expected ${this.splitId})`);
    let after: number | null = null;
    if (position !== undefined) {
      const a = position['after'];
      if (a !== null && (typeof a !== 'number' || !Number.isSafeInteger(a))) throw new Error(`sqlite source: invalid position ${JSON.stringify(position)}`);
      after = a;
    }
    return new SqliteSplitReader(split, this.open(), this.opts, after);
  }

  private open(): SqliteDatabase {
    let db: SqliteDatabase;
    try {
      db = openSqlite(this.file, { readonly: true });
    } catch (err) {
      throw new Error(`sqlite source: cannot open ${this.file}: ${(err as Error).message}`);
    }
    const found = db.prepare(`SELECT type FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?`).get(this.opts.table);
    if (found === undefined) {
      db.close();
      throw new Error(`sqlite source: ${this.file} has no table ${this.opts.table}`);
    }
    return db;
  }
}

export class SqliteSplitReader implements SplitReader {
  readonly split: SplitInfo;
  private after: number | null;
  private readonly end: number | null;
  private readonly first: Statement<unknown[]>;
  private readonly next: Statement<unknown[]>;
  private readonly names: string[];

  constructor(
    split: SplitInfo,
    private readonly db: SqliteDatabase,
    opts: SqliteSourceOptions,
    after: number | null,
  ) {
    this.split = split;
    this.after = after;
    try {
      const t = quoteIdent(opts.table);
      const col = opts.orderBy === undefined ? 'rowid' : quoteIdent(opts.orderBy);
      const select = `SELECT ${col} AS __sluice_pos, * FROM ${t}`;
      this.first = db.prepare(`${select} WHERE ${col} <= ? ORDER BY ${col} LIMIT ?`).raw(true);
      this.next = db.prepare(`${select} WHERE ${col} > ? AND ${col} <= ? ORDER BY ${col} LIMIT ?`).raw(true);
      this.names = this.first.columns().slice(1).map((c) => c.name);
      const { m } = db.prepare(`SELECT max(${col}) AS m FROM ${t}`).get() as { m: unknown };
      if (m !== null && (typeof m !== 'number' || !Number.isInteger(m))) {
        throw new Error(`sqlite source: ${opts.orderBy ?? 'rowid'} of ${opts.table} must be an integer column, found ${JSON.stringify(m)}`);
      }
      this.end = m as number | null;
    } catch (err) {
      db.close();
      if (/no such column: rowid/i.test((err as Error).message)) {
        throw new Error(`sqlite source: ${opts.table} has no rowid (a view or WITHOUT ROWID table); set orderBy to a unique integer column`);
      }
      throw err;
    }
  }

  poll(maxRecords: number): PollResult {
    const limit = Math.max(0, Math.floor(maxRecords));
    if (this.end === null || (this.after !== null && this.after >= this.end)) return { kind: 'end' };
    const rows = (this.after === null ? this.first.all(this.end, limit) : this.next.all(this.after, this.end, limit)) as unknown[][];
    if (rows.length === 0) return { kind: 'end' };
    const names = this.names;
    const records: Rec[] = new Array<Rec>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const rec: Rec = {};
      for (let i = 0; i < names.length; i++) {
        const v = row[i + 1];
        rec[names[i]!] = Buffer.isBuffer(v) ? v.toString('base64') : v;
      }
      records[r] = rec;
    }
    this.after = rows[rows.length - 1]![0] as number;
    return { kind: 'records', records };
  }

  position(): SourcePosition {
    return { after: this.after };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
