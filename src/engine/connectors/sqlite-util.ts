/**
 * Opening SQLite files that several processes share (worker writers, the host committer,
 * readers): WAL so readers never block the writer, a busy timeout so concurrent writers
 * wait instead of failing, and write transactions started IMMEDIATE so a read-then-write
 * transaction cannot fail with SQLITE_BUSY_SNAPSHOT half-way.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** How long a connection waits for another process's write lock before failing. */
export const BUSY_TIMEOUT_MS = 30_000;

export interface OpenSqliteOptions {
  readonly?: boolean;
  /** Fail when the file does not exist instead of creating it. */
  mustExist?: boolean;
  /**
   * FULL: a committed transaction survives power loss (staging for two-phase commit).
   * NORMAL: survives a process crash, which is what WAL gives by default.
   */
  synchronous?: 'full' | 'normal';
}

export function openSqlite(file: string, opts: OpenSqliteOptions = {}): SqliteDatabase {
  if (opts.mustExist || opts.readonly) {
    if (!fs.existsSync(file)) throw new Error(`SQLite database ${file} does not exist`);
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.mustExist ?? opts.readonly ?? false, timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Runs `fn` in a BEGIN IMMEDIATE transaction (takes the write lock up front). */
export function writeTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** `"name"` with embedded quotes doubled, for table and column names from user input. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
