/**
 * Kappa switch-over against the real Kafka broker (127.0.0.1:9092, random topic): v1
 * serves, v2 replays the topic from the beginning while records keep arriving, compares
 * clean and is switched to; the served output equals a batch recomputation. Then records
 * deleted from the head of a partition (what retention does) make a replay from the
 * beginning warn with the earliest available offset.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBatchResult } from '../../src/engine/batch/index.js';
import type { Rec } from '../../src/engine/core/types.js';
import { compareResults } from '../../src/engine/drills/verifier.js';
import { checkCoverage, loadDeploymentFile, reprocess, versionJobSpec, type Reprocessing } from '../../src/engine/kappa/index.js';
import { spec, tempDir, waitFor } from '../helpers/jobs.js';
import { createTopic, DEFAULT_BROKERS, randomName, requireBroker, testKafka } from '../kafka/broker.js';

const broker = await requireBroker();
const T0 = 1_700_000_000_000;
const WINDOW = 1000;

function servedRows(db: string, name: string): Rec[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(`SELECT * FROM "${name}"`).all() as Rec[];
  } finally {
    conn.close();
  }
}

describe.skipIf(!broker.available)(`Kappa reprocessing from Kafka on ${DEFAULT_BROKERS}`, () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const topic = randomName('kappa');
  const running: Reprocessing[] = [];

  beforeAll(async () => {
    kafka = testKafka(randomName('sluice-kappa'));
    admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic, 2);
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    for (const r of running) await r.jm.cancel();
    await producer?.disconnect();
    if (admin !== undefined) {
      await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('v2 replays the topic beside v1 and takes over without losing or duplicating a result', async () => {
    const dir = tempDir('sluice-kappa-kafka-');
    fs.writeFileSync(
      path.join(dir, 'job.yaml'),
      `name: kcounts
parallelism: 2
source: { type: kafka, brokers: [${DEFAULT_BROKERS}], topics: [${topic}], timestampFrom: field, timestampField: ts }
pipeline:
  - keyBy: key
  - window: { type: tumbling, size: ${WINDOW}ms }
  - aggregate: { n: { count: true }, total: { sum: value } }
checkpoint: { interval: 300ms }
sink: { type: file, path: unused.jsonl }
`,
    );
    fs.writeFileSync(path.join(dir, 'deploy.yaml'), 'kappa: { name: kcounts_served, serving: serving.db, job: job.yaml }\n');
    const dep = loadDeploymentFile(path.join(dir, 'deploy.yaml'));
    if (!dep.ok) throw new Error(JSON.stringify(dep.errors));
    const d = dep.deployment;

    const events: Rec[] = [];
    let i = 0;
    const produce = async (n: number): Promise<void> => {
      const messages = [];
      for (let j = 0; j < n; j++, i++) {
        const e = { key: `k${(i * 3) % 17}`, value: (i * 29) % 40, ts: T0 + i * 5 };
        events.push(e);
        // Record time = event time, so a replay from a timestamp means the same thing either way.
        messages.push({ partition: i % 2, key: e.key, value: JSON.stringify(e), timestamp: String(e.ts) });
      }
      await producer.send({ topic, acks: -1, messages });
    };
    await produce(3000);
    let producing = true;
    const feeding = (async () => {
      while (producing) {
        await produce(50);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const v1 = await reprocess({ deployment: d, version: 'v1', tickMs: 200 });
    running.push(v1);
    expect((await v1.outcome).switched).toBe(true);

    await waitFor(() => events.length > 6000, { timeoutMs: 60_000, message: 'more input' });
    const v2 = await reprocess({ deployment: d, version: 'v2', tickMs: 200 });
    running.push(v2);
    const o2 = await v2.outcome;
    expect(o2.coverage.covered).toBe(true);
    expect(o2.previous?.version).toBe('v1');
    expect(o2.diff?.clean).toBe(true);
    expect(o2.diff!.records.expected).toBeGreaterThan(0);
    expect(o2.switched).toBe(true);

    await v1.jm.cancel();
    producing = false;
    await feeding;
    const lastTs = events.at(-1)!['ts'] as number;
    const closeTs = lastTs + 10 * WINDOW;
    await producer.send({ topic, acks: -1, messages: [0, 1].map((p) => ({ partition: p, value: JSON.stringify({ key: 'close', value: 0, ts: closeTs }), timestamp: String(closeTs) })) });
    const lastEnd = Math.floor((lastTs - T0) / WINDOW) * WINDOW + T0 + WINDOW;
    await waitFor(() => servedRows(d.serving, d.name).some((r) => r['windowEnd'] === lastEnd), { timeoutMs: 60_000, message: 'v2 closes the last window', intervalMs: 100 });

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

    // Retention takes the head of partition 0: a replay from the beginning is warned, with the earliest offset left.
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '100' }] });
    const cov = await checkCoverage(versionJobSpec(d, 'v3', { start: { from: 'earliest' } }), { from: 'earliest' });
    expect(cov.covered).toBe(false);
    expect(cov.warnings).toHaveLength(1);
    expect(cov.warnings[0]).toMatch(new RegExp(`${topic}/0: retention no longer covers .* earliest available position is offset 100`));
    // From a timestamp: before the deleted records it is not covered; well after them it is.
    const early = { from: 'timestamp' as const, timestamp: T0 };
    expect((await checkCoverage(versionJobSpec(d, 'v3', { start: early }), early)).warnings).toEqual([expect.stringMatching(new RegExp(`^${topic}/0: .*\\(from 2023-11-14T22:13:20.000Z\\).*offset 100$`))]);
    const late = { from: 'timestamp' as const, timestamp: T0 + 5 * 4000 };
    expect((await checkCoverage(versionJobSpec(d, 'v3', { start: late }), late)).covered).toBe(true);
  }, 300_000);
});
