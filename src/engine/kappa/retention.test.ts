import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PartitionedLog } from '../connectors/log/index.js';
import { validateJobSpecObject } from '../job/index.js';
import { checkCoverage } from './retention.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-retention-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function logJob() {
  const r = validateJobSpecObject(
    { name: 'j', source: { type: 'log', path: 'log', topic: 'ev' }, pipeline: [{ keyBy: 'k' }, { aggregate: { count: true } }], sink: { type: 'file', path: 'o.jsonl' } },
    dir,
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

describe('retention coverage of the built-in log', () => {
  it('warns with the earliest available offset once retention deleted the head of a partition', async () => {
    const log = PartitionedLog.open(path.join(dir, 'log'));
    log.createTopic('ev', 2, { maxRecords: 30 });
    const recs = Array.from({ length: 50 }, (_, i) => ({ k: `k${i}` }));
    log.append('ev', 0, recs);
    log.append('ev', 1, recs.slice(0, 20));
    expect((await checkCoverage(logJob(), { from: 'earliest' })).covered).toBe(true);
    log.enforceRetention();
    const cov = await checkCoverage(logJob(), { from: 'earliest' });
    log.close();
    expect(cov.covered).toBe(false);
    expect(cov.partitions).toEqual([
      { split: 'ev/0', earliestOffset: 20, deleted: 20 },
      { split: 'ev/1', earliestOffset: 0, deleted: 0 },
    ]);
    expect(cov.warnings).toEqual([
      'ev/0: retention no longer covers the range asked for (from the beginning): 20 record(s) before offset 20 are gone; the earliest available position is offset 20',
    ]);
  });
});
