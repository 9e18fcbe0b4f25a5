/**
 * Kappa switch-over over the built-in log: v1 runs and is served; v2 replays the log from
 * the beginning beside it while input keeps arriving, catches up, compares clean and is
 * switched to; the served output then equals a batch recomputation of the whole input —
 * nothing lost, nothing duplicated. A version whose results differ is not switched to
 * unless forced.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PartitionedLog } from '../../src/engine/connectors/log/index.js';
import type { Rec } from '../../src/engine/core/types.js';
import { reprocess, ServingStore, type CatchUpProgress, type Reprocessing } from '../../src/engine/kappa/index.js';
import { tempDir, waitFor } from '../helpers/jobs.js';
import { closingTs, expectServedEqualsBatch, T0, writeDeployment } from './fixture.js';

describe('Kappa reprocessing over the built-in log', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('switches from v1 to a replayed v2 without losing or duplicating a result', async () => {
    const dir = tempDir('sluice-kappa-');
    const d = writeDeployment(dir, { name: 'counts_served', jobName: 'counts', source: '{ type: log, path: log, topic: events, timestampField: ts }', checkpointMs: 200 });

    const log = PartitionedLog.open(path.join(dir, 'log'));
    log.createTopic('events', 2);
    const events: Rec[] = [];
    let i = 0;
    const append = (n: number): void => {
      const parts: Rec[][] = [[], []];
      for (let j = 0; j < n; j++, i++) {
        const e = { key: `k${(i * 5) % 13}`, value: (i * 31) % 50, ts: T0 + i * 5 };
        events.push(e);
        parts[i % 2]!.push(e);
      }
      parts.forEach((recs, p) => log.append('events', p, recs, recs.map((r) => r['ts'] as number)));
    };
    append(3000);
    let feeder: NodeJS.Timeout | null = setInterval(() => append(50), 50);
    const stopFeeder = (): void => {
      if (feeder) clearInterval(feeder);
      feeder = null;
    };
    cleanups.push(() => (stopFeeder(), log.close()));
    const running: Reprocessing[] = [];
    cleanups.push(async () => {
      for (const r of running) await r.jm.cancel();
    });

    // v1: the first version is served once it caught up (nothing to compare with).
    const v1 = await reprocess({ deployment: d, version: 'v1', tickMs: 200 });
    running.push(v1);
    const o1 = await v1.outcome;
    expect(o1).toMatchObject({ switched: true, previous: null, diff: null, coverage: { covered: true } });

    // More input while v1 serves, then v2 replays everything from the beginning beside it.
    await waitFor(() => events.length > 8000, { timeoutMs: 60_000, message: 'more input' });
    const progress: CatchUpProgress[] = [];
    // Throttled, so the replay takes a few seconds and its catch-up can be watched.
    const v2 = await reprocess({ deployment: d, version: 'v2', tickMs: 200, overrides: ['source.maxRecordsPerSecond=2000'], onProgress: (p) => progress.push(p) });
    running.push(v2);
    const o2 = await v2.outcome;
    expect(o2.previous?.version).toBe('v1');
    expect(o2.diff?.clean).toBe(true);
    expect(o2.diff!.records.expected).toBeGreaterThan(0);
    expect(o2.switched).toBe(true);
    // It started behind, reported a rate, and ended caught up.
    expect(progress.some((p) => p.behind !== null && p.behind > 1000 && p.readRate > 0 && p.etaMs !== null && p.etaMs > 0)).toBe(true);
    expect(progress.at(-1)!.caughtUp).toBe(true);
    const serving = ServingStore.open(d.serving);
    expect(serving.served(d.name)?.version).toBe('v2');
    serving.close();

    // v1 can go; input ends with one far-future record that closes every real window.
    await v1.jm.cancel();
    stopFeeder();
    const closeTs = closingTs(events);
    log.append('events', 0, [{ key: 'close', value: 0, ts: closeTs }], [closeTs]);
    log.append('events', 1, [{ key: 'close', value: 0, ts: closeTs }], [closeTs]);
    // The served output against a batch recomputation of the whole input.
    await expectServedEqualsBatch(d, events, dir);

    // v3 computes something else: its diff is not clean, so it is not switched to — unless forced.
    const v3 = await reprocess({ deployment: d, version: 'v3', tickMs: 200, overrides: ['pipeline[2].aggregate.total.sum=ts'] });
    running.push(v3);
    const o3 = await v3.outcome;
    expect(o3.switched).toBe(false);
    expect(o3.diff!.clean).toBe(false);
    expect(o3.diff!.records.mismatched).toBeGreaterThan(0);
    await v3.jm.cancel();
    const again = ServingStore.open(d.serving);
    expect(again.served(d.name)?.version).toBe('v2');
    again.close();
    const v4 = await reprocess({ deployment: d, version: 'v4', tickMs: 200, overrides: ['pipeline[2].aggregate.total.sum=ts'], force: true });
    running.push(v4);
    const o4 = await v4.outcome;
    expect(o4).toMatchObject({ switched: true, forced: true, diff: { clean: false } });
    await v4.jm.cancel();
    const forced = ServingStore.open(d.serving);
    expect(forced.served(d.name)?.version).toBe('v4');
    forced.close();
    await expect(reprocess({ deployment: d, version: 'v2' })).rejects.toThrow(/already has an output table/);
  }, 300_000);
});
