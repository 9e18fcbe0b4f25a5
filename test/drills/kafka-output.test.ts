/**
 * Reading a drill's Kafka output read_committed: committed records are read, and a
 * transaction left open (which holds back the last stable offset) is reported as output
 * that could not be read, with its partition and offsets, instead of passing silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { readKafkaOutput } from '../../src/engine/drills/kafka-output.js';
import { createTopic, DEFAULT_BROKERS, randomName, requireBroker, testKafka } from '../kafka/broker.js';

const broker = await requireBroker();
const brokers = DEFAULT_BROKERS.split(',');

describe.skipIf(!broker.available)('drill output read from Kafka', () => {
  let kafka: Kafka;
  let admin: Admin;
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = testKafka(randomName('sluice-drill-output'));
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('reads committed output and names a partition an open transaction holds back', async () => {
    const topic = randomName('drill-output');
    topics.push(topic);
    await createTopic(admin, topic, 2);
    const producer = kafka.producer({ transactionalId: randomName('drill-output-tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [0, 1, 2].map((n) => ({ partition: 0, value: JSON.stringify({ key: `k${n}`, value: n }) })) });
      await committed.commit();
      const open = await producer.transaction();
      await open.send({ topic, messages: [3, 4].map((n) => ({ partition: 1, value: JSON.stringify({ key: `k${n}`, value: n }) })) });
      try {
        const { records, unreadable } = await readKafkaOutput(brokers, topic, 1_000);
        expect(records.map((r) => r['key']).sort()).toEqual(['k0', 'k1', 'k2']);
        expect(unreadable).toEqual([{ partition: 1, lastStableOffset: 0, highWatermark: 2 }]);
      } finally {
        await open.abort();
      }
      const after = await readKafkaOutput(brokers, topic, 5_000);
      expect(after.unreadable).toEqual([]);
      expect(after.records).toHaveLength(3);
    } finally {
      await producer.disconnect();
    }
  }, 60_000);
});
