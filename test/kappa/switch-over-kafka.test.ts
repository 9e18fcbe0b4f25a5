/**
 * Kappa switch-over against the real Kafka broker (127.0.0.1:9092, random topic): v1
 * serves, v2 replays the topic from the beginning while records keep arriving, compares
 * clean and is switched to; the served output equals a batch recomputation. Then records
 * deleted from the head of a partition (what retention does) make a replay from the
 * beginning warn with the earliest available offset.
 */
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rec } from '../../src/engine/core/types.js';
import { checkCoverage, reprocess, versionJobSpec, type Reprocessing } from '../../src/engine/kappa/index.js';
import { tempDir, waitFor } from '../helpers/jobs.js';
import { createTopic, DEFAULT_BROKERS, randomName, requireBroker, testKafka } from '../kafka/broker.js';
import { closingTs, expectServedEqualsBatch, T0, writeDeployment } from './fixture.js';

const broker = await requireBroker();

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
    const d = writeDeployment(dir, { name: 'kcounts_served', jobName: 'kcounts', source: `{ type: kafka, brokers: [${DEFAULT_BROKERS}], topics: [${topic}], timestampFrom: field, timestampField: ts }`, checkpointMs: 300 });

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
    const closeTs = closingTs(events);
    await producer.send({ topic, acks: -1, messages: [0, 1].map((p) => ({ partition: p, value: JSON.stringify({ key: 'close', value: 0, ts: closeTs }), timestamp: String(closeTs) })) });
    await expectServedEqualsBatch(d, events, dir);


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
