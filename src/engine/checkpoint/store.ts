/**
 * The host side of the checkpoint store.
 *
 * A checkpoint directory holds `checkpoints.db` (owned by the host process: metadata,
 * history, the complete markers) and `parts/`, one file per worker per checkpoint written
 * by that worker (part-file.ts). Only `complete` makes a checkpoint's parts visible, in one
 * transaction that records the status, stats and the list of part files. Files are deleted
 * only after the metadata that stops referencing them has committed, so a crash anywhere
 * leaves at worst unreferenced files, which the next `retain`/`abortIncomplete` removes.
 *
 * Chains: an incremental part builds on its checkpoint's `base` (see chain.ts). `complete`
 * resolves the base as the checkpoint passed to `markRestored` since the last completion,
 * else the newest completed checkpoint older than this one that no restore plan has found
 * broken. A checkpoint with incremental parts needs a base (the first checkpoint of a job,
 * and of a job restored from another directory, is full). The runtime bounds chain length
 * by writing a full part every `fullEvery` checkpoints: a corrupt old full part breaks every
 * newer checkpoint built on it, and restore then falls back past all of them.
 *
 * Not safe for concurrent use by several processes: one host owns the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SourcePosition } from '../connectors/source.js';
import { checkpointId, type CheckpointId } from '../core/types.js';
import { BrokenChainError, chainFor, tilingError, type ChainNode } from './chain.js';
import { CheckpointStateError, guardTransition } from './lifecycle.js';
import { PARTS_DIR, PartReader, parsePartFileName, partFileName, removeSqliteFiles, verifyPart } from './part-file.js';
import { migrateStore } from './store-schema.js';
import type {
  CheckpointKind,
  CheckpointRecord,
  CheckpointStats,
  CheckpointStatus,
  PartRef,
  RestorePlan,
  RestorePlanError,
} from './types.js';

// The worker-side API and the plan types, re-exported so callers can import the store from one module.
export { writePart } from './part-file.js';
export { readRestore } from './restore.js';
export type { PartRef, RestorePlan, RestorePlanError } from './types.js';

export const STORE_FILE = 'checkpoints.db';

export interface RetainResult {
  readonly deletedCheckpoints: CheckpointId[];
  /** Deleted files, relative to the checkpoint directory. */
  readonly deletedFiles: string[];
}

