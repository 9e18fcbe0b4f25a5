/**
 * SQLite-resident state (`state.backend: sqlite`, for state larger than memory): the same
 * exactly-once result through worker kills and restores as with in-memory state.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { generatedRecord } from '../../src/engine/connectors/generator.js';
import { readTable, spec, tempDir, waitFor, windowResults } from '../helpers/jobs.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SQLite-resident state', () => {
  it('gives the exact result through two SIGKILLs', async () => {
    const count = 150_000;
    const gen = { seed: 9, count, keys: 20_000, eventsPerSecond: 30_000, skew: 0.8, startTs: 1_700_000_000_000, eventTimeRate: 20_000, splits: 16 };
    const s = spec(
      {
        name: 'sqlite-state',
        parallelism: 2,
        source: { type: 'generator', seed: 9, count, keys: 20_000, eventsPerSecond: 30_000, skew: 0.8, eventTimeRate: 20_000 },
        pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '2s' } }, { aggregate: { total: { sum: 'value' }, n: { count: true } } }],
        checkpoint: { interval: '300ms', fullEvery: 4 },
        restart: { strategy: 'fixed-delay', attempts: 10, delay: 0 },
        state: { backend: 'sqlite' },
        sink: { type: 'sqlite', path: 'out.db', table: 'results' },
      },
      dir,
    );
    const jm = new JobManager(s, { stateDir: path.join(dir, 'state') });
    await jm.start();
    for (let k = 0; k < 2; k++) {
      await waitFor(() => jm.checkpoints(3).some((c) => c.status === 'completed') || jm.state !== 'RUNNING', { timeoutMs: 30_000, message: 'a checkpoint' });
      await new Promise((r) => setTimeout(r, 700));
      await waitFor(() => jm.state === 'RUNNING' || jm.state === 'FINISHED', { timeoutMs: 30_000, message: 'running' });
      if (jm.state === 'RUNNING') jm.killWorker(k);
    }
    const r = await jm.done;
    expect(r.state).toBe('FINISHED');
    expect(r.failures.length).toBeGreaterThanOrEqual(1);

    const want = new Map<string, string>();
    const acc = new Map<string, { total: number; n: number }>();
    for (let j = 0; j < count; j++) {
      const rec = generatedRecord(gen, j);
      const ts = rec['ts'] as number;
      const start = ts - (ts % 2000);
      const k = `${String(rec['key'])}|${start}|${start + 2000}`;
      const a = acc.get(k) ?? { total: 0, n: 0 };
      a.total += rec['value'] as number;
      a.n++;
      acc.set(k, a);
    }
    for (const [k, v] of acc) want.set(k, JSON.stringify(v));
    const got = windowResults(readTable(path.join(dir, 'out.db'), 'results'));
    expect(got.size).toBe(want.size);
    let wrong = 0;
    for (const [k, v] of want) if (JSON.stringify(JSON.parse(String(got.get(k)))) !== v) wrong++;
    expect(wrong).toBe(0);
    expect(fs.existsSync(path.join(dir, 'state'))).toBe(false); // working state removed with the run
  }, 120_000);
});
