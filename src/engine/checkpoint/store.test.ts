import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointId } from '../core/types.js';
import { CheckpointStateError } from './lifecycle.js';
import { writePart } from './part-file.js';
import { CheckpointStore, NoRestorableCheckpointError, STORE_FILE } from './store.js';
import { ModelJob, listPartFiles, makeTempDir, readRestoreMap, sortedState, workerRanges } from './test-model.js';

let dir: string;
let store: CheckpointStore;
beforeEach(() => {
  dir = makeTempDir();
  store = CheckpointStore.open(dir);
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const MAXP = 16;
const stats = { triggerTs: 1, durationMs: 12, syncMs: 2, asyncMs: 10, alignmentMs: 1, fullSizeBytes: 100, checkpointedSizeBytes: 50, numKeys: 5 };

function fill(job: ModelJob, from: number, n: number, tag: string): void {
  for (let i = from; i < from + n; i++) job.put('count', `k${i}`, { tag, i });
}

describe('CheckpointStore metadata', () => {
  it('records history with stats, failed checkpoints with their reason, newest first', () => {
    expect(store.nextCheckpointId()).toBe(1);
    const job = new ModelJob(dir, store, 2, MAXP);
    fill(job, 0, 20, 'a');
    const c1 = job.checkpoint({ full: true });
    fill(job, 10, 5, 'b');
    job.checkpoint({ fail: true });
    store.begin(checkpointId(3), 'savepoint', 1234, 2, MAXP);
    const parts = workerRanges(MAXP, 2).map((r, w) =>
      writePart(dir, { checkpoint: checkpointId(3), worker: w, entries: [], operatorState: {}, sourcePositions: {}, full: false, keyGroups: r }),
    );
    store.complete(checkpointId(3), stats, parts);
    store.begin(checkpointId(4), 'checkpoint', 99, 2, MAXP);

    const h = store.history();
    expect(h.map((r) => [r.id, r.kind, r.status])).toEqual([
      [4, 'checkpoint', 'in-progress'],
      [3, 'savepoint', 'completed'],
      [2, 'checkpoint', 'failed'],
      [1, 'checkpoint', 'completed'],
    ]);
    expect(h[2]!.failureReason).toBe('test failure of checkpoint 2');
    expect(h[1]).toMatchObject({ stats: { ...stats, triggerTs: 1234 }, parallelism: 2, maxParallelism: MAXP, base: 1 });
    expect(c1.stats?.numKeys).toBe(20);
    expect(c1.base).toBeUndefined(); // all parts full: no base
    expect(store.history(2).map((r) => r.id)).toEqual([4, 3]);
    expect(store.latestCompleted()?.id).toBe(3);
    expect(store.parts(checkpointId(1)).map((p) => p.file)).toEqual(['parts/ckpt-000001-w0.db', 'parts/ckpt-000001-w1.db']);
    // The failed checkpoint's files are gone.
    expect(listPartFiles(dir).filter((f) => f.includes('000002'))).toEqual([]);

    // Reopen: everything persisted, ids keep increasing.
    store.close();
    store = CheckpointStore.open(dir);
    expect(store.history()).toEqual(h);
    expect(store.nextCheckpointId()).toBe(5);
  });

  it('guards the lifecycle with errors that name the state and the call', () => {
    const job = new ModelJob(dir, store, 1, MAXP);
    job.put('o', 'k', 1);
    const c = job.checkpoint({ full: true });
    expect(() => store.complete(c.id, stats, [])).toThrow(/cannot complete checkpoint 1: it is completed, complete is allowed only from in-progress/);
    expect(() => store.fail(c.id, 'x')).toThrow(CheckpointStateError);
    expect(() => store.fail(checkpointId(9), 'x')).toThrow(/no such checkpoint/);
    expect(() => store.begin(checkpointId(1), 'checkpoint', 0, 1, MAXP)).toThrow(/ids must increase/);
    store.begin(checkpointId(2), 'checkpoint', 0, 2, MAXP);
    expect(() => store.complete(checkpointId(2), stats, [])).toThrow(/0 parts for parallelism 2/);
    const [r0, r1] = workerRanges(MAXP, 2);
    const p0 = writePart(dir, { checkpoint: checkpointId(2), worker: 0, entries: [], operatorState: {}, sourcePositions: {}, full: false, keyGroups: r0! });
    expect(() => store.complete(checkpointId(2), stats, [p0, { ...p0, worker: 1 }])).toThrow(/overlap/);
    expect(() => store.complete(checkpointId(2), stats, [p0, { ...p0, worker: 1, keyGroups: r1! }])).toThrow(/not worker 1's file/);
    const p1 = { ...p0, worker: 1, keyGroups: r1!, file: 'parts/ckpt-000002-w1.db' };
    expect(() => store.complete(checkpointId(2), stats, [p0, p1])).toThrow(/parts\/ckpt-000002-w1\.db is missing/);
    expect(store.get(checkpointId(2))?.status).toBe('in-progress');
  });

  it('abortIncomplete fails in-progress checkpoints and deletes their part files', () => {
    const job = new ModelJob(dir, store, 2, MAXP);
    fill(job, 0, 10, 'a');
    job.checkpoint({ full: true });
    store.begin(checkpointId(2), 'checkpoint', 0, 2, MAXP);
    writePart(dir, { checkpoint: checkpointId(2), worker: 0, entries: [], operatorState: {}, sourcePositions: {}, full: false, keyGroups: workerRanges(MAXP, 2)[0]! });
    fs.writeFileSync(path.join(dir, 'parts/ckpt-000002-w1.db.tmp'), 'killed mid-write');
    expect(store.abortIncomplete('host restarted')).toEqual([2]);
    expect(store.get(checkpointId(2))).toMatchObject({ status: 'failed', failureReason: 'host restarted' });
    expect(listPartFiles(dir)).toEqual(['parts/ckpt-000001-w0.db', 'parts/ckpt-000001-w1.db']);
    expect(store.abortIncomplete('again')).toEqual([]);
  });

  it('keeps checkpoints.db a WAL file with synchronous=FULL and STRICT tables', () => {
    const db = new Database(path.join(dir, STORE_FILE), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'").all();
    expect(tables).toEqual(expect.arrayContaining([{ name: 'checkpoints', strict: 1 }, { name: 'parts', strict: 1 }, { name: 'store_meta', strict: 1 }]));
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
    // The connection's own setting (not persisted in the file): FULL.
    expect((store as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(2);
  });
});

describe('restorePlan', () => {
  it('returns null before any checkpoint completed', () => {
    expect(store.restorePlan()).toBeNull();
  });

  it('falls back to the older checkpoint when the newest part is corrupt, naming the file, and records it', () => {
    const job = new ModelJob(dir, store, 2, MAXP);
    fill(job, 0, 200, 'a');
    job.checkpoint({ full: true }); // 1
    fill(job, 100, 50, 'b');
    job.checkpoint(); // 2, incremental
    fill(job, 120, 50, 'c');
    job.checkpoint(); // 3, incremental

    const newest = path.join(dir, 'parts/ckpt-000003-w1.db');
    fs.writeFileSync(newest, Buffer.alloc(fs.statSync(newest).size, 0x42)); // garbage, same size
    const plan = store.restorePlan()!;
    expect(plan.checkpoint).toBe(2);
    expect(plan.errors).toHaveLength(1);
    expect(plan.errors[0]).toMatchObject({ checkpoint: 3, file: 'parts/ckpt-000003-w1.db' });
    expect(plan.errors[0]!.message).toContain('parts/ckpt-000003-w1.db');
    expect(store.get(checkpointId(3))?.restoreError).toContain('parts/ckpt-000003-w1.db');
    expect(plan.chain.map((l) => l.checkpoint)).toEqual([2, 1]);
    expect(plan.sourcePositions).toEqual({ 'split-0': { offset: 20 }, 'split-1': { offset: 21 } });
    expect(sortedState(readRestoreMap(dir, plan, [{ start: 0, end: MAXP - 1 }]))).toEqual(sortedState(job.snapshots.get(checkpointId(2))!));

    // The job restored 2; its next incremental checkpoint builds on 2, not on the broken 3.
    job.restoreFrom(checkpointId(2));
    fill(job, 0, 3, 'd');
    const c4 = job.checkpoint();
    expect(c4.base).toBe(2);
    const plan4 = store.restorePlan()!;
    expect(plan4.checkpoint).toBe(4);
    expect(sortedState(readRestoreMap(dir, plan4, workerRanges(MAXP, 3)))).toEqual(sortedState(job.snapshots.get(checkpointId(4))!));
  });

  it('a corrupt (truncated) old full part breaks every checkpoint built on it; none restorable throws with the file named', () => {
    const job = new ModelJob(dir, store, 1, MAXP);
    fill(job, 0, 3000, 'a');
    job.checkpoint({ full: true }); // 1
    fill(job, 0, 10, 'b');
    job.checkpoint(); // 2
    const full = path.join(dir, 'parts/ckpt-000001-w0.db');
    fs.truncateSync(full, 8192);
    let caught: unknown;
    try {
      store.restorePlan();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(NoRestorableCheckpointError);
    const err = caught as NoRestorableCheckpointError;
    expect(err.errors.map((e) => [e.checkpoint, e.file])).toEqual([
      [2, 'parts/ckpt-000001-w0.db'],
      [1, 'parts/ckpt-000001-w0.db'],
    ]);
    expect(err.message).toContain('parts/ckpt-000001-w0.db');
  });

  it('a missing file is reported by name and an explicit id restores that checkpoint', () => {
    const job = new ModelJob(dir, store, 2, MAXP);
    fill(job, 0, 50, 'a');
    job.checkpoint({ full: true });
    fill(job, 0, 50, 'b');
    job.checkpoint({ full: true });
    expect(store.restorePlan(checkpointId(1))!.checkpoint).toBe(1);
    fs.rmSync(path.join(dir, 'parts/ckpt-000002-w0.db'));
    const plan = store.restorePlan()!;
    expect(plan.checkpoint).toBe(1);
    expect(plan.errors[0]!.message).toMatch(/parts\/ckpt-000002-w0\.db .*missing/);
    expect(() => store.restorePlan(checkpointId(7))).toThrow(/not completed/);
  });
});

describe('retain', () => {
  it('keeps the newest k, the bases their chains need, savepoints; deletes everything else from disk', () => {
    const job = new ModelJob(dir, store, 2, MAXP);
    fill(job, 0, 40, 'a');
    job.checkpoint({ full: true }); // 1 full
    fill(job, 0, 5, 'b');
    job.checkpoint(); // 2 incr
    fill(job, 5, 5, 'c');
    job.checkpoint({ kind: 'savepoint', full: true }); // 3 savepoint, full
    fill(job, 10, 5, 'd');
    job.checkpoint({ full: (w) => w === 0 }); // 4: worker 0 full, worker 1 incremental on 3
    job.checkpoint({ fail: true }); // 5 failed
    fill(job, 15, 5, 'e');
    job.checkpoint(); // 6 incr on 4
    expect(store.retain(2).deletedCheckpoints).toEqual([1, 2]); // 5 is newer than the oldest kept (4): history
    expect(store.get(checkpointId(5))?.status).toBe('failed');

    const r = store.retain(1);
    // 5 failed before the oldest kept checkpoint (6): dropped from history too.
    expect(r.deletedCheckpoints).toEqual([5]);
    const kept = store.history().map((c) => [c.id, c.status, c.retainedAsBase ?? false]);
    expect(kept).toEqual([
      [6, 'completed', false],
      [4, 'completed', true],
      [3, 'completed', false],
    ]);
    // 6 needs 4 (both parts: 4's worker 1 is incremental, so it also needs 3's worker-1 part); 3 is a savepoint.
    expect(listPartFiles(dir)).toEqual([
      'parts/ckpt-000003-w0.db',
      'parts/ckpt-000003-w1.db',
      'parts/ckpt-000004-w0.db',
      'parts/ckpt-000004-w1.db',
      'parts/ckpt-000006-w0.db',
      'parts/ckpt-000006-w1.db',
    ]);
    expect(() => store.restorePlan(checkpointId(4))).toThrow(/kept only as the base/);
    for (const id of [6, 3]) {
      const plan = store.restorePlan(checkpointId(id))!;
      expect(plan.checkpoint).toBe(id);
      expect(sortedState(readRestoreMap(dir, plan, [{ start: 0, end: MAXP - 1 }]))).toEqual(sortedState(job.snapshots.get(checkpointId(id))!));
    }

    // Deleting the savepoint: 6 still needs 3's worker-1 part, so only 3's worker-0 part goes.
    const d = store.deleteSavepoint(checkpointId(3));
    expect(d.deletedFiles).toEqual(['parts/ckpt-000003-w0.db']);
    expect(store.get(checkpointId(3))?.retainedAsBase).toBe(true);

    // A new full checkpoint makes every older one unnecessary.
    fill(job, 0, 1, 'f');
    job.checkpoint({ full: true }); // 7
    const r2 = store.retain(1);
    expect(r2.deletedCheckpoints).toEqual([3, 4, 6]);
    expect(listPartFiles(dir)).toEqual(['parts/ckpt-000007-w0.db', 'parts/ckpt-000007-w1.db']);
    expect(store.history().map((c) => c.id)).toEqual([7]);
  });

  it('never deletes files of an in-progress checkpoint, deletes orphans of finished ones', () => {
    const job = new ModelJob(dir, store, 1, MAXP);
    job.put('o', 'k', 1);
    job.checkpoint({ full: true });
    store.begin(checkpointId(2), 'checkpoint', 0, 1, MAXP);
    fs.writeFileSync(path.join(dir, 'parts/ckpt-000002-w0.db.tmp'), 'being written');
    fs.writeFileSync(path.join(dir, 'parts/ckpt-000001-w7.db'), 'orphan of a finished checkpoint');
    fs.writeFileSync(path.join(dir, 'parts/README'), 'not ours');
    expect(store.retain(3).deletedFiles).toEqual(['parts/ckpt-000001-w7.db']);
    expect(listPartFiles(dir)).toEqual(['parts/README', 'parts/ckpt-000001-w0.db', 'parts/ckpt-000002-w0.db.tmp']);
  });
});