/** No completed checkpoint can be restored; `errors` says why for each, naming the files. */
export class NoRestorableCheckpointError extends Error {
  override readonly name = 'NoRestorableCheckpointError';
  constructor(readonly errors: readonly RestorePlanError[]) {
    super(`no completed checkpoint can be restored:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
}

interface CheckpointRow {
  id: number;
  kind: CheckpointKind;
  status: CheckpointStatus;
  trigger_ts: number;
  parallelism: number;
  max_parallelism: number;
  base_id: number | null;
  completed_ts: number | null;
  failure_reason: string | null;
  restore_error: string | null;
  retained_as_base: number;
  duration_ms: number | null;
  sync_ms: number | null;
  async_ms: number | null;
  alignment_ms: number | null;
  full_size_bytes: number | null;
  checkpointed_size_bytes: number | null;
  num_keys: number | null;
}

interface PartRow {
  checkpoint_id: number;
  worker: number;
  file: string;
  kg_start: number;
  kg_end: number;
  full: number;
  entries: number;
  bytes: number;
  duration_ms: number;
}

function toRecord(r: CheckpointRow): CheckpointRecord {
  const rec: {
    -readonly [K in keyof CheckpointRecord]: CheckpointRecord[K];
  } = {
    id: checkpointId(r.id),
    kind: r.kind,
    status: r.status,
    triggerTs: r.trigger_ts,
    parallelism: r.parallelism,
    maxParallelism: r.max_parallelism,
  };
  if (r.failure_reason !== null) rec.failureReason = r.failure_reason;
  if (r.status === 'completed') {
    rec.stats = {
      triggerTs: r.trigger_ts,
      durationMs: r.duration_ms ?? 0,
      syncMs: r.sync_ms ?? 0,
      asyncMs: r.async_ms ?? 0,
      alignmentMs: r.alignment_ms ?? 0,
      fullSizeBytes: r.full_size_bytes ?? 0,
      checkpointedSizeBytes: r.checkpointed_size_bytes ?? 0,
      numKeys: r.num_keys ?? 0,
    };
    rec.completedTs = r.completed_ts ?? undefined;
    if (r.base_id !== null) rec.base = checkpointId(r.base_id);
  }
  if (r.restore_error !== null) rec.restoreError = r.restore_error;
  if (r.retained_as_base === 1) rec.retainedAsBase = true;
  return rec;
}

function toPartRef(p: PartRow): PartRef {
  return {
    file: p.file,
    worker: p.worker,
    keyGroups: { start: p.kg_start, end: p.kg_end },
    full: p.full === 1,
    entries: p.entries,
    bytes: p.bytes,
    durationMs: p.duration_ms,
  };
}

const isHealthyCompleted = (r: CheckpointRow): boolean => r.status === 'completed' && r.restore_error === null;
const isTarget = (r: CheckpointRow): boolean => isHealthyCompleted(r) && r.retained_as_base === 0;

export class CheckpointStore {
  private readonly stmts;

  private constructor(
    readonly dir: string,
    private readonly db: Database.Database,
  ) {
    this.stmts = {
      lastId: db.prepare<[], number>("SELECT value FROM store_meta WHERE name = 'last_checkpoint_id'").pluck(),
      setLastId: db.prepare<[number]>("UPDATE store_meta SET value = ? WHERE name = 'last_checkpoint_id'"),
      restoredFrom: db.prepare<[], number>("SELECT value FROM store_meta WHERE name = 'restored_from'").pluck(),
      setRestoredFrom: db.prepare<[number]>("UPDATE store_meta SET value = ? WHERE name = 'restored_from'"),
      row: db.prepare<[number], CheckpointRow>('SELECT * FROM checkpoints WHERE id = ?'),
      rows: db.prepare<[], CheckpointRow>('SELECT * FROM checkpoints ORDER BY id DESC'),
      rowsLimit: db.prepare<[number], CheckpointRow>('SELECT * FROM checkpoints ORDER BY id DESC LIMIT ?'),
      partsOf: db.prepare<[number], PartRow>('SELECT * FROM parts WHERE checkpoint_id = ? ORDER BY kg_start'),
      allParts: db.prepare<[], PartRow>('SELECT * FROM parts ORDER BY checkpoint_id, kg_start'),
      insertCheckpoint: db.prepare(
        `INSERT INTO checkpoints (id, kind, status, trigger_ts, parallelism, max_parallelism)
         VALUES (@id, @kind, 'in-progress', @triggerTs, @parallelism, @maxParallelism)`,
      ),
      newestHealthyBefore: db.prepare<[number], CheckpointRow>(
        `SELECT * FROM checkpoints WHERE status = 'completed' AND restore_error IS NULL AND id < ?
         ORDER BY id DESC LIMIT 1`,
      ),
      markCompleted: db.prepare(
        `UPDATE checkpoints SET status = 'completed', completed_ts = @completedTs, base_id = @base,
           duration_ms = @durationMs, sync_ms = @syncMs, async_ms = @asyncMs, alignment_ms = @alignmentMs,
           full_size_bytes = @fullSizeBytes, checkpointed_size_bytes = @checkpointedSizeBytes, num_keys = @numKeys
         WHERE id = @id`,
      ),
      insertPart: db.prepare(
        `INSERT INTO parts (checkpoint_id, worker, file, kg_start, kg_end, full, entries, bytes, duration_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      markFailed: db.prepare<[string, number]>("UPDATE checkpoints SET status = 'failed', failure_reason = ? WHERE id = ?"),
      inProgressIds: db.prepare<[], number>("SELECT id FROM checkpoints WHERE status = 'in-progress' ORDER BY id").pluck(),
      setRestoreError: db.prepare<[string | null, number]>('UPDATE checkpoints SET restore_error = ? WHERE id = ?'),
      setRetainedAsBase: db.prepare<[number]>('UPDATE checkpoints SET retained_as_base = 1 WHERE id = ?'),
      deleteCheckpoint: db.prepare<[number]>('DELETE FROM checkpoints WHERE id = ?'),
      deletePart: db.prepare<[number, number]>('DELETE FROM parts WHERE checkpoint_id = ? AND worker = ?'),
    };
  }

  /** Opens (creating if needed) the store in `dir`; checks the file with `quick_check`. */
  static open(dir: string): CheckpointStore {
    fs.mkdirSync(path.join(dir, PARTS_DIR), { recursive: true });
    const file = path.join(dir, STORE_FILE);
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      // better-sqlite3 defaults WAL to NORMAL; a completed checkpoint is a promise, so FULL.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      const qc = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check).join('; ');
      if (qc !== 'ok') throw new Error(`${file} fails quick_check (${qc}); restore it from a backup, do not delete its -wal file`);
      migrateStore(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
    return new CheckpointStore(dir, db);
  }

  /** One more than the highest id ever begun (ids are never reused, even after retention). */
  nextCheckpointId(): CheckpointId {
    return checkpointId(this.stmts.lastId.get()! + 1);
  }

  begin(
    id: CheckpointId,
    kind: CheckpointKind,
    triggerTs: number,
    parallelism: number,
    maxParallelism: number,
  ): CheckpointRecord {
    if (kind !== 'checkpoint' && kind !== 'savepoint') throw new TypeError(`unknown checkpoint kind ${String(kind)}`);
    if (!Number.isFinite(triggerTs)) throw new RangeError(`checkpoint ${id}: triggerTs must be finite`);
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1) throw new RangeError(`invalid maxParallelism ${maxParallelism}`);
    if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
      throw new RangeError(`invalid parallelism ${parallelism} (maxParallelism ${maxParallelism})`);
    }
    this.db.transaction(() => {
      const last = this.stmts.lastId.get()!;
      if (!Number.isInteger(id) || id <= last) {
        throw new CheckpointStateError(`cannot begin checkpoint ${id}: ids must increase, the last one begun was ${last}`);
      }
      this.stmts.insertCheckpoint.run({ id, kind, triggerTs, parallelism, maxParallelism });
      this.stmts.setLastId.run(id);
    })();
    return this.get(id)!;
  }

