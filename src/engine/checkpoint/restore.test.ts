import fs from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { keyGroupForKey, keyGroupRangeForWorker } from '../core/keygroups.js';
import { checkpointId, type CheckpointId } from '../core/types.js';
import { readRestore } from './restore.js';
import { CheckpointStore, writePart } from './store.js';
import { ModelJob, listPartFiles, makeTempDir, readRestoreMap, sortedState, workerRanges } from './test-model.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

type Cmd =
  | { t: 'put'; op: string; key: string; value: unknown }
  | { t: 'del'; op: string; key: string }
  | { t: 'ckpt'; full: 'all' | 'none' | 'some'; savepoint: boolean }
  | { t: 'failed-ckpt' }
  | { t: 'crash'; back: number; parallelism: number }
  | { t: 'retain'; k: number }
  | { t: 'delete-savepoint'; pick: number };

// Few keys and few key groups, so puts, deletes and re-puts of the same key collide often.
const keyArb = fc.oneof(
  { weight: 4, arbitrary: fc.nat({ max: 12 }).map((n) => `k${n}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
);
const opArb = fc.constantFrom('count', 'window');
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ t: fc.constant('put' as const), op: opArb, key: keyArb, value: fc.jsonValue({ maxDepth: 2 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('del' as const), op: opArb, key: keyArb }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('ckpt' as const), full: fc.constantFrom('all' as const, 'none' as const, 'some' as const), savepoint: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'failed-ckpt' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('crash' as const), back: fc.nat({ max: 2 }), parallelism: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('retain' as const), k: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete-savepoint' as const), pick: fc.nat() }) },
);

const MAXP = 8;

/** Every restore target restores exactly its model snapshot, whole and split by workers. */
function checkAllTargets(dir: string, store: CheckpointStore, job: ModelJob, splitParallelism: number): void {
  for (const rec of store.history()) {
    if (rec.status !== 'completed' || rec.retainedAsBase === true) continue;
    const plan = store.restorePlan(rec.id)!;
    expect(plan.errors).toEqual([]);
    expect(plan.checkpoint).toBe(rec.id);
    const want = sortedState(job.snapshots.get(rec.id)!);
    expect(sortedState(readRestoreMap(dir, plan, [{ start: 0, end: MAXP - 1 }]))).toEqual(want);
    expect(sortedState(readRestoreMap(dir, plan, workerRanges(MAXP, splitParallelism)))).toEqual(want);
  }
}

/** Files on disk are exactly the files the metadata references. */
function checkNoGarbage(dir: string, store: CheckpointStore): void {
  const referenced = store.history().flatMap((r) => store.parts(r.id).map((p) => p.file));
  expect(listPartFiles(dir)).toEqual([...referenced].sort());
}

describe('incremental chains (property)', () => {
  it('restoring any retained checkpoint gives exactly the model state, through retention, crashes, rescales and failures', () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { minLength: 1, maxLength: 80, size: 'max' }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), (cmds, p0, split) => {
        const dir = makeTempDir();
        dirs.push(dir);
        const store = CheckpointStore.open(dir);
        try {
          const job = new ModelJob(dir, store, p0, MAXP);
          const completed: CheckpointId[] = [];
          for (const c of cmds) {
            switch (c.t) {
              case 'put':
                job.put(c.op, c.key, c.value);
                break;
              case 'del':
                job.delete(c.op, c.key);
                break;
              case 'ckpt': {
                const full = c.full === 'all' ? true : c.full === 'none' ? false : (w: number) => w % 2 === 0;
                completed.push(job.checkpoint({ full, kind: c.savepoint ? 'savepoint' : 'checkpoint' }).id);
                break;
              }
              case 'failed-ckpt':
                job.checkpoint({ fail: true });
                break;
              case 'crash': {
                // Restore from one of the newest restore targets, maybe at another parallelism.
                const targets = store.history().filter((r) => r.status === 'completed' && r.retainedAsBase !== true);
                const target = targets[Math.min(c.back, targets.length - 1)];
                if (target === undefined) break;
                const plan = store.restorePlan(target.id)!;
                expect(plan.checkpoint).toBe(target.id);
                const restored = readRestoreMap(dir, plan, workerRanges(MAXP, c.parallelism));
                expect(sortedState(restored)).toEqual(sortedState(job.snapshots.get(target.id)!));
                job.restoreFrom(target.id, c.parallelism);
                break;
              }
              case 'retain':
                store.retain(c.k);
                expect(store.history().filter((r) => r.kind === 'checkpoint' && r.status === 'completed' && r.retainedAsBase !== true).length).toBeLessThanOrEqual(c.k);
                checkNoGarbage(dir, store);
                checkAllTargets(dir, store, job, split);
                break;
              case 'delete-savepoint': {
                const sps = store.history().filter((r) => r.kind === 'savepoint' && r.status === 'completed' && r.retainedAsBase !== true);
                if (sps.length === 0) break;
                store.deleteSavepoint(sps[c.pick % sps.length]!.id);
                checkNoGarbage(dir, store);
                checkAllTargets(dir, store, job, split);
                break;
              }
            }
          }
          job.checkpoint();
          checkAllTargets(dir, store, job, split);
          store.retain(1);
          checkNoGarbage(dir, store);
          checkAllTargets(dir, store, job, split);
        } finally {
          store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('rescale', () => {
  it('parts of 2 workers restore exactly at 3 workers and at 1 worker, through an incremental chain', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const store = CheckpointStore.open(dir);
    const job = new ModelJob(dir, store, 2, 128);
    for (let i = 0; i < 5000; i++) job.put('count', `user-${i}`, { c: i, s: i * 3 });
    for (let i = 0; i < 500; i++) job.put('window', `user-${i}`, [i, i + 1]);
    job.checkpoint({ full: true });
    expect(store.parts(checkpointId(1)).map((p) => p.keyGroups)).toEqual([
      { start: 0, end: 63 },
      { start: 64, end: 127 },
    ]);
    for (let i = 0; i < 5000; i += 7) job.delete('count', `user-${i}`);
    for (let i = 0; i < 5000; i += 11) job.put('count', `user-${i}`, { c: -i });
    job.checkpoint();
    for (let i = 0; i < 300; i += 2) job.delete('window', `user-${i}`);
    for (let i = 5000; i < 5100; i++) job.put('count', `user-${i}`, { c: i });
    job.checkpoint();

    const plan = store.restorePlan()!;
    expect(plan.checkpoint).toBe(3);
    expect(plan.chain.map((l) => l.checkpoint)).toEqual([3, 2, 1]);
    const want = sortedState(job.snapshots.get(checkpointId(3))!);
    const three = [0, 1, 2].map((w) => keyGroupRangeForWorker(128, 3, w));
    expect(three).toEqual([
      { start: 0, end: 42 },
      { start: 43, end: 85 },
      { start: 86, end: 127 },
    ]);
    expect(sortedState(readRestoreMap(dir, plan, three))).toEqual(want);
    expect(sortedState(readRestoreMap(dir, plan, [{ start: 0, end: 127 }]))).toEqual(want);

    // Operator filter, operator state and positions of the restored checkpoint.
    const data = readRestore(dir, plan, { start: 43, end: 85 }, ['window']);
    const windows = [...data.entries];
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.every((e) => e.operator === 'window' && e.keyGroup >= 43 && e.keyGroup <= 85)).toBe(true);
    expect(data.operatorState).toEqual([{}, {}]); // filtered to 'window': the parts hold only op-w0 / op-w1
    const all = readRestore(dir, plan, { start: 0, end: 127 });
    expect(all.operatorState).toEqual([{ 'op-w0': { checkpoint: 3 } }, { 'op-w1': { checkpoint: 3 } }]);
    expect(all.sourcePositions).toEqual({ 'split-0': { offset: 30 }, 'split-1': { offset: 31 } });

    // After restoring at parallelism 3, an incremental checkpoint of 3 workers builds on the chain.
    job.restoreFrom(checkpointId(3), 3);
    for (let i = 0; i < 100; i++) job.put('count', `user-${i}`, { c: 'after-rescale' });
    job.checkpoint();
    const plan4 = store.restorePlan()!;
    expect(plan4.chain.map((l) => l.checkpoint)).toEqual([4, 3, 2, 1]);
    expect(sortedState(readRestoreMap(dir, plan4, workerRanges(128, 2)))).toEqual(sortedState(job.snapshots.get(checkpointId(4))!));
    store.close();
  });

  it('entries can be iterated twice and closing early releases the files', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const store = CheckpointStore.open(dir);
    const job = new ModelJob(dir, store, 1, 16);
    for (let i = 0; i < 3000; i++) job.put('o', `k${i}`, i);
    job.checkpoint({ full: true });
    for (let i = 0; i < 3000; i += 2) job.put('o', `k${i}`, -i);
    job.checkpoint();
    const data = readRestore(dir, store.restorePlan()!, { start: 0, end: 15 });
    let n = 0;
    for (const _ of data.entries) if (++n === 10) break;
    expect([...data.entries]).toHaveLength(3000);
    expect([...data.entries]).toHaveLength(3000);
    // All readers closed: the files can be deleted by retention right away.
    job.checkpoint({ full: true });
    store.retain(1);
    expect(listPartFiles(dir)).toEqual(['parts/ckpt-000003-w0.db']);
    store.close();
  });
});

describe('bytes read by a restore', () => {
  it('counts the stored state text each worker reads; the workers of a rescale add up to a whole restore', () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const store = CheckpointStore.open(dir);
    try {
      const values = Array.from({ length: 200 }, (_, i) => ({ key: `key-${i}`, value: { count: i, window: [1_000, 2_000] } }));
      const entries = values.map((v) => ({ operator: 'op1/windows', keyGroup: keyGroupForKey(v.key, MAXP), key: v.key, value: JSON.stringify(v.value) }));
      store.begin(checkpointId(1), 'checkpoint', Date.now(), 1, MAXP);
      const ref = writePart(dir, { checkpoint: checkpointId(1), worker: 0, entries, operatorState: {}, sourcePositions: {}, full: true, keyGroups: { start: 0, end: MAXP - 1 }, valuesAreJson: true });
      store.complete(checkpointId(1), { triggerTs: 0, durationMs: 1, syncMs: 0, asyncMs: 0, alignmentMs: 0, fullSizeBytes: ref.bytes, checkpointedSizeBytes: ref.bytes, numKeys: values.length }, [ref]);
      const plan = store.restorePlan()!;

      const whole = readRestore(dir, plan, { start: 0, end: MAXP - 1 });
      expect(whole.bytesRead()).toBe(0); // nothing is read before the entries are iterated
      expect([...whole.entries]).toHaveLength(values.length);
      const stored = entries.reduce((n, e) => n + JSON.stringify(e.key).length + e.value.length, 0);
      // The stored text is the keys and values as JSON arrays: their texts plus separators.
      expect(whole.bytesRead()).toBeGreaterThanOrEqual(stored);
      expect(whole.bytesRead()).toBeLessThan(stored + 4 * values.length);

      const parts = workerRanges(MAXP, 3).map((r) => readRestore(dir, plan, r));
      for (const p of parts) expect([...p.entries].length).toBeGreaterThan(0);
      expect(parts.reduce((n, p) => n + p.bytesRead(), 0)).toBe(whole.bytesRead());
    } finally {
      store.close();
    }
  });
});
