/**
 * Backpressure: an unbounded, unthrottled source feeds a deliberately slow sink. Credits
 * run out, the source stage waits — its backPressuredTimeMsPerSecond goes toward 1000 —
 * and worker memory stays bounded however long it runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import type { WorkerMetrics } from '../../src/engine/metrics/worker-metrics.js';
import { spec, tempDir, waitFor } from '../helpers/jobs.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('backpressure', () => {
  it('a slow sink backpressures the source; memory stays bounded', async () => {
    const s = spec(
      {
        name: 'backpressure',
        parallelism: 2,
        guarantee: 'at-least-once',
        source: { type: 'generator', seed: 1, keys: 1000 },
        pipeline: [{ keyBy: 'key' }, { map: { key: 'key', v: 'value' } }],
        sink: { type: 'file', path: 'out.jsonl', format: 'jsonl' },
      },
      dir,
    );
    const jm = new JobManager(s, { stateDir: path.join(dir, 'state'), sinkDelayMs: 0.2 });
    const samples: WorkerMetrics[] = [];
    jm.on('metrics', (m) => samples.push(m));
    await jm.start();
    await waitFor(() => samples.length >= 16, { timeoutMs: 60_000, message: '8 s of metrics' });
    await jm.cancel();

    // Per worker: backpressured ms per second of the source stage over the last samples.
    for (const w of [0, 1]) {
      const mine = samples.filter((m) => m.worker === w);
      const a = mine[mine.length - 4]!;
      const b = mine[mine.length - 1]!;
      const seconds = (b.ts - a.ts) / 1000;
      const bp = (b.subtasks[0]!.backPressuredTimeMs - a.subtasks[0]!.backPressuredTimeMs) / seconds;
      expect(bp).toBeGreaterThan(500);
      // Memory: the heap stays small while an unbounded source runs flat out.
      const maxHeap = Math.max(...mine.map((m) => m.heapUsedBytes));
      expect(maxHeap).toBeLessThan(256 * 1024 * 1024);
      // Records keep flowing (slowly): it is backpressure, not a deadlock.
      expect(b.subtasks[1]!.numRecordsIn).toBeGreaterThan(a.subtasks[1]!.numRecordsIn);
    }
  }, 90_000);
});