  /**
   * Marks `id` completed with its stats and part files, in one transaction: the complete
   * marker. The parts must be this checkpoint's files, one per worker, tiling all key groups.
   */
  complete(id: CheckpointId, stats: CheckpointStats, parts: readonly PartRef[]): CheckpointRecord {
    const row = this.stmts.row.get(id);
    guardTransition('complete', id, row?.status);
    const r = row!;
    if (parts.length !== r.parallelism) {
      throw new RangeError(`cannot complete checkpoint ${id}: ${parts.length} parts for parallelism ${r.parallelism}`);
    }
    const tiling = tilingError(parts, r.max_parallelism);
    if (tiling !== undefined) throw new RangeError(`cannot complete checkpoint ${id}: ${tiling}`);
    for (const p of parts) {
      if (p.file !== partFileName(id, p.worker)) {
        throw new RangeError(`cannot complete checkpoint ${id}: part ${p.file} is not worker ${p.worker}'s file of it`);
      }
      let size: number;
      try {
        size = fs.statSync(path.join(this.dir, p.file)).size;
      } catch {
        throw new Error(`cannot complete checkpoint ${id}: part file ${p.file} is missing`);
      }
      if (size !== p.bytes) throw new Error(`cannot complete checkpoint ${id}: part file ${p.file} has ${size} bytes, ${p.bytes} reported`);
    }
    this.db.transaction(() => {
      let base: number | null = null;
      if (!parts.every((p) => p.full)) {
        const restored = this.stmts.restoredFrom.get()!;
        const b = restored !== 0 ? this.stmts.row.get(restored) : this.stmts.newestHealthyBefore.get(id);
        if (b === undefined || b.status !== 'completed') {
          throw new CheckpointStateError(
            restored !== 0
              ? `cannot complete checkpoint ${id}: the restored checkpoint ${restored} it builds on is gone`
              : `cannot complete checkpoint ${id}: it has incremental parts but no completed checkpoint to build on; write full parts`,
          );
        }
        if (b.id >= id) throw new RangeError(`cannot complete checkpoint ${id}: it cannot build on the newer checkpoint ${b.id}`);
        if (b.max_parallelism !== r.max_parallelism) {
          throw new RangeError(
            `cannot complete checkpoint ${id}: it has incremental parts but its base, checkpoint ${b.id}, has ` +
              `maxParallelism ${b.max_parallelism} (not ${r.max_parallelism}); write full parts`,
          );
        }
        base = b.id;
      }
      this.stmts.setRestoredFrom.run(0);
      this.stmts.markCompleted.run({
        id,
        completedTs: Date.now(),
        base,
        durationMs: stats.durationMs,
        syncMs: stats.syncMs,
        asyncMs: stats.asyncMs,
        alignmentMs: stats.alignmentMs,
        fullSizeBytes: Math.round(stats.fullSizeBytes),
        checkpointedSizeBytes: Math.round(stats.checkpointedSizeBytes),
        numKeys: Math.round(stats.numKeys),
      });
      for (const p of parts) {
        this.stmts.insertPart.run(id, p.worker, p.file, p.keyGroups.start, p.keyGroups.end, p.full ? 1 : 0, p.entries, p.bytes, p.durationMs);
      }
    })();
    return this.get(id)!;
  }

