/**
 * Rescale: a savepoint taken at parallelism 2 is resumed at parallelism 1 and at 3. Key
 * groups are redistributed; each resumed run must finish with exactly the result of an
 * uninterrupted run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import type { JobSpec } from '../../src/engine/job/spec.js';
import { generatedRecord } from '../../src/engine/connectors/generator.js';
import { readTable, spec, tempDir, waitFor, windowResults } from '../helpers/jobs.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const count = 200_000;
const doc = (parallelism: number, out: string): Record<string, unknown> => ({
  name: 'rescale',
  parallelism,
  source: { type: 'generator', seed: 11, count, keys: 3000, eventsPerSecond: 50_000, eventTimeRate: 20_000 },
  pipeline: [{ keyBy: 'key' }, { window: { type: 'sliding', size: '2s', slide: '1s' } }, { aggregate: { count: true } }],
  checkpoint: { interval: '300ms' },
  sink: { type: 'sqlite', path: out, table: 'results' },
});

function expected(): Map<string, number> {
  const opts = { seed: 11, count, keys: 3000, eventsPerSecond: 50_000, skew: 0, startTs: 1_700_000_000_000, eventTimeRate: 20_000, splits: 16 };
  const m = new Map<string, number>();
  for (let j = 0; j < count; j++) {
    const r = generatedRecord(opts, j);
    const ts = r['ts'] as number;
    const last = ts - (ts % 1000);
    for (const start of [last, last - 1000]) {
      const k = `${String(r['key'])}|${start}|${start + 2000}`;
      m.set(k, (m.get(k) ?? 0) + 1);
    }
  }
  return m;
}

async function runToEnd(s: JobSpec, restoreFrom: { checkpointDir: string; checkpoint: number }): Promise<void> {
  const jm = new JobManager(s, { stateDir: path.join(dir, `state-${s.parallelism}`), restoreFrom });
  await jm.start();
  expect(jm.workers()).toHaveLength(s.parallelism);
  const r = await jm.done;
  expect(r.state).toBe('FINISHED');
}

describe('rescale from a savepoint', () => {
  it('resumes a parallelism-2 savepoint at parallelism 1 and 3 with the same final result', async () => {
    const first = new JobManager(spec(doc(2, 'out.db'), dir), { stateDir: path.join(dir, 'state-2') });
    await first.start();
    await waitFor(() => first.checkpoints(5).filter((c) => c.status === 'completed').length >= 2, { timeoutMs: 30_000, message: 'two checkpoints' });
    const sp = await first.stopWithSavepoint();
    expect((await first.done).state).toBe('CANCELED');
    const committed = readTable(path.join(dir, 'out.db'), 'results').length;
    expect(committed).toBeGreaterThan(0); // the savepoint committed the output before it

    const want = expected();
    for (const p of [1, 3]) {
      const out = `out-p${p}.db`;
      fs.copyFileSync(path.join(dir, 'out.db'), path.join(dir, out));
      for (const ext of ['-wal', '-shm']) if (fs.existsSync(path.join(dir, `out.db${ext}`))) fs.copyFileSync(path.join(dir, `out.db${ext}`), path.join(dir, `${out}${ext}`));
      await runToEnd(spec(doc(p, out), dir), sp);
      const got = windowResults(readTable(path.join(dir, out), 'results'));
      expect(got.size).toBe(want.size);
      let wrong = 0;
      for (const [k, v] of want) if (got.get(k) !== v) wrong++;
      expect(wrong).toBe(0);
    }
  }, 180_000);
});
