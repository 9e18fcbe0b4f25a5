/**
 * Consumer-lag history in SQLite: every sample (for the console's lag charts and the
 * catch-up estimate), each partition's Burrow window of commits, and a ring of recent
 * broker heads (Burrow's `BrokerOffsets`, used to suppress false STOPs).
 * Numbered migrations, STRICT tables, prepared statements; one writer per file.
 */
import { openSqlite, writeTransaction, type SqliteDatabase } from '../connectors/sqlite-util.js';
import type { LagEntry } from './burrow.js';

export interface LagSample {
  readonly cluster: string;
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly observedAt: number;
  readonly committed: number;
  readonly logEnd: number;
  readonly lag: number;
  /** Age of the record at the committed offset versus the newest record, ms (null: unknown). */
  readonly timeLagMs: number | null;
}

const MIGRATIONS: string[] = [
  `CREATE TABLE lag_sample (
     cluster TEXT NOT NULL, grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL,
     observed_at INTEGER NOT NULL, committed INTEGER NOT NULL, log_end INTEGER NOT NULL,
     lag INTEGER NOT NULL, time_lag_ms INTEGER
   ) STRICT;
   CREATE INDEX lag_sample_by_partition ON lag_sample (cluster, grp, topic, part, observed_at);
   CREATE TABLE burrow_window (
     cluster TEXT NOT NULL, grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL,
     pos INTEGER NOT NULL, off INTEGER NOT NULL, ts INTEGER NOT NULL, observed_at INTEGER NOT NULL, lag INTEGER,
     PRIMARY KEY (cluster, grp, topic, part, pos)
   ) STRICT;
   CREATE TABLE broker_head (
     cluster TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL,
     observed_at INTEGER NOT NULL, head INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX broker_head_by_partition ON broker_head (cluster, topic, part, observed_at);`,
];

export class LagStore {
  private readonly db: SqliteDatabase;
  private readonly st;

  private constructor(db: SqliteDatabase) {
    this.db = db;
    this.migrate();
    this.st = {
      insertSample: db.prepare(
        'INSERT INTO lag_sample (cluster, grp, topic, part, observed_at, committed, log_end, lag, time_lag_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      history: db.prepare(
        'SELECT topic, part, observed_at, committed, log_end, lag, time_lag_ms FROM lag_sample WHERE cluster = ? AND grp = ? AND observed_at >= ? ORDER BY observed_at, topic, part',
      ),
      lastSamples: db.prepare(
        'SELECT observed_at, committed, log_end, lag FROM lag_sample WHERE cluster = ? AND grp = ? AND topic = ? AND part = ? ORDER BY observed_at DESC LIMIT ?',
      ),
      window: db.prepare('SELECT off, ts, observed_at, lag FROM burrow_window WHERE cluster = ? AND grp = ? AND topic = ? AND part = ? ORDER BY pos'),
      clearWindow: db.prepare('DELETE FROM burrow_window WHERE cluster = ? AND grp = ? AND topic = ? AND part = ?'),
      insertWindow: db.prepare('INSERT INTO burrow_window (cluster, grp, topic, part, pos, off, ts, observed_at, lag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      insertHead: db.prepare('INSERT INTO broker_head (cluster, topic, part, observed_at, head) VALUES (?, ?, ?, ?, ?)'),
      heads: db.prepare('SELECT head FROM broker_head WHERE cluster = ? AND topic = ? AND part = ? ORDER BY observed_at DESC LIMIT ?'),
      trimHeads: db.prepare(
        'DELETE FROM broker_head WHERE cluster = ? AND topic = ? AND part = ? AND observed_at < (SELECT MIN(observed_at) FROM (SELECT observed_at FROM broker_head WHERE cluster = ? AND topic = ? AND part = ? ORDER BY observed_at DESC LIMIT ?))',
      ),
      trimSamples: db.prepare('DELETE FROM lag_sample WHERE observed_at < ?'),
      deleteGroup: db.prepare('DELETE FROM burrow_window WHERE cluster = ? AND grp = ?'),
    };
  }

  static open(file: string): LagStore {
    return new LagStore(openSqlite(file));
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      writeTransaction(this.db, () => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      });
    }
  }

  addSamples(samples: readonly LagSample[]): void {
    writeTransaction(this.db, () => {
      for (const s of samples) this.st.insertSample.run(s.cluster, s.group, s.topic, s.partition, s.observedAt, s.committed, s.logEnd, s.lag, s.timeLagMs);
    });
  }

  /** Samples of a group since `sinceMs` (for charts), oldest first. */
  history(cluster: string, group: string, sinceMs = 0): LagSample[] {
    return (this.st.history.all(cluster, group, sinceMs) as { topic: string; part: number; observed_at: number; committed: number; log_end: number; lag: number; time_lag_ms: number | null }[]).map(
      (r) => ({ cluster, group, topic: r.topic, partition: r.part, observedAt: r.observed_at, committed: r.committed, logEnd: r.log_end, lag: r.lag, timeLagMs: r.time_lag_ms }),
    );
  }

  /** The last `n` samples of one partition, newest first. */
  lastSamples(cluster: string, group: string, topic: string, partition: number, n: number): { observedAt: number; committed: number; logEnd: number; lag: number }[] {
    return (this.st.lastSamples.all(cluster, group, topic, partition, n) as { observed_at: number; committed: number; log_end: number; lag: number }[]).map((r) => ({
      observedAt: r.observed_at,
      committed: r.committed,
      logEnd: r.log_end,
      lag: r.lag,
    }));
  }

  window(cluster: string, group: string, topic: string, partition: number): LagEntry[] {
    return (this.st.window.all(cluster, group, topic, partition) as { off: number; ts: number; observed_at: number; lag: number | null }[]).map((r) => ({
      offset: r.off,
      timestamp: r.ts,
      observedAt: r.observed_at,
      lag: r.lag,
    }));
  }

  setWindow(cluster: string, group: string, topic: string, partition: number, entries: readonly LagEntry[]): void {
    writeTransaction(this.db, () => {
      this.st.clearWindow.run(cluster, group, topic, partition);
      entries.forEach((e, i) => this.st.insertWindow.run(cluster, group, topic, partition, i, e.offset, e.timestamp, e.observedAt, e.lag));
    });
  }

  addBrokerHead(cluster: string, topic: string, partition: number, observedAt: number, head: number, keep: number): void {
    writeTransaction(this.db, () => {
      this.st.insertHead.run(cluster, topic, partition, observedAt, head);
      this.st.trimHeads.run(cluster, topic, partition, cluster, topic, partition, keep);
    });
  }

  brokerHeads(cluster: string, topic: string, partition: number, n: number): number[] {
    return (this.st.heads.all(cluster, topic, partition, n) as { head: number }[]).map((r) => r.head);
  }

  /** Drops samples older than `beforeMs` (the console keeps, say, a day of history). */
  trim(beforeMs: number): void {
    this.st.trimSamples.run(beforeMs);
  }

  forgetGroup(cluster: string, group: string): void {
    this.st.deleteGroup.run(cluster, group);
  }

  close(): void {
    this.db.close();
  }
}
