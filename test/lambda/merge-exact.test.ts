/**
 * The Lambda merge is exact while the cut-off moves: a speed layer runs in real worker
 * processes over the built-in log while events keep arriving; the batch layer advances
 * the cut-off several times; at every step the merged view equals a full batch
 * recomputation over every event with event time < the view's horizon.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeBatchResult } from '../../src/engine/batch/index.js';
import { PartitionedLog } from '../../src/engine/connectors/log/index.js';
import type { Rec } from '../../src/engine/core/types.js';
import { runBatchLayer, startSpeedLayer, validateViewObject, viewAggregateSpec, ViewStore, CutoffError, type ViewAnswer, type ViewSpec } from '../../src/engine/lambda/index.js';
import { spec, tempDir, waitFor } from '../helpers/jobs.js';

const T0 = 1_700_000_000_000;
const BUCKET = 500;
const STEP_MS = 10; // event time between consecutive events

function makeView(dir: string): ViewSpec {
  const r = validateViewObject(
    {
      view: {
        name: 'clicks_by_user',
        store: 'view.db',
        source: { type: 'log', path: 'log', topic: 'clicks', timestampField: 'ts' },
        steps: [{ filter: 'value != 13' }],
        keyBy: 'user',
        aggregate: { n: { count: true }, total: { sum: 'value' }, lo: { min: 'value' }, hi: { max: 'value' }, mean: { avg: 'value' } },
        bucket: `${BUCKET}ms`,
        parallelism: 2,
        checkpoint: '200ms',
      },
    },
    dir,
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.view;
}

/** What the view must answer: the user's aggregates over every event with ts < horizon, recomputed from scratch. */
async function fullRecomputation(view: ViewSpec, events: readonly Rec[], horizon: number, dir: string): Promise<ViewAnswer['rows']> {
  const job = spec(
    {
      name: 'full',
      mode: 'batch',
      source: { type: 'file', path: 'unused.jsonl', timestampField: 'ts' },
      pipeline: [{ filter: 'value != 13' }, { keyBy: 'user' }, { aggregate: { n: { count: true } } }],
      sink: { type: 'file', path: 'unused-out.jsonl' },
    },
    dir,
  );
  const pipeline = job.pipeline.map((s) => (s.kind === 'aggregate' ? { kind: 'aggregate' as const, aggregate: viewAggregateSpec(view.aggregates) } : s));
  const upTo = events.filter((e) => (e['ts'] as number) < horizon);
  const out = await computeBatchResult({ ...job, pipeline }, upTo);
  return out
    .map((r) => ({ key: String(r['key']), value: r['value'] as Record<string, number | null> }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

describe('Lambda serving view', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('merges batch and speed layers exactly while the cut-off advances and events keep arriving', async () => {
    const dir = tempDir('sluice-lambda-');
    const view = makeView(dir);
    const log = PartitionedLog.open(path.join(dir, 'log'));
    log.createTopic('clicks', 2);
    const events: Rec[] = [];
    let i = 0;
    const append = (n: number): void => {
      const byPartition: Rec[][] = [[], []];
      for (let j = 0; j < n; j++, i++) {
        const e = { user: `u${(i * 7) % 11}`, value: (i * 37) % 100, ts: T0 + i * STEP_MS };
        events.push(e);
        byPartition[i % 2]!.push(e);
      }
      byPartition.forEach((recs, p) => log.append('clicks', p, recs, recs.map((r) => r['ts'] as number)));
    };
    append(400);
    const feeder = setInterval(() => append(40), 50);
    cleanups.push(async () => {
      clearInterval(feeder);
      log.close();
    });

    const speed = await startSpeedLayer(view);
    cleanups.push(async () => void (await speed.jm.cancel()));

    const store = ViewStore.open(view);
    cleanups.push(async () => store.close());

    let lastCutoff = T0;
    const cutoffs: number[] = [];
    for (let step = 0; step < 4; step++) {
      // Let the speed layer get a few buckets beyond the current cut-off.
      await waitFor(() => (store.horizon() ?? 0) >= lastCutoff + 3 * BUCKET, { timeoutMs: 60_000, message: `speed horizon past ${lastCutoff + 3 * BUCKET}`, intervalMs: 50 });

      // Before advancing: the merged view is exact.
      const before = store.query();
      expect(before.rows).toEqual(await fullRecomputation(view, events, before.horizon!, dir));

      const cutoff = store.horizon()!;
      const run = await runBatchLayer(view, { cutoff });
      expect(run.cutoff).toBe(cutoff);
      cutoffs.push(cutoff);
      lastCutoff = cutoff;

      // After advancing (events still arriving): exact again, and the cut-off is the new one.
      const after = store.query();
      expect(after.cutoff).toBe(cutoff);
      expect(after.horizon!).toBeGreaterThanOrEqual(cutoff);
      expect(after.rows).toEqual(await fullRecomputation(view, events, after.horizon!, dir));
      const one = store.query('u3');
      expect(one.rows).toEqual((await fullRecomputation(view, events, one.horizon!, dir)).filter((r) => r.key === 'u3'));
    }
    expect(new Set(cutoffs).size).toBe(4);
    expect(store.query().batchRuns).toBe(4);

    // A cut-off beyond what the speed layer has closed, off a bucket boundary or backwards is refused, with the reason.
    await expect(runBatchLayer(view, { cutoff: lastCutoff + 1000 * BUCKET })).rejects.toThrow(/beyond the speed layer's horizon/);
    await expect(runBatchLayer(view, { cutoff: lastCutoff + 1 })).rejects.toThrow(CutoffError);
    await expect(runBatchLayer(view, { cutoff: lastCutoff - BUCKET })).rejects.toThrow(/only moves forward/);
  }, 240_000);
});