  /** Marks an in-progress checkpoint failed and deletes whatever part files it has. */
  fail(id: CheckpointId, reason: string): CheckpointRecord {
    this.db.transaction(() => {
      guardTransition('fail', id, this.stmts.row.get(id)?.status);
      this.stmts.markFailed.run(reason, id);
    })();
    this.deletePartFilesOf(new Set([id]));
    return this.get(id)!;
  }

  /** Fails every in-progress checkpoint (after a host or job restart) and deletes their files. */
  abortIncomplete(reason: string): CheckpointId[] {
    const ids = this.db.transaction(() => {
      const open = this.stmts.inProgressIds.all();
      for (const id of open) {
        guardTransition('abortIncomplete', id, 'in-progress');
        this.stmts.markFailed.run(reason, id);
      }
      return open;
    })();
    this.deletePartFilesOf(new Set(ids));
    return ids.map(checkpointId);
  }

  /**
   * The job's workers restored checkpoint `id`: until a checkpoint completes, retention keeps
   * it, and incremental parts build on it. Needed after restoring anything but the newest
   * healthy checkpoint (an explicit savepoint or older checkpoint); harmless otherwise.
   */
  markRestored(id: CheckpointId): void {
    const r = this.stmts.row.get(id);
    if (r === undefined || r.status !== 'completed' || r.retained_as_base === 1) {
      throw new CheckpointStateError(`cannot mark checkpoint ${id} restored: it is ${r?.status ?? 'unknown'}, not a completed restore target`);
    }
    this.stmts.setRestoredFrom.run(id);
  }

  /** Newest first. */
  history(limit?: number): CheckpointRecord[] {
    const rows = limit === undefined ? this.stmts.rows.all() : this.stmts.rowsLimit.all(limit);
    return rows.map(toRecord);
  }

  get(id: CheckpointId): CheckpointRecord | undefined {
    const r = this.stmts.row.get(id);
    return r === undefined ? undefined : toRecord(r);
  }

  /** The part files recorded for a completed checkpoint (fewer once retained only as a base). */
  parts(id: CheckpointId): PartRef[] {
    return this.stmts.partsOf.all(id).map(toPartRef);
  }

  /** The newest completed checkpoint or savepoint (not one kept only as a base); see `restoreError`. */
  latestCompleted(): CheckpointRecord | undefined {
    const r = this.stmts.rows.all().find((x) => x.status === 'completed' && x.retained_as_base === 0);
    return r === undefined ? undefined : toRecord(r);
  }

