/**
 * A sequence-number checker in the style of Flink's SemanticsCheckMapper: per-key
 * sequences through a keyed process function with checkpoints and SIGKILLed workers.
 * Every step must be exactly +1, and the last seq per key must be the key's count.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { readJsonl, spec, tempDir, waitFor } from '../helpers/jobs.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('per-key sequence checker', () => {
  it('sees every per-key step exactly +1 across SIGKILLs and restores', async () => {
    const keys = 50;
    const perKey = 4000;
    const lines: string[] = [];
    for (let i = 1; i <= perKey; i++) for (let k = 0; k < keys; k++) lines.push(JSON.stringify({ key: `k${k}`, seq: i, ts: i }));
    fs.writeFileSync(path.join(dir, 'input.jsonl'), lines.join('\n') + '\n');
    const s = spec(
      {
        name: 'semantics-check',
        parallelism: 2,
        source: { type: 'file', path: 'input.jsonl', format: 'jsonl', timestampField: 'ts', maxRecordsPerSecond: 40000 },
        pipeline: [{ keyBy: 'key' }, { process: { module: path.resolve(import.meta.dirname, '../fixtures/process/semantics-check.ts') } }],
        checkpoint: { interval: '100ms' },
        restart: { strategy: 'fixed-delay', attempts: 20, delay: '50ms' },
        sink: { type: 'file', path: 'out.jsonl', format: 'jsonl' },
      },
      dir,
    );
    const jm = new JobManager(s, { stateDir: path.join(dir, 'state') });
    await jm.start();
    let kills = 0;
    while (kills < 3 && jm.state !== 'FINISHED') {
      await waitFor(() => jm.state === 'RUNNING' || jm.state === 'FINISHED', { timeoutMs: 30_000, message: 'running again' });
      if (jm.state !== 'RUNNING') break;
      await waitFor(() => jm.checkpoints(1)[0]?.status === 'completed' || jm.state !== 'RUNNING', { timeoutMs: 30_000, message: 'a completed checkpoint' });
      if (jm.state !== 'RUNNING') break;
      jm.killWorker(kills % 2);
      kills++;
    }
    const result = await jm.done;
    expect(result.state).toBe('FINISHED');
    expect(kills).toBe(3);
    const out = readJsonl(path.join(dir, 'out.jsonl'));
    expect(out.filter((r) => 'alert' in r)).toEqual([]);
    const last = new Map(out.filter((r) => 'last' in r).map((r) => [r['key'], r['last']]));
    expect(last.size).toBe(keys);
    for (const v of last.values()) expect(v).toBe(perKey);
  }, 120_000);
});
