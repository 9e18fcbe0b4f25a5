/**
 * Run history of drills in SQLite, so past runs can be reopened (the whole report is kept)
 * and compared (verdict, counts, recovery times, the timeline as rows). Schema changes
 * are numbered migrations (PRAGMA user_version); tables are STRICT.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { compareReports, type Difference } from './history-compare.js';
import type { DrillReport } from './report.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE drill_runs (
     run_id TEXT PRIMARY KEY,
     drill TEXT NOT NULL,
     started_at TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     verdict TEXT NOT NULL,
     guarantee TEXT NOT NULL,
     seed INTEGER NOT NULL,
     expected INTEGER NOT NULL,
     produced INTEGER NOT NULL,
     lost INTEGER NOT NULL,
     duplicated INTEGER NOT NULL,
     mismatched INTEGER NOT NULL,
     faults INTEGER NOT NULL,
     checkpoints_completed INTEGER NOT NULL,
     checkpoint_p99_ms REAL,
     report TEXT NOT NULL
   ) STRICT;
   CREATE INDEX drill_runs_by_drill ON drill_runs (drill, started_at);
   CREATE TABLE drill_timeline (
     run_id TEXT NOT NULL REFERENCES drill_runs (run_id) ON DELETE CASCADE,
     t INTEGER NOT NULL,
     state TEXT NOT NULL,
     throughput INTEGER,
     lag_ms INTEGER,
     watermark_ms INTEGER,
     backpressure_ms_per_s INTEGER NOT NULL,
     busy_ms_per_s INTEGER NOT NULL,
     PRIMARY KEY (run_id, t)
   ) STRICT;
   CREATE TABLE drill_markers (
     run_id TEXT NOT NULL REFERENCES drill_runs (run_id) ON DELETE CASCADE,
     t INTEGER NOT NULL,
     kind TEXT NOT NULL,
     label TEXT NOT NULL,
     value REAL
   ) STRICT;`,
];

export interface DrillRunSummary {
  runId: string;
  drill: string;
  startedAt: string;
  durationMs: number;
  verdict: string;
  guarantee: string;
  seed: number;
  expected: number;
  produced: number;
  lost: number;
  duplicated: number;
  mismatched: number;
  faults: number;
  checkpointsCompleted: number;
  checkpointP99Ms: number | null;
}

export function defaultHistoryFile(drillDir: string): string {
  return path.join(drillDir, '.sluice', 'drill-history.db');
}

export class DrillHistory {
  private constructor(private readonly db: Database.Database) {}

  static open(file: string): DrillHistory {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]!);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
    return new DrillHistory(db);
  }

  record(r: DrillReport): void {
    const run = this.db.prepare(
      `INSERT INTO drill_runs VALUES (@runId, @drill, @startedAt, @durationMs, @verdict, @guarantee, @seed, @expected, @produced, @lost, @duplicated, @mismatched, @faults, @completed, @p99, @report)`,
    );
    const sample = this.db.prepare(`INSERT OR REPLACE INTO drill_timeline VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    const marker = this.db.prepare(`INSERT INTO drill_markers VALUES (?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      run.run({
        runId: r.runId,
        drill: r.drill.name,
        startedAt: r.startedAt,
        durationMs: r.durationMs,
        verdict: r.verdict,
        guarantee: r.guarantee,
        seed: r.drill.seed,
        expected: r.records.expected,
        produced: r.records.produced,
        lost: r.records.lost,
        duplicated: r.records.duplicated,
        mismatched: r.records.mismatched,
        faults: r.faults.length,
        completed: r.checkpoints.completed,
        p99: r.checkpoints.durationMs.p99,
        report: JSON.stringify(r),
      });
      for (const s of r.timeline.samples) {
        sample.run(r.runId, s.t, s.state, s.throughput, s.lagMs, s.watermarkMs === null ? null : Math.round(s.watermarkMs), s.backpressureMsPerSec, s.busyMsPerSec);
      }
      for (const m of r.timeline.markers) marker.run(r.runId, m.t, m.kind, m.label, m.value ?? null);
    })();
  }

  /** Runs, newest first (optionally of one drill). */
  list(drill?: string, limit = 100): DrillRunSummary[] {
    const rows = (
      drill === undefined
        ? this.db.prepare(`SELECT * FROM drill_runs ORDER BY started_at DESC LIMIT ?`).all(limit)
        : this.db.prepare(`SELECT * FROM drill_runs WHERE drill = ? ORDER BY started_at DESC LIMIT ?`).all(drill, limit)
    ) as Record<string, unknown>[];
    return rows.map((x) => ({
      runId: x['run_id'] as string,
      drill: x['drill'] as string,
      startedAt: x['started_at'] as string,
      durationMs: x['duration_ms'] as number,
      verdict: x['verdict'] as string,
      guarantee: x['guarantee'] as string,
      seed: x['seed'] as number,
      expected: x['expected'] as number,
      produced: x['produced'] as number,
      lost: x['lost'] as number,
      duplicated: x['duplicated'] as number,
      mismatched: x['mismatched'] as number,
      faults: x['faults'] as number,
      checkpointsCompleted: x['checkpoints_completed'] as number,
      checkpointP99Ms: (x['checkpoint_p99_ms'] as number | null) ?? null,
    }));
  }

  /** The full report of a past run (to reopen or re-render it). */
  get(runId: string): DrillReport | undefined {
    const row = this.db.prepare(`SELECT report FROM drill_runs WHERE run_id = ?`).get(runId) as { report: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.report) as DrillReport);
  }

  /** Side by side: both reports and every compared figure (see history-compare.ts); undefined when either run is unknown. */
  compare(a: string, b: string): { a: DrillReport; b: DrillReport; differences: Difference[] } | undefined {
    const ra = this.get(a);
    const rb = this.get(b);
    if (ra === undefined || rb === undefined) return undefined;
    return { a: ra, b: rb, differences: compareReports(ra, rb) };
  }

  close(): void {
    this.db.close();
  }
}
