/**
 * Reports (does not assert) checkpoint write and restore timings. 100k keys by default;
 * set SLUICE_CKPT_PERF=1 for the 1M-key numbers the project targets (incremental 1% of 1M
 * ≤ 100 ms, full 1M ≤ 1.5 s, restore 1M ≤ 1 s).
 */
import fs from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { keyGroupForKey } from '../core/keygroups.js';
import { checkpointId } from '../core/types.js';
import { writePart } from './part-file.js';
import { readRestore } from './restore.js';
import { CheckpointStore } from './store.js';
import { makeTempDir } from './test-model.js';
import type { StateEntry } from './types.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const sizes = process.env.SLUICE_CKPT_PERF === '1' ? [100_000, 1_000_000] : [100_000];
const ms = (t0: number): number => Math.round(performance.now() - t0);
const stats = { triggerTs: 0, durationMs: 0, syncMs: 0, asyncMs: 0, alignmentMs: 0, fullSizeBytes: 0, checkpointedSizeBytes: 0, numKeys: 0 };

function entries(n: number, from: number, tag: number, json: boolean): StateEntry[] {
  const out: StateEntry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const key = `user-${from + i}`;
    const value = { c: (i * 7 + tag) % 1000, s: (i * 13) % 10000 };
    out[i] = { operator: 'count', keyGroup: keyGroupForKey(key, 128), key, value: json ? JSON.stringify(value) : value };
  }
  return out;
}

for (const n of sizes) {
  it(`reports timings for ${n.toLocaleString('en')} keys`, () => {
    const lines: string[] = [];
    for (const valuesAreJson of [false, true]) {
      const dir = makeTempDir('sluice-perf-');
      dirs.push(dir);
      const store = CheckpointStore.open(dir);
      const full = entries(n, 0, 0, valuesAreJson);
      store.begin(checkpointId(1), 'checkpoint', 0, 1, 128);
      let t0 = performance.now();
      const p1 = writePart(dir, { checkpoint: checkpointId(1), worker: 0, entries: full, operatorState: {}, sourcePositions: {}, full: true, keyGroups: { start: 0, end: 127 }, valuesAreJson });
      const fullMs = ms(t0);
      store.complete(checkpointId(1), stats, [p1]);

      // 1% of the keys changed, spread over the whole key space.
      const changed = entries(n, 0, 1, valuesAreJson).filter((_, i) => i % 100 === 0);
      store.begin(checkpointId(2), 'checkpoint', 0, 1, 128);
      t0 = performance.now();
      const p2 = writePart(dir, { checkpoint: checkpointId(2), worker: 0, entries: changed, operatorState: {}, sourcePositions: {}, full: false, keyGroups: { start: 0, end: 127 }, valuesAreJson });
      const incrMs = ms(t0);
      store.complete(checkpointId(2), stats, [p2]);

      t0 = performance.now();
      const plan = store.restorePlan()!;
      const planMs = ms(t0);
      t0 = performance.now();
      let count = 0;
      let check = 0;
      for (const e of readRestore(dir, plan, { start: 0, end: 127 }).entries) {
        count++;
        check += (e.value as { c: number }).c;
      }
      const restoreMs = ms(t0);
      expect(count).toBe(n);
      expect(check).toBeGreaterThan(0);

      const plan1 = store.restorePlan(checkpointId(1))!;
      t0 = performance.now();
      let count1 = 0;
      for (const _ of readRestore(dir, plan1, { start: 0, end: 127 }).entries) count1++;
      const restoreFullMs = ms(t0);
      expect(count1).toBe(n);
      store.close();
      lines.push(
        `${n.toLocaleString('en')} keys${valuesAreJson ? ' (valuesAreJson)' : ''}: full part ${fullMs} ms (${(p1.bytes / 1e6).toFixed(1)} MB), ` +
          `incremental ${changed.length.toLocaleString('en')} ${incrMs} ms, restorePlan (verify chain) ${planMs} ms, ` +
          `restore full+incremental ${restoreMs} ms, restore full only ${restoreFullMs} ms`,
      );
    }
    console.info(lines.join('\n'));
  }, 600_000);
}