  /**
   * The chain of part files to restore checkpoint `id` (default: the newest completed one),
   * every file verified (exists with its size, opens, quick_check, marker). When a file of a
   * chain is missing or corrupt, the error (naming the file) is recorded on that checkpoint
   * and the next older completed checkpoint is tried; the skipped ones come back in
   * `errors`. Null when no checkpoint ever completed (a fresh start); throws
   * NoRestorableCheckpointError when completed checkpoints exist but none is restorable.
   * Persists each error as the checkpoint's `restoreError`, so that the next `complete`
   * does not build on a broken checkpoint.
   */
  restorePlan(id?: CheckpointId): RestorePlan | null {
    const rows = this.stmts.rows.all();
    if (id !== undefined) {
      const want = rows.find((r) => r.id === id);
      if (want === undefined || want.status !== 'completed') {
        throw new CheckpointStateError(`cannot restore checkpoint ${id}: it is ${want?.status ?? 'unknown'}, not completed`);
      }
      if (want.retained_as_base === 1) {
        throw new CheckpointStateError(`cannot restore checkpoint ${id}: it is kept only as the base of newer checkpoints`);
      }
    }
    const candidates = rows.filter((r) => r.status === 'completed' && r.retained_as_base === 0 && (id === undefined || r.id <= id));
    if (candidates.length === 0) return null;
    const lookup = this.chainLookup(rows);
    const verified = new Map<string, string | undefined>();
    const errors: RestorePlanError[] = [];
    for (const c of candidates) {
      let error: RestorePlanError | undefined;
      let chain: ReturnType<typeof chainFor> = [];
      try {
        chain = chainFor(lookup, checkpointId(c.id), 0, c.max_parallelism - 1);
      } catch (err) {
        if (!(err instanceof BrokenChainError)) throw err;
        error = { checkpoint: checkpointId(c.id), message: `checkpoint ${c.id} cannot be restored: ${err.message}` };
      }
      for (const link of chain) {
        for (const part of link.parts) {
          if (error !== undefined) break;
          if (!verified.has(part.file)) verified.set(part.file, verifyPart(this.dir, link.node.id, part));
          const problem = verified.get(part.file);
          if (problem !== undefined) {
            error = { checkpoint: checkpointId(c.id), file: part.file, message: `checkpoint ${c.id} cannot be restored: ${problem}` };
          }
        }
      }
      if (error === undefined) {
        if (c.restore_error !== null) this.stmts.setRestoreError.run(null, c.id);
        const sourcePositions: Record<string, SourcePosition> = {};
        for (const part of chain[0]?.parts ?? []) {
          const reader = PartReader.open(this.dir, part.file);
          try {
            Object.assign(sourcePositions, reader.sourcePositions());
          } finally {
            reader.close();
          }
        }
        return {
          checkpoint: checkpointId(c.id),
          kind: c.kind,
          parallelism: c.parallelism,
          maxParallelism: c.max_parallelism,
          chain: chain.map(({ node, parts }) => ({ checkpoint: node.id, base: node.base, parts })),
          sourcePositions,
          errors,
        };
      }
      this.stmts.setRestoreError.run(error.message, c.id);
      errors.push(error);
    }
    throw new NoRestorableCheckpointError(errors);
  }

