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
      setWalMode(db, file);
      db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Switches a database to WAL. When several processes open a new file at the same moment,
 * SQLite can answer SQLITE_BUSY to the journal-mode change without calling the busy
 * handler, so the change is retried here (a few seconds at most) before it is an error.
 */
function setWalMode(db: SqliteDatabase, file: string): void {
  const deadline = Date.now() + 5_000;
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      const busy = (e as { code?: string }).code === 'SQLITE_BUSY' || /database is locked/.test(String(e));
      if (!busy || Date.now() > deadline) throw new Error(`cannot switch ${file} to WAL: ${e instanceof Error ? e.message : String(e)}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(100, 5 * attempt));
    }
  }
}

/** Runs `fn` in a BEGIN IMMEDIATE transaction (takes the write lock up front). */
export function writeTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  return db.transaction(fn).immediate();
}

/** `"name"` with embedded quotes doubled, for table and column names from user input. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
