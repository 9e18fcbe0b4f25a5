/**
 * Crash during checkpoints: over several seeds a worker dies at a point of the checkpoint
 * write path (before its part is written, after it is written but before the ack, after
 * the ack but before the checkpoint completes) — and, on top, another worker is SIGKILLed
 * from outside at a random moment. Afterwards every checkpoint file passes
 * `PRAGMA integrity_check`, every restore used a checkpoint that completed (never a
 * mix), and the output is exactly once.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import type { CheckpointWritePoint } from '../../src/engine/runtime/messages.js';
import { generatedRecord } from '../../src/engine/connectors/generator.js';
import { readTable, spec, tempDir, waitFor, windowResults } from '../helpers/jobs.js';

const root = tempDir();
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const count = 120_000;
const gen = { seed: 5, count, keys: 2000, eventsPerSecond: 30_000, skew: 0, startTs: 1_700_000_000_000, eventTimeRate: 10_000, splits: 16 };

function expected(): Map<string, number> {
  const m = new Map<string, number>();
  for (let j = 0; j < count; j++) {
    const r = generatedRecord(gen, j);
    const ts = r['ts'] as number;
    const start = ts - (ts % 1000);
    const k = `${String(r['key'])}|${start}|${start + 1000}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

function integrityOk(file: string): boolean {
  const db = new Database(file, { readonly: true });
  try {
    return (db.pragma('integrity_check', { simple: true }) as string) === 'ok';
  } finally {
    db.close();
  }
}

const points: CheckpointWritePoint[] = ['before-part-write', 'after-part-write', 'after-ack'];

describe('crash during checkpoint', () => {
  const want = expected();
  for (const [seed, point] of points.flatMap((p, i) => [[i * 2 + 1, p] as const, [i * 2 + 2, p] as const])) {
    it(`seed ${seed}: worker dies ${point}, another is killed at random — exactly once`, async () => {
      const dir = path.join(root, `seed-${seed}`);
      fs.mkdirSync(dir);
      const s = spec(
        {
          name: 'crash-during-checkpoint',
          parallelism: 2,
          source: { type: 'generator', ...gen, startTs: undefined, splits: undefined },
          pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '1s' } }, { aggregate: { count: true } }],
          checkpoint: { interval: '200ms', retain: 2, fullEvery: 3 },
          restart: { strategy: 'fixed-delay', attempts: 20, delay: 0 },
          sink: { type: 'sqlite', path: 'out.db', table: 'results' },
        },
        dir,
      );
      const stateDir = path.join(dir, 'state');
      const jm = new JobManager(s, { stateDir, keepCheckpoints: true, crashPoint: { worker: seed % 2, checkpoint: 2 + (seed % 3), point } });
      const restoredFrom: (number | null)[] = [];
      const completed = new Set<number>();
      jm.on('checkpoint', (c) => c.status === 'completed' && completed.add(c.id));
      jm.on('recovered', (f) => f.caughtUpMs === null && restoredFrom.push(f.restoredFrom));
      await jm.start();
      // The injected crash happens by itself; then one more kill from outside, mid-run.
      await waitFor(() => jm.failureHistory().length >= 1 || jm.state === 'FINISHED', { timeoutMs: 60_000, message: 'the injected crash' });
      await waitFor(() => jm.state === 'RUNNING' || jm.state === 'FINISHED', { timeoutMs: 60_000, message: 'running again' });
      await new Promise((r) => setTimeout(r, 100 + ((seed * 137) % 400)));
      if (jm.state === 'RUNNING') jm.killWorker((seed + 1) % 2);
      const result = await jm.done;
      expect(result.state).toBe('FINISHED');
      expect(result.failures.length).toBeGreaterThanOrEqual(1);
      // Every restore used a checkpoint that had completed.
      for (const id of restoredFrom) if (id !== null) expect(completed.has(id)).toBe(true);

      const ckptDir = path.join(stateDir, 'checkpoints');
      expect(integrityOk(path.join(ckptDir, 'checkpoints.db'))).toBe(true);
      for (const f of fs.readdirSync(path.join(ckptDir, 'parts')).filter((f) => f.endsWith('.db'))) {
        expect(integrityOk(path.join(ckptDir, 'parts', f))).toBe(true);
      }
      const got = windowResults(readTable(path.join(dir, 'out.db'), 'results'));
      expect(got.size).toBe(want.size);
      let wrong = 0;
      for (const [k, v] of want) if (got.get(k) !== v) wrong++;
      expect(wrong).toBe(0);
    }, 120_000);
  }
});