  /**
   * Keeps the newest `k` completed checkpoints (kind `checkpoint`; savepoints stay until
   * `deleteSavepoint`) and whatever their chains need; deletes the metadata of older ones
   * and every part file no kept chain needs. Older checkpoints a kept chain builds on stay,
   * marked `retainedAsBase`, with only the parts the chain reads. Failed checkpoints newer
   * than the oldest kept one stay as history.
   */
  retain(k: number): RetainResult {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`retain(k) needs k >= 1, got ${k}`);
    const deletedCheckpoints = this.db.transaction(() => {
      const targets = this.stmts.rows.all().filter((r) => r.kind === 'checkpoint' && isTarget(r));
      for (const r of targets.slice(k)) this.stmts.setRetainedAsBase.run(r.id);
      return this.collectGarbageRows();
    })();
    return { deletedCheckpoints, deletedFiles: this.collectGarbageFiles() };
  }

  /** Deletes a savepoint (kept as a base while newer checkpoints still build on it). */
  deleteSavepoint(id: CheckpointId): RetainResult {
    const deletedCheckpoints = this.db.transaction(() => {
      const r = this.stmts.row.get(id);
      if (r === undefined || r.kind !== 'savepoint') throw new CheckpointStateError(`cannot delete savepoint ${id}: no such savepoint`);
      if (r.status === 'in-progress') throw new CheckpointStateError(`cannot delete savepoint ${id}: it is in-progress`);
      if (r.status === 'failed') this.stmts.deleteCheckpoint.run(id);
      else this.stmts.setRetainedAsBase.run(id);
      return [...(r.status === 'failed' ? [checkpointId(id)] : []), ...this.collectGarbageRows()];
    })();
    return { deletedCheckpoints, deletedFiles: this.collectGarbageFiles() };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private chainLookup(rows: readonly CheckpointRow[]): (id: CheckpointId) => ChainNode | undefined {
    const partsBy = new Map<number, PartRef[]>();
    for (const p of this.stmts.allParts.all()) {
      let list = partsBy.get(p.checkpoint_id);
      if (list === undefined) partsBy.set(p.checkpoint_id, (list = []));
      list.push(toPartRef(p));
    }
    const nodes = new Map<number, ChainNode>();
    for (const r of rows) {
      if (r.status !== 'completed') continue;
      nodes.set(r.id, { id: checkpointId(r.id), base: r.base_id === null ? null : checkpointId(r.base_id), parts: partsBy.get(r.id) ?? [] });
    }
    return (id) => nodes.get(id);
  }

  /**
   * Inside a transaction: drops the metadata nothing needs. Roots are the restore targets,
   * the newest healthy completed checkpoint and the restored one (the possible bases of the
   * next checkpoint); every part on a root's chain stays.
   */
  private collectGarbageRows(): CheckpointId[] {
    const rows = this.stmts.rows.all();
    const lookup = this.chainLookup(rows);
    const roots = new Set<number>();
    for (const r of rows) if (isTarget(r)) roots.add(r.id);
    const restored = this.stmts.restoredFrom.get()!;
    if (restored !== 0) roots.add(restored);
    const newestHealthy = rows.find(isHealthyCompleted);
    if (newestHealthy !== undefined) roots.add(newestHealthy.id);

    const needed = new Map<number, Set<number>>(); // checkpoint → workers whose parts are needed
    for (const id of roots) {
      const root = rows.find((r) => r.id === id);
      if (root === undefined || root.status !== 'completed') continue;
      try {
        for (const { node, parts } of chainFor(lookup, checkpointId(id), 0, root.max_parallelism - 1)) {
          let s = needed.get(node.id);
          if (s === undefined) needed.set(node.id, (s = new Set()));
          for (const p of parts) s.add(p.worker);
        }
      } catch (err) {
        if (!(err instanceof BrokenChainError)) throw err;
        // Keep its files for inspection but stop offering it as a restore target.
        if (root.restore_error === null) this.stmts.setRestoreError.run(`checkpoint ${id} cannot be restored: ${err.message}`, id);
        needed.set(id, new Set(lookup(checkpointId(id))?.parts.map((p) => p.worker)));
      }
    }
    const keptTargets = rows.filter((r) => isTarget(r) && needed.has(r.id));
    // Failed/broken checkpoints older than the oldest kept target are dropped from history.
    const keptIds = keptTargets.filter((r) => r.kind === 'checkpoint').map((r) => r.id);
    const anchor = keptIds.length > 0 ? keptIds : keptTargets.map((r) => r.id);
    const historyFloor = anchor.length > 0 ? Math.min(...anchor) : Number.NEGATIVE_INFINITY;

    const deleted: CheckpointId[] = [];
    for (const r of rows) {
      if (r.status === 'in-progress') continue;
      const workers = needed.get(r.id);
      if (workers !== undefined) {
        if (r.status === 'completed' && !isTarget(r) && r.retained_as_base === 0 && r.restore_error === null) {
          this.stmts.setRetainedAsBase.run(r.id);
        }
        for (const p of lookup(checkpointId(r.id))?.parts ?? []) {
          if (!workers.has(p.worker)) this.stmts.deletePart.run(r.id, p.worker);
        }
        continue;
      }
      if (r.kind === 'savepoint' && r.retained_as_base === 0) continue; // kept until deleted explicitly
      const history = r.status === 'failed' || r.restore_error !== null;
      if (history && !(r.id < historyFloor)) {
        for (const p of lookup(checkpointId(r.id))?.parts ?? []) this.stmts.deletePart.run(r.id, p.worker);
        continue;
      }
      this.stmts.deleteCheckpoint.run(r.id);
      deleted.push(checkpointId(r.id));
    }
    return deleted.sort((a, b) => a - b);
  }

  /** After the metadata commit: deletes files in parts/ that no part row references. */
  private collectGarbageFiles(): string[] {
    const referenced = new Set(this.stmts.allParts.all().map((p) => p.file));
    const inProgress = new Set(this.stmts.inProgressIds.all());
    const deleted: string[] = [];
    for (const name of this.listPartsDir()) {
      const parsed = parsePartFileName(name);
      if (parsed === undefined || inProgress.has(parsed.checkpoint)) continue;
      const finalName = `${PARTS_DIR}/${name.replace(/(\.tmp)?(-wal|-shm|-journal)?$/, '')}`;
      if (referenced.has(finalName) && !name.includes('.tmp')) continue;
      fs.rmSync(path.join(this.dir, PARTS_DIR, name), { force: true });
      deleted.push(`${PARTS_DIR}/${name}`);
    }
    return deleted.sort();
  }

  private deletePartFilesOf(ids: ReadonlySet<number>): void {
    if (ids.size === 0) return;
    for (const name of this.listPartsDir()) {
      const parsed = parsePartFileName(name);
      if (parsed !== undefined && ids.has(parsed.checkpoint)) removeSqliteFiles(path.join(this.dir, PARTS_DIR, name));
    }
  }

  private listPartsDir(): string[] {
    try {
      return fs.readdirSync(path.join(this.dir, PARTS_DIR));
    } catch {
      return [];
    }
  }
}
