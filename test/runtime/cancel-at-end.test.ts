/**
 * A cancel that lands while a bounded job commits its final output (the input has ended
 * everywhere) ends the job as CANCELED. It used to let the final commit try to move
 * CANCELLING → FINISHED, an illegal transition thrown from a floating promise, which
 * crashed the host process (seen in the recovery benchmark).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointStore } from '../../src/engine/checkpoint/store.js';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { spec, tempDir } from '../helpers/jobs.js';

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => void vi.restoreAllMocks());

describe('cancel during the final commit', () => {
  it('ends CANCELED, with no illegal state transition', async () => {
    const s = spec(
      {
        name: 'cancel-at-end',
        parallelism: 2,
        source: { type: 'generator', seed: 3, count: 5_000, keys: 50 },
        pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '1s' } }, { aggregate: { count: true } }],
        checkpoint: { interval: '200ms' },
        sink: { type: 'sqlite', path: 'out.db', table: 'results' },
      },
      dir,
    );
    const jm = new JobManager(s, { stateDir: path.join(dir, 'state'), keepCheckpoints: true });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    // The final commit marks its checkpoint "failed" (it carries no state) right after the
    // sinks committed and before the job moves to FINISHED: cancel exactly there.
    let cancelled: Promise<unknown> | null = null;
    const fail = CheckpointStore.prototype.fail;
    vi.spyOn(CheckpointStore.prototype, 'fail').mockImplementation(function (this: CheckpointStore, ...args: Parameters<typeof fail>) {
      const r = fail.apply(this, args);
      if (String(args[1]).startsWith('final sink commit') && cancelled === null) cancelled = jm.cancel();
      return r;
    });
    try {
      await jm.start();
      const r = await jm.done;
      expect(cancelled, 'the final commit was reached').not.toBeNull();
      await cancelled;
      expect(r.state).toBe('CANCELED');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 60_000);
});
