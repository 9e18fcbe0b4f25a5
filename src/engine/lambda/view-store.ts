/**
 * The serving store of a view: one SQLite file holding the cut-off, the batch view (one
 * partial per key, event time < cut-off) and the speed layer's buckets (one partial per
 * key and bucket, written by the speed job's two-phase-commit sink).
 *
 * Contract that makes the merge exact:
 * - `install` replaces the batch view, deletes the speed buckets below the new cut-off and
 *   moves the cut-off in ONE write transaction, so a reader sees either the old batch
 *   view with the old buckets or the new one with the remaining buckets — never both
 *   sides of a bucket, never neither;
 * - a new cut-off must lie at or below the speed horizon (the end of the newest committed
 *   bucket): the speed job's watermark has passed it, so every bucket below it is already
 *   committed and no later commit can bring back a bucket the install deleted;
 * - a query reads batch view, buckets and cut-off in one read transaction.
 */
import { openSqlite, quoteIdent, writeTransaction, type SqliteDatabase } from '../connectors/sqlite-util.js';
import { STAGED_TABLE } from '../connectors/sqlite-sink.js';
import { SPEED_TABLE } from './layers.js';
import { finalValue, mergePartial, partialOf, type Partial } from './merge.js';
import type { ViewSpec } from './view-spec.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE view_meta (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     name TEXT NOT NULL,
     bucket_ms INTEGER NOT NULL,
     cutoff INTEGER,
     batch_runs INTEGER NOT NULL,
     installed_ms INTEGER
   ) STRICT;
   CREATE TABLE batch_view (key TEXT PRIMARY KEY, partial TEXT NOT NULL) STRICT;`,
];

export interface ViewRow {
  key: string;
  value: Record<string, number | null>;
}

export interface ViewAnswer {
  view: string;
  /** Event time where the batch layer ends and the speed layer starts; null: no batch run yet. */
  cutoff: number | null;
  /** The merged view counts exactly the records with event time < horizon (null: nothing yet). */
  horizon: number | null;
  batchRuns: number;
  rows: ViewRow[];
}

export class CutoffError extends Error {}

export class ViewStore {
  private constructor(
    private readonly db: SqliteDatabase,
    private readonly view: ViewSpec,
  ) {}

  static open(view: ViewSpec): ViewStore {
    const db = openSqlite(view.store, { synchronous: 'full' });
    try {
      writeTransaction(db, () => {
        const version = db.pragma('user_version', { simple: true }) as number;
        for (let i = version; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]!);
        db.pragma(`user_version = ${MIGRATIONS.length}`);
        const meta = db.prepare('SELECT name, bucket_ms FROM view_meta WHERE id = 1').get() as { name: string; bucket_ms: number } | undefined;
        if (meta === undefined) {
          db.prepare('INSERT INTO view_meta (id, name, bucket_ms, cutoff, batch_runs) VALUES (1, ?, ?, NULL, 0)').run(view.name, view.bucketMs);
        } else if (meta.name !== view.name || meta.bucket_ms !== view.bucketMs) {
          throw new Error(
            `${view.store} holds view "${meta.name}" with ${meta.bucket_ms} ms buckets, not "${view.name}" with ${view.bucketMs} ms: use another store, or delete this one to rebuild it`,
          );
        }
      });
    } catch (e) {
      db.close();
      throw e;
    }
    return new ViewStore(db, view);
  }

  private meta(): { cutoff: number | null; batch_runs: number } {
    return this.db.prepare('SELECT cutoff, batch_runs FROM view_meta WHERE id = 1').get() as { cutoff: number | null; batch_runs: number };
  }

  private hasSpeedTable(): boolean {
    return this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(SPEED_TABLE) !== undefined;
  }

  private speedHorizon(cutoff: number | null): number | null {
    if (!this.hasSpeedTable()) return null;
    const r = this.db.prepare(`SELECT max(windowEnd) AS h FROM ${quoteIdent(SPEED_TABLE)} WHERE windowStart >= ?`).get(cutoff ?? Number.MIN_SAFE_INTEGER) as { h: number | null };
    return r.h;
  }

  /** The cut-off now (null before the first batch run). */
  cutoff(): number | null {
    return this.meta().cutoff;
  }

  /** Where the merged view ends: the newest committed speed bucket's end, else the cut-off. */
  horizon(): number | null {
    return this.db.transaction(() => {
      const { cutoff } = this.meta();
      return this.speedHorizon(cutoff) ?? cutoff;
    })();
  }

  /**
   * Starts the speed layer afresh: its buckets and any staged, uncommitted ones go, as the
   * new speed job recomputes everything from the cut-off on.
   */
  resetSpeed(): void {
    writeTransaction(this.db, () => {
      if (this.hasSpeedTable()) this.db.exec(`DELETE FROM ${quoteIdent(SPEED_TABLE)}`);
      if (this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(STAGED_TABLE) !== undefined) {
        this.db.prepare(`DELETE FROM ${STAGED_TABLE} WHERE target = ?`).run(SPEED_TABLE);
      }
    });
  }

  /** Checks a cut-off before spending a batch run on it (install checks again, atomically). */
  checkCutoff(cutoff: number): void {
    this.db.transaction(() => this.checkCutoffNow(cutoff))();
  }

  private checkCutoffNow(cutoff: number): void {
    if (!Number.isSafeInteger(cutoff)) throw new CutoffError(`the cut-off must be an integer ms timestamp, got ${cutoff}`);
    if (cutoff % this.view.bucketMs !== 0) {
      throw new CutoffError(`cut-off ${cutoff} is not on a bucket boundary (bucket ${this.view.bucketMs} ms); e.g. ${Math.floor(cutoff / this.view.bucketMs) * this.view.bucketMs}`);
    }
    const { cutoff: current } = this.meta();
    if (current !== null && cutoff < current) throw new CutoffError(`cut-off ${cutoff} is below the current one (${current}): the speed buckets in between are gone; a cut-off only moves forward`);
    const horizon = this.speedHorizon(current) ?? current;
    if (horizon === null || cutoff > horizon) {
      throw new CutoffError(
        `cut-off ${cutoff} is beyond the speed layer's horizon (${horizon ?? 'none yet'}): records up to it may still arrive, so the batch layer could miss them; run the speed layer until its horizon passes the cut-off`,
      );
    }
  }

  /** Installs a batch view computed for `cutoff` (see the file comment). */
  install(cutoff: number, batch: ReadonlyMap<string, Partial>, now: number = Date.now()): void {
    writeTransaction(this.db, () => {
      this.checkCutoffNow(cutoff);
      this.db.exec('DELETE FROM batch_view');
      const ins = this.db.prepare('INSERT INTO batch_view (key, partial) VALUES (?, ?)');
      for (const [key, p] of batch) ins.run(key, JSON.stringify(p));
      if (this.hasSpeedTable()) this.db.prepare(`DELETE FROM ${quoteIdent(SPEED_TABLE)} WHERE windowStart < ?`).run(cutoff);
      this.db.prepare('UPDATE view_meta SET cutoff = ?, batch_runs = batch_runs + 1, installed_ms = ? WHERE id = 1').run(cutoff, now);
    });
  }

  /** The merged view (one key, or all keys sorted), read in one transaction. */
  query(key?: string): ViewAnswer {
    const aggs = this.view.aggregates;
    return this.db.transaction((): ViewAnswer => {
      const { cutoff, batch_runs } = this.meta();
      const merged = new Map<string, Partial>();
      const add = (k: unknown, p: Partial): void => {
        const id = String(k);
        const cur = merged.get(id);
        merged.set(id, cur === undefined ? mergePartial({}, p, aggs) : mergePartial(cur, p, aggs));
      };
      const batchRows = (
        key === undefined ? this.db.prepare('SELECT key, partial FROM batch_view').all() : this.db.prepare('SELECT key, partial FROM batch_view WHERE key = ?').all(key)
      ) as { key: string; partial: string }[];
      for (const r of batchRows) add(r.key, partialOf(r.partial));
      const from = cutoff ?? Number.MIN_SAFE_INTEGER;
      if (this.hasSpeedTable()) {
        const t = quoteIdent(SPEED_TABLE);
        const speedRows = (
          key === undefined
            ? this.db.prepare(`SELECT key, value FROM ${t} WHERE windowStart >= ?`).all(from)
            : this.db.prepare(`SELECT key, value FROM ${t} WHERE windowStart >= ? AND key = ?`).all(from, key)
        ) as { key: unknown; value: unknown }[];
        for (const r of speedRows) add(r.key, partialOf(r.value));
      }
      const rows = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, p]) => ({ key: k, value: finalValue(p, aggs) }));
      return { view: this.view.name, cutoff, horizon: this.speedHorizon(cutoff) ?? cutoff, batchRuns: batch_runs, rows };
    })();
  }

  close(): void {
    this.db.close();
  }
}
