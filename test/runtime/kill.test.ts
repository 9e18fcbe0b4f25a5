/**
 * The kill test (issue: parallel runtime, "done means"): a keyed windowed job over a
 * million generated events, parallelism 2, checkpoints every 500 ms, a random worker
 * SIGKILLed every 2–5 s at least five times. The transactional SQLite sink's final
 * output must equal the exact expected result: no loss, no duplicates.
 */
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { generatedRecord } from '../../src/engine/connectors/generator.js';
import { readTable, spec, tempDir, waitFor, windowResults } from '../helpers/jobs.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Deterministic pseudo-random numbers for the kill schedule (a test must be replayable). */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('kill test', () => {
  it('survives ≥ 5 SIGKILLs of random workers with an exactly-once result', async () => {
    const count = 1_000_000;
    const s = spec(
      {
        name: 'kill-test',
        parallelism: 2,
        guarantee: 'exactly-once',
        source: { type: 'generator', seed: 7, count, keys: 10000, eventsPerSecond: 40000 },
        pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '2s' } }, { aggregate: { count: true } }],
        checkpoint: { interval: '500ms', retain: 3 },
        restart: { strategy: 'fixed-delay', attempts: 50, delay: '100ms' },
        sink: { type: 'sqlite', path: 'out.db', table: 'results' },
      },
      dir,
    );
    const jm = new JobManager(s, { stateDir: path.join(dir, 'state') });
    await jm.start();
    const rnd = mulberry32(42);
    let kills = 0;
    const log: string[] = [];
    jm.on('log', (l) => log.push(l));
    jm.on('recovered', (f) => log.push(`recovered from ${f.restoredFrom} (attempt ${f.attempt})`));
    const killer = (async () => {
      while (kills < 6) {
        await new Promise((r) => setTimeout(r, 2000 + rnd() * 3000));
        if (jm.state === 'FINISHED') break;
        await waitFor(() => jm.state === 'RUNNING' || jm.state === 'FINISHED', { timeoutMs: 30_000, message: 'job back to RUNNING' });
        if (jm.state !== 'RUNNING') break;
        jm.killRandomWorker(rnd);
        kills++;
      }
    })();
    const result = await jm.done;
    const killerError = await killer.then(() => null, (e: unknown) => e);
    if (result.state !== 'FINISHED' || killerError !== null) console.error(log.join('\n'));
    expect(killerError).toBeNull();
    expect(result.state).toBe('FINISHED');
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(result.failures.length).toBe(kills);

    // The exact expected result, computed from the generator's definition.
    const opts = { seed: 7, count, keys: 10000, eventsPerSecond: 40000, skew: 0, startTs: 1_700_000_000_000, eventTimeRate: 40000, splits: 16 };
    const expected = new Map<string, number>();
    for (let j = 0; j < count; j++) {
      const r = generatedRecord(opts, j);
      const ts = r['ts'] as number;
      const start = ts - (ts % 2000);
      const k = `${String(r['key'])}|${start}|${start + 2000}`;
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    const rows = readTable(path.join(dir, 'out.db'), 'results');
    const seen = new Map<string, unknown[]>();
    for (const r of rows) {
      const k = `${String(r['key'])}|${String(r['windowStart'])}|${String(r['windowEnd'])}`;
      seen.set(k, [...(seen.get(k) ?? []), r['value']]);
    }
    const dups = [...seen].filter(([, v]) => v.length > 1);
    if (dups.length > 0) console.error(`duplicates: ${dups.length}, e.g. ${JSON.stringify(dups.slice(0, 5))}\n${log.join('\n')}\n${JSON.stringify(result.checkpoints.map((c) => [c.id, c.status]))}`);
    expect(dups.length).toBe(0);
    const actual = windowResults(rows);
    expect(actual.size).toBe(expected.size);
    let mismatched = 0;
    for (const [k, v] of expected) if (actual.get(k) !== v) mismatched++;
    expect(mismatched).toBe(0);
  }, 240_000);
});
