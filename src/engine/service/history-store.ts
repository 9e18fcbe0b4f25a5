/**
 * The console's history in SQLite under the app data folder: one row per job snapshot
 * (about one a second per running job) and one row per run with its final detail, so
 * lag/throughput history and past runs survive a restart (Flink's web UI loses them on
 * JobManager failover). Numbered migrations, STRICT tables, prepared statements.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE snapshots (job_id TEXT NOT NULL, ts INTEGER NOT NULL, json TEXT NOT NULL) STRICT;
   CREATE INDEX snapshots_job_ts ON snapshots (job_id, ts);
   CREATE TABLE runs (job_id TEXT PRIMARY KEY, name TEXT NOT NULL, started INTEGER NOT NULL, ended INTEGER, state TEXT NOT NULL, detail TEXT) STRICT;`,
];

export interface StoredRun {
  readonly jobId: string;
  readonly name: string;
  readonly started: number;
  readonly ended: number | null;
  readonly state: string;
  readonly detail: string | null;
}

export class HistoryStore {
  private readonly db: Database.Database;
  private readonly insertSnapshot: Database.Statement<[string, number, string]>;
  private readonly upsertRun: Database.Statement<[string, string, number, number | null, string, string | null]>;
  private readonly selectSnapshots: Database.Statement<[string, number, number], { json: string }>;
  private readonly selectRuns: Database.Statement<[number], StoredRun>;
  private readonly selectRun: Database.Statement<[string], StoredRun>;
  private readonly pruneSnapshots: Database.Statement<[number]>;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(path.join(dataDir, 'history.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.migrate();
    this.insertSnapshot = this.db.prepare('INSERT INTO snapshots (job_id, ts, json) VALUES (?, ?, ?)');
    this.upsertRun = this.db.prepare(
      `INSERT INTO runs (job_id, name, started, ended, state, detail) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET ended = excluded.ended, state = excluded.state, detail = coalesce(excluded.detail, runs.detail)`,
    );
    this.selectSnapshots = this.db.prepare('SELECT json FROM (SELECT json, ts FROM snapshots WHERE job_id = ? AND ts >= ? ORDER BY ts DESC LIMIT ?) ORDER BY ts');
    this.selectRuns = this.db.prepare('SELECT job_id AS jobId, name, started, ended, state, detail FROM runs ORDER BY started DESC LIMIT ?');
    this.selectRun = this.db.prepare('SELECT job_id AS jobId, name, started, ended, state, detail FROM runs WHERE job_id = ?');
    this.pruneSnapshots = this.db.prepare('DELETE FROM snapshots WHERE ts < ?');
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  addSnapshot(jobId: string, ts: number, json: string): void {
    this.insertSnapshot.run(jobId, ts, json);
  }

  snapshots(jobId: string, sinceTs: number, limit: number): string[] {
    return this.selectSnapshots.all(jobId, sinceTs, limit).map((r) => r.json);
  }

  saveRun(run: StoredRun): void {
    this.upsertRun.run(run.jobId, run.name, run.started, run.ended, run.state, run.detail);
  }

  runs(limit: number): StoredRun[] {
    return this.selectRuns.all(limit);
  }

  run(jobId: string): StoredRun | undefined {
    return this.selectRun.get(jobId);
  }

  /** Drops snapshots older than `olderThanTs`. */
  prune(olderThanTs: number): number {
    return this.pruneSnapshots.run(olderThanTs).changes;
  }

  close(): void {
    this.db.close();
  }
}
