/**
 * What the Kappa switch-over tests share: a two-file deployment (a keyed 1 s tumbling
 * count/sum job behind a serving view), reading the served rows, and the final proof that
 * the served output equals a batch recomputation of every input record.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { computeBatchResult } from '../../src/engine/batch/index.js';
import type { Rec } from '../../src/engine/core/types.js';
import { compareResults } from '../../src/engine/drills/verifier.js';
import { loadDeploymentFile, type Deployment } from '../../src/engine/kappa/index.js';
import { spec, waitFor } from '../helpers/jobs.js';

export const T0 = 1_700_000_000_000;
export const WINDOW = 1000;

/** `job.yaml` (parallelism 2, the given source line) and `deploy.yaml` serving `name` in `dir`. */
export function writeDeployment(dir: string, o: { name: string; jobName: string; source: string; checkpointMs: number }): Deployment {
  fs.writeFileSync(
    path.join(dir, 'job.yaml'),
    `name: ${o.jobName}
parallelism: 2
source: ${o.source}
pipeline:
  - keyBy: key
  - window: { type: tumbling, size: ${WINDOW}ms }
  - aggregate: { n: { count: true }, total: { sum: value } }
checkpoint: { interval: ${o.checkpointMs}ms }
sink: { type: file, path: unused.jsonl }
`,
  );
  fs.writeFileSync(path.join(dir, 'deploy.yaml'), `kappa: { name: ${o.name}, serving: serving.db, job: job.yaml }\n`);
  const dep = loadDeploymentFile(path.join(dir, 'deploy.yaml'));
  if (!dep.ok) throw new Error(JSON.stringify(dep.errors));
  return dep.deployment;
}

export function servedRows(db: string, name: string): Rec[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(`SELECT * FROM "${name}"`).all() as Rec[];
  } finally {
    conn.close();
  }
}

/** The event time of a record far enough past the last input to close every real window. */
export const closingTs = (events: readonly Rec[]): number => (events.at(-1)!['ts'] as number) + 10 * WINDOW;

/**
 * After the closing record was written: waits until the serving version has closed the last
 * input window, then checks the served rows against a batch recomputation of `events` —
 * nothing lost, duplicated or different.
 */
export async function expectServedEqualsBatch(d: Deployment, events: Rec[], dir: string): Promise<void> {
  const lastTs = events.at(-1)!['ts'] as number;
  const lastEnd = Math.floor((lastTs - T0) / WINDOW) * WINDOW + T0 + WINDOW;
  await waitFor(() => servedRows(d.serving, d.name).some((r) => r['windowEnd'] === lastEnd), { timeoutMs: 60_000, message: 'the serving version closes the last window', intervalMs: 100 });
  const job = spec(
    {
      name: 'expected',
      mode: 'batch',
      source: { type: 'file', path: 'x.jsonl', timestampField: 'ts' },
      pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: WINDOW } }, { aggregate: { n: { count: true }, total: { sum: 'value' } } }],
      sink: { type: 'file', path: 'y.jsonl' },
    },
    dir,
  );
  const expected = await computeBatchResult(job, events);
  const produced = servedRows(d.serving, d.name).filter((r) => (r['windowEnd'] as number) <= lastEnd);
  expect(compareResults(expected, produced).records).toEqual({ expected: expected.length, produced: expected.length, lost: 0, duplicated: 0, mismatched: 0 });
}
