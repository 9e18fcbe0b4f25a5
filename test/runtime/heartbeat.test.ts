/**
 * A hung worker (SIGSTOP: alive, but silent) is detected by the heartbeat timeout, the
 * job fails over and finishes with the exact result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { readTable, spec, tempDir, waitFor } from '../helpers/jobs.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('heartbeat', () => {
  it('detects a hung worker and recovers', async () => {
    const s = spec(
      {
        name: 'heartbeat',
        parallelism: 2,
        source: { type: 'generator', seed: 2, count: 60_000, keys: 500, eventsPerSecond: 15_000 },
        pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '1s' } }, { aggregate: { count: true } }],
        checkpoint: { interval: '300ms' },
        restart: { strategy: 'fixed-delay', attempts: 3, delay: 0 },
        sink: { type: 'sqlite', path: 'out.db', table: 'results' },
      },
      dir,
    );
    const jm = new JobManager(s, { stateDir: path.join(dir, 'state'), heartbeatTimeoutMs: 2000 });
    await jm.start();
    await waitFor(() => jm.checkpoints(2).some((c) => c.status === 'completed'), { timeoutMs: 30_000, message: 'a checkpoint' });
    const victim = jm.workers()[1]!.pid;
    process.kill(victim, 'SIGSTOP');
    const r = await jm.done;
    expect(r.state).toBe('FINISHED');
    expect(r.failures[0]!.reason).toMatch(/worker 1 .* sent no heartbeat for \d+ ms/);
    expect(fs.existsSync(`/proc/${victim}`)).toBe(false); // the hung process was killed, not left behind
    const rows = readTable(path.join(dir, 'out.db'), 'results');
    expect(rows.reduce((a, row) => a + (row['value'] as number), 0)).toBe(60_000);
  }, 90_000);
});
