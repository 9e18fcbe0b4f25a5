/**
 * Writes records as rows of a SQLite table (see {@link SqliteTableWriter} for the row
 * mapping). Several worker processes write the same file: WAL, a busy timeout, and
 * IMMEDIATE write transactions; synchronous=FULL so a returned preCommit is durable.
 *
 * - `insert` (at-least-once): writers insert straight into the table.
 * - `upsert` (exactly-once by idempotence): INSERT … ON CONFLICT(key) DO UPDATE on a
 *   UNIQUE index over the key columns, so a replay overwrites the same rows.
 * - `transactional` (exactly-once, two-phase commit): a writer keeps the current
 *   checkpoint's rows in memory and on `preCommit(n)` stages them in
 *   `_sluice_staged` in the same database file, in one transaction. The committer, in one
 *   transaction, inserts the staged rows of checkpoints ≤ n into the table in
 *   (checkpoint, subtask, seq) order and deletes them, so a second commit finds nothing.
 *   `_sluice_staged` has a `target` column (the table name) so sinks of different tables
 *   can share a database file.
 */
import path from 'node:path';
import type { CheckpointId, RecordBatch } from '../core/types.js';
import type { DeliveryGuarantee, Sink, SinkCommitter, SinkWriter } from './sink.js';
import { SqliteTableWriter } from './sqlite-table.js';
import { openSqlite, writeTransaction, type SqliteDatabase } from './sqlite-util.js';

export interface SqliteSinkOptions {
  /** The database file (created when missing). */
  path: string;
  table: string;
  mode: 'transactional' | 'upsert' | 'insert';
  /** Upsert key columns; null/absent: those of key, windowStart, windowEnd the records have. */
  key?: string[] | null;
}

export const STAGED_TABLE = '_sluice_staged';

/** Rows read per query while committing, so a large checkpoint does not sit in memory at once. */
const COMMIT_PAGE = 10_000;

function openSinkDb(file: string): SqliteDatabase {
  const db = openSqlite(path.resolve(file), { synchronous: 'full' });
  db.exec(`CREATE TABLE IF NOT EXISTS ${STAGED_TABLE} (
    target TEXT NOT NULL,
    checkpoint INTEGER NOT NULL,
    subtask INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (target, checkpoint, subtask, seq)
  ) STRICT`);
  return db;
}

export class SqliteSink implements Sink {
  readonly guarantee: DeliveryGuarantee;

  constructor(private readonly opts: SqliteSinkOptions) {
    this.guarantee = opts.mode === 'insert' ? 'at-least-once' : 'exactly-once';
  }

  openWriter(subtask: number, parallelism: number): SinkWriter {
    void parallelism;
    const db = openSinkDb(this.opts.path);
    if (this.opts.mode === 'transactional') return new StagingSqliteWriter(db, this.opts.table, subtask);
    return new DirectSqliteWriter(db, new SqliteTableWriter(db, { table: this.opts.table, mode: this.opts.mode, key: this.opts.key ?? null }));
  }

  openCommitter(): SinkCommitter {
    if (this.opts.mode !== 'transactional') return { commit() {}, recover() {}, close() {} };
    return new SqliteCommitter(openSinkDb(this.opts.path), this.opts.table);
  }
}

/** insert / upsert: straight to the table; each write is its own committed transaction. */
export class DirectSqliteWriter implements SinkWriter {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly table: SqliteTableWriter,
  ) {}

  write(batch: RecordBatch): void {
    this.table.write(batch.records);
  }

  /** Every write is already committed (and synced): nothing to flush. */
  preCommit(): void {}

  close(): void {
    this.db.close();
  }
}

class StagingSqliteWriter implements SinkWriter {
  private pending: string[] = [];
  private readonly unstage;
  private readonly stage;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly target: string,
    private readonly subtask: number,
  ) {
    this.unstage = db.prepare(`DELETE FROM ${STAGED_TABLE} WHERE target = ? AND checkpoint = ? AND subtask = ?`);
    this.stage = db.prepare(`INSERT INTO ${STAGED_TABLE} (target, checkpoint, subtask, seq, row) VALUES (?, ?, ?, ?, ?)`);
  }

  write(batch: RecordBatch): void {
    for (const r of batch.records) this.pending.push(JSON.stringify(r));
  }

  preCommit(checkpoint: CheckpointId): void {
    const rows = this.pending;
    writeTransaction(this.db, () => {
      // Replaces an earlier staging of the same (checkpoint, subtask), e.g. a retried pre-commit.
      this.unstage.run(this.target, checkpoint, this.subtask);
      for (let i = 0; i < rows.length; i++) this.stage.run(this.target, checkpoint, this.subtask, i, rows[i]);
    });
    this.pending = [];
  }

  /** Rows after the last pre-commit belong to no checkpoint; a replay re-sends them. */
  close(): void {
    this.pending = [];
    this.db.close();
  }
}

class SqliteCommitter implements SinkCommitter {
  private readonly table: SqliteTableWriter;
  private readonly page;
  private readonly deleteUpTo;
  private readonly deleteAfter;
  private readonly deleteAll;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly target: string,
  ) {
    this.table = new SqliteTableWriter(db, { table: target, mode: 'insert', key: null });
    this.page = db.prepare(
      `SELECT checkpoint, subtask, seq, row FROM ${STAGED_TABLE}
       WHERE target = ? AND checkpoint <= ? AND (checkpoint, subtask, seq) > (?, ?, ?)
       ORDER BY checkpoint, subtask, seq LIMIT ${COMMIT_PAGE}`,
    );
    this.deleteUpTo = db.prepare(`DELETE FROM ${STAGED_TABLE} WHERE target = ? AND checkpoint <= ?`);
    this.deleteAfter = db.prepare(`DELETE FROM ${STAGED_TABLE} WHERE target = ? AND checkpoint > ?`);
    this.deleteAll = db.prepare(`DELETE FROM ${STAGED_TABLE} WHERE target = ?`);
  }

  commit(checkpoint: CheckpointId): void {
    writeTransaction(this.db, () => {
      let after: [number, number, number] = [Number.MIN_SAFE_INTEGER, -1, -1];
      for (;;) {
        const rows = this.page.all(this.target, checkpoint, ...after) as { checkpoint: number; subtask: number; seq: number; row: string }[];
        if (rows.length === 0) break;
        this.table.writeInTransaction(rows.map((r) => JSON.parse(r.row) as Record<string, unknown>));
        const last = rows[rows.length - 1]!;
        after = [last.checkpoint, last.subtask, last.seq];
      }
      this.deleteUpTo.run(this.target, checkpoint);
    });
  }

  recover(restoredFrom: CheckpointId | null): void {
    if (restoredFrom !== null) this.commit(restoredFrom);
    writeTransaction(this.db, () => {
      if (restoredFrom === null) this.deleteAll.run(this.target);
      else this.deleteAfter.run(this.target, restoredFrom);
    });
  }

  close(): void {
    this.db.close();
  }
}
