/**
 * Sluice's own produce path (raw-produce.ts, record-batch-encoder.ts) against kafkajs's
 * producer on a real broker: the same records, sent through `KafkaClient.producer().send`
 * once with each encoder, land on the same partitions at the same offsets with the same
 * keys, values, headers and timestamps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { KafkaClient, type KafkaProducerHandle, type ProducedRecord, type TopicPartitionOffset } from '../../src/engine/connectors/kafka/client.js';
import { KafkaError } from '../../src/engine/connectors/kafka/errors.js';
import { rawProduceVersion } from '../../src/engine/connectors/kafka/raw-produce.js';
import { createTopic, DEFAULT_BROKERS, randomName, requireBroker, testKafka } from './broker.js';

const broker = await requireBroker();

const T0 = 1_764_000_000_000;

/** A producer on the given encoder (the variable is read when the producer is created). */
async function producerWith(client: KafkaClient, encoder: 'sluice' | 'kafkajs'): Promise<KafkaProducerHandle> {
  const before = process.env['SLUICE_KAFKA_ENCODER'];
  process.env['SLUICE_KAFKA_ENCODER'] = encoder;
  try {
    return await client.producer();
  } finally {
    if (before === undefined) delete process.env['SLUICE_KAFKA_ENCODER'];
    else process.env['SLUICE_KAFKA_ENCODER'] = before;
  }
}

/** Every record of a topic, per partition, in offset order. */
async function readAll(client: KafkaClient, topic: string): Promise<Map<number, { offset: number; key: string | null; value: string | null; headers: Record<string, string | null>; timestamp: number }[]>> {
  const out = new Map<number, { offset: number; key: string | null; value: string | null; headers: Record<string, string | null>; timestamp: number }[]>();
  for (const { partition, high } of await client.topicOffsets(topic)) {
    const rs: NonNullable<ReturnType<typeof out.get>> = [];
    let next = 0;
    while (next < high) {
      const [p] = await client.fetch([{ topic, partition, offset: next }]);
      for (const r of p!.records) rs.push({ offset: r.offset, key: r.key?.toString('utf8') ?? null, value: r.valueText(), headers: { ...r.headers }, timestamp: r.timestamp });
      next = p!.nextOffset;
    }
    out.set(partition, rs);
  }
  return out;
}

const byPartition = (a: TopicPartitionOffset, b: TopicPartitionOffset) => a.partition - b.partition || a.offset - b.offset;

describe.skipIf(!broker.available)(`Sluice's produce encoder on ${DEFAULT_BROKERS}`, () => {
  let kafka: Kafka;
  let admin: Admin;
  let client: KafkaClient;
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = testKafka(randomName('sluice-raw-produce'));
    admin = kafka.admin();
    await admin.connect();
    client = new KafkaClient({ brokers: DEFAULT_BROKERS.split(','), retries: 2 });
  });

  afterAll(async () => {
    await client?.close();
    if (admin !== undefined) {
      if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('5,000 keyed records with headers and event timestamps land exactly where kafkajs puts them', async () => {
    const ours = randomName('raw-produce-sluice');
    const theirs = randomName('raw-produce-kafkajs');
    topics.push(ours, theirs);
    await createTopic(admin, ours, 3);
    await createTopic(admin, theirs, 3);
    const records: ProducedRecord[] = Array.from({ length: 5000 }, (_, i) => ({
      key: `key-${i % 211}-ключ`,
      value: JSON.stringify({ i, text: 'välue ✓'.repeat(i % 5) }),
      headers: (i % 3 === 0 ? {} : { trace: `t${i}`, 'ünï': 'çødé' }) as Record<string, string>,
      // out of order within a batch, and across batches
      timestamp: T0 + ((i * 7919) % 5000) - (i % 2 === 0 ? 100_000 : 0),
    }));
    const sluice = await producerWith(client, 'sluice');
    const kafkajs = await producerWith(client, 'kafkajs');
    const sent = { ours: [] as TopicPartitionOffset[], theirs: [] as TopicPartitionOffset[] };
    try {
      // in batches of 1,000, as the sink sends
      for (let i = 0; i < records.length; i += 1000) {
        sent.ours.push(...(await sluice.send(ours, records.slice(i, i + 1000))));
        sent.theirs.push(...(await kafkajs.send(theirs, records.slice(i, i + 1000))));
      }
    } finally {
      await sluice.close();
      await kafkajs.close();
    }
    // The raw path falls back to kafkajs for Produce versions it does not encode: not here
    // (the raw cluster has the topic's metadata once the raw path has produced to it).
    const raw = await client.rawCluster();
    const leader = await raw.findBroker({ nodeId: Object.keys(raw.findLeaderForPartitions(ours, [0]))[0]! });
    expect(rawProduceVersion(leader)).not.toBeNull();
    expect(sent.ours.map((o) => ({ ...o, topic: '' })).sort(byPartition)).toEqual(sent.theirs.map((o) => ({ ...o, topic: '' })).sort(byPartition));
    const [a, b] = [await readAll(client, ours), await readAll(client, theirs)];
    expect([...a.values()].reduce((n, rs) => n + rs.length, 0)).toBe(records.length);
    expect([...a.values()].filter((rs) => rs.length > 0).length).toBe(3);
    expect(a).toEqual(b);
  });

  it('a null key, a null value and an explicit partition', async () => {
    const topic = randomName('raw-produce-null');
    topics.push(topic);
    await createTopic(admin, topic, 3);
    const p = await producerWith(client, 'sluice');
    try {
      const offsets = await p.send(topic, [
        { key: null, value: 'no key', partition: 2, timestamp: T0 },
        { key: 'k', value: null, partition: 2, timestamp: T0 + 1 },
      ]);
      expect(offsets).toEqual([{ topic, partition: 2, offset: 0 }]);
      const unkeyed = await p.send(topic, [{ value: 'anywhere' }]);
      expect(unkeyed).toHaveLength(1);
    } finally {
      await p.close();
    }
    const rs = await readAll(client, topic);
    expect(rs.get(2)!.slice(0, 2)).toEqual([
      { offset: 0, key: null, value: 'no key', headers: {}, timestamp: T0 },
      { offset: 1, key: 'k', value: null, headers: {}, timestamp: T0 + 1 },
    ]);
    expect([...rs.values()].reduce((n, l) => n + l.length, 0)).toBe(3);
  });

  it('a topic that does not exist fails with a clear error, and the client still produces afterwards', async () => {
    const missing = randomName('raw-produce-missing');
    const p = await producerWith(client, 'sluice');
    try {
      const t0 = Date.now();
      const err = await p.send(missing, [{ key: 'k', value: 'v' }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KafkaError);
      expect((err as KafkaError).kind).toBe('unknown-topic');
      expect((err as KafkaError).message).toContain(missing);
      expect(Date.now() - t0).toBeLessThan(30_000);

      const topic = randomName('raw-produce-after');
      topics.push(topic);
      await createTopic(admin, topic, 1);
      expect(await p.send(topic, [{ key: 'k', value: 'v' }])).toEqual([{ topic, partition: 0, offset: 0 }]);
    } finally {
      await p.close();
    }
  }, 60_000);
});
