/**
 * The serving database of a Kappa deployment: one table per version (written by that
 * version's job) and, per serving name, a SQL view `<name>` over the served version's
 * table. Readers query the name (`SELECT * FROM clicks_per_user`); a switch replaces the
 * view and records it in one transaction, so a reader sees the old version or the new
 * one, never a mix and never nothing.
 */
import { openSqlite, quoteIdent, writeTransaction, type SqliteDatabase } from '../connectors/sqlite-util.js';
import type { Rec } from '../core/types.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE _sluice_serving (
     name TEXT PRIMARY KEY,
     version TEXT NOT NULL,
     table_name TEXT NOT NULL,
     switched_ms INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE _sluice_serving_history (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     version TEXT NOT NULL,
     table_name TEXT NOT NULL,
     switched_ms INTEGER NOT NULL,
     forced INTEGER NOT NULL,
     diff TEXT NOT NULL
   ) STRICT;`,
];

export interface ServedVersion {
  name: string;
  version: string;
  table: string;
  switchedMs: number;
}

export class ServingStore {
  private constructor(private readonly db: SqliteDatabase) {}

  static open(file: string): ServingStore {
    const db = openSqlite(file, { synchronous: 'full' });
    try {
      writeTransaction(db, () => {
        const version = db.pragma('user_version', { simple: true }) as number;
        for (let i = version; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]!);
        db.pragma(`user_version = ${MIGRATIONS.length}`);
      });
    } catch (e) {
      db.close();
      throw e;
    }
    return new ServingStore(db);
  }

  served(name: string): ServedVersion | null {
    const r = this.db.prepare('SELECT name, version, table_name, switched_ms FROM _sluice_serving WHERE name = ?').get(name) as
      | { name: string; version: string; table_name: string; switched_ms: number }
      | undefined;
    return r === undefined ? null : { name: r.name, version: r.version, table: r.table_name, switchedMs: r.switched_ms };
  }

  hasTable(table: string): boolean {
    return this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
  }

  /** Rows of a table, read in one transaction (empty when it does not exist yet). */
  rows(table: string): Rec[] {
    return this.db.transaction(() => (this.hasTable(table) ? (this.db.prepare(`SELECT * FROM ${quoteIdent(table)}`).all() as Rec[]) : []))();
  }

  /** Points `name` at `table` (see the file comment). `diff` is kept in the switch history. */
  switchTo(name: string, version: string, table: string, opts: { forced: boolean; diff: unknown; now?: number }): void {
    const now = opts.now ?? Date.now();
    writeTransaction(this.db, () => {
      if (!this.hasTable(table)) throw new Error(`version ${version} has no output table ${table} yet: nothing to serve`);
      const clash = this.db.prepare(`SELECT type FROM sqlite_master WHERE name = ? AND type != 'view'`).get(name) as { type: string } | undefined;
      if (clash !== undefined) throw new Error(`serving name ${name} is already a ${clash.type} in ${this.db.name}; choose another name`);
      this.db.exec(`DROP VIEW IF EXISTS ${quoteIdent(name)}`);
      this.db.exec(`CREATE VIEW ${quoteIdent(name)} AS SELECT * FROM ${quoteIdent(table)}`);
      this.db
        .prepare('INSERT INTO _sluice_serving (name, version, table_name, switched_ms) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version, table_name = excluded.table_name, switched_ms = excluded.switched_ms')
        .run(name, version, table, now);
      this.db
        .prepare('INSERT INTO _sluice_serving_history (name, version, table_name, switched_ms, forced, diff) VALUES (?, ?, ?, ?, ?, ?)')
        .run(name, version, table, now, opts.forced ? 1 : 0, JSON.stringify(opts.diff));
    });
  }

  close(): void {
    this.db.close();
  }
}
