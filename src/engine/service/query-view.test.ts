/**
 * The console's queryView call on a real view: a speed layer over a bounded log (which
 * closes every bucket when the input ends), a batch layer at a cut-off in between, and
 * the merged answer through EngineService, checked against the contract's schema.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, ApiError } from '../../shared/api.js';
import { PartitionedLog } from '../connectors/log/index.js';
import { loadViewFile, runBatchLayer, startSpeedLayer } from '../lambda/index.js';
import { EngineService } from './engine-service.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-query-view-'));
const service = new EngineService({ dataDir: path.join(dir, 'data'), examplesDir: null, tickMs: 500 });
afterAll(async () => {
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;

describe('EngineService.queryView', () => {
  it('answers batch + speed merged at the cut-off; a view without a store is NOT_FOUND', async () => {
    const file = path.join(dir, 'orders.yaml');
    fs.writeFileSync(
      file,
      `view:
  name: orders
  store: orders.db
  source: { type: log, path: log, topic: orders, timestampField: ts, bounded: true }
  keyBy: customer
  aggregate: { orders: { count: true }, spent: { sum: price }, cheapest: { min: price } }
  bucket: 1s
`,
    );
    await expect(service.queryView({ view: file })).rejects.toMatchObject({ code: 'NOT_FOUND' } satisfies Partial<ApiError>);

    const log = PartitionedLog.open(path.join(dir, 'log'));
    log.createTopic('orders', 1);
    // c0: 3 orders before the cut-off (T0 + 2 s), 2 after; c1: 1 after.
    const recs = [
      { customer: 'c0', price: 5, ts: T0 + 100 },
      { customer: 'c0', price: 3, ts: T0 + 1500 },
      { customer: 'c0', price: 9, ts: T0 + 1900 },
      { customer: 'c0', price: 2, ts: T0 + 2100 },
      { customer: 'c1', price: 7, ts: T0 + 2500 },
      { customer: 'c0', price: 4, ts: T0 + 3200 },
    ];
    log.append('orders', 0, recs, recs.map((r) => r.ts));
    log.close();
    const loaded = loadViewFile(file);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const speed = await startSpeedLayer(loaded.view);
    expect((await speed.jm.done).state).toBe('FINISHED');
    await runBatchLayer(loaded.view, { cutoff: T0 + 2000 });

    const all = api.queryView.result.parse(await service.queryView({ view: file }));
    expect(all).toEqual({
      view: 'orders',
      cutoff: T0 + 2000,
      horizon: T0 + 4000,
      batchRuns: 1,
      rows: [
        { key: 'c0', value: { orders: 5, spent: 23, cheapest: 2 } },
        { key: 'c1', value: { orders: 1, spent: 7, cheapest: 7 } },
      ],
      truncated: false,
    });
    const one = await service.queryView({ view: file, key: 'c1' });
    expect(one.rows).toEqual([{ key: 'c1', value: { orders: 1, spent: 7, cheapest: 7 } }]);
  }, 120_000);
});
