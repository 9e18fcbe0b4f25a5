/**
 * Sluice's fetch decoder (raw-fetch.ts, the default) against kafkajs's (SLUICE_KAFKA_DECODER=kafkajs)
 * on the same topic of the real broker: keys, null values, headers, explicit timestamps, a
 * gzip batch, an aborted and a committed transaction, small fetches that end in partial
 * batches, both isolation levels, a start inside a batch, and the out-of-range error.
 * Both must return the same records and the same next offsets, fetch by fetch.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompressionTypes, type Admin, type Kafka } from 'kafkajs';
import { fetchDecoder, KafkaClient, type FetchDecoder } from '../../src/engine/connectors/kafka/client.js';
import { rootCause } from '../../src/engine/connectors/kafka/errors.js';
import { BatchRecord } from '../../src/engine/connectors/kafka/record-batch.js';
import { createTopic, DEFAULT_BROKERS, kcatWorks, randomName, requireBroker, testKafka } from './broker.js';

const broker = await requireBroker();

/** Produces `lines` (key TAB value) with kcat (librdkafka: batches not written by kafkajs). */
function kcatProduce(topic: string, codec: string, lines: string[]): void {
  execFileSync('kcat', ['-P', '-b', DEFAULT_BROKERS, '-t', topic, '-K', '\t', '-z', codec], { input: lines.join('\n') + '\n', timeout: 30_000 });
}

async function withDecoder<T>(d: FetchDecoder, fn: () => Promise<T>): Promise<T> {
  const before = process.env['SLUICE_KAFKA_DECODER'];
  process.env['SLUICE_KAFKA_DECODER'] = d;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env['SLUICE_KAFKA_DECODER'];
    else process.env['SLUICE_KAFKA_DECODER'] = before;
  }
}

interface Seen {
  fetches: { from: number; next: number; count: number }[];
  records: { offset: number; timestamp: number; key: string | null; value: string | null; headers: Record<string, string | null> }[];
  sluiceRecords: boolean;
}

/** Reads the partition from `from` to its end in fetches of at most `maxBytes`. */
async function readAll(client: KafkaClient, topic: string, from: number, isolation: 'read_committed' | 'read_uncommitted', maxBytes: number): Promise<Seen> {
  const seen: Seen = { fetches: [], records: [], sluiceRecords: true };
  let offset = from;
  for (let i = 0; i < 1000; i++) {
    const [f] = await client.fetch([{ topic, partition: 0, offset }], { isolation, maxWaitMs: 10, maxBytesPerPartition: maxBytes });
    seen.fetches.push({ from: offset, next: f!.nextOffset, count: f!.records.length });
    for (const r of f!.records) {
      if (!(r instanceof BatchRecord)) seen.sluiceRecords = false;
      seen.records.push({ offset: r.offset, timestamp: r.timestamp, key: r.key?.toString('utf8') ?? null, value: r.valueText(), headers: { ...r.headers } });
    }
    const end = isolation === 'read_committed' ? f!.lastStableOffset : f!.highWatermark;
    if (f!.nextOffset >= end) return seen;
    offset = f!.nextOffset;
  }
  throw new Error(`${topic} not read to its end in 1000 fetches`);
}

describe.skipIf(!broker.available)(`fetch decoders on ${DEFAULT_BROKERS}`, () => {
  let kafka: Kafka;
  let admin: Admin;
  let client: KafkaClient;
  const topic = randomName('sluice-decoder');
  const extraTopics: string[] = [];

  beforeAll(async () => {
    kafka = testKafka(randomName('sluice-decoder'));
    admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, topic, 1);
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({
      topic,
      messages: [
        ...Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i, text: 'ünïcode' }), headers: i % 3 === 0 ? { trace: `t${i}`, kind: 'a' } : undefined })),
        { key: null, value: null },
        { key: 'ts', value: '{"at":"explicit"}', timestamp: '1000000000123' },
      ],
    });
    await plain.send({ topic, compression: CompressionTypes.GZIP, messages: Array.from({ length: 200 }, (_, i) => ({ key: `g${i % 7}`, value: JSON.stringify({ gzip: i }) })) });
    const tx = kafka.producer({ transactionalId: randomName('sluice-decoder-tx'), idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    const aborted = await tx.transaction();
    await aborted.send({ topic, messages: Array.from({ length: 15 }, (_, i) => ({ key: 'x', value: JSON.stringify({ aborted: i }) })) });
    await aborted.abort();
    await plain.send({ topic, messages: [{ key: 'between', value: '{"plain":true}' }] });
    const committed = await tx.transaction();
    await committed.send({ topic, messages: Array.from({ length: 15 }, (_, i) => ({ key: 'y', value: JSON.stringify({ committed: i }) })) });
    await committed.commit();
    await plain.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `z${i}`, value: JSON.stringify({ tail: i }) })) });
    await tx.disconnect();
    await plain.disconnect();
    client = new KafkaClient({ brokers: DEFAULT_BROKERS.split(',') });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await admin?.deleteTopics({ topics: [topic, ...extraTopics], timeout: 10_000 }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('uses Sluice’s decoder unless SLUICE_KAFKA_DECODER=kafkajs, and refuses other values', () => {
    expect(fetchDecoder({})).toBe('sluice');
    expect(fetchDecoder({ SLUICE_KAFKA_DECODER: 'kafkajs' })).toBe('kafkajs');
    expect(() => fetchDecoder({ SLUICE_KAFKA_DECODER: 'fast' })).toThrow(/SLUICE_KAFKA_DECODER=fast/);
  });

  it.each([
    ['read_committed', 0, 1024 * 1024],
    ['read_committed', 0, 700],
    ['read_uncommitted', 0, 700],
    ['read_committed', 7, 1024 * 1024],
    ['read_committed', 150, 300], // inside the gzip batch
  ] as const)('%s from offset %i in fetches of %i bytes: same records and next offsets as kafkajs', async (isolation, from, maxBytes) => {
    const ours = await withDecoder('sluice', () => readAll(client, topic, from, isolation, maxBytes));
    const theirs = await withDecoder('kafkajs', () => readAll(client, topic, from, isolation, maxBytes));
    expect(ours.sluiceRecords).toBe(true);
    expect(theirs.sluiceRecords).toBe(false);
    expect(ours.records).toEqual(theirs.records);
    expect(ours.fetches).toEqual(theirs.fetches);
    // What a user relies on, independent of kafkajs.
    const values = ours.records.map((r) => r.value);
    expect(values.some((v) => v?.includes('aborted'))).toBe(isolation === 'read_uncommitted');
    expect(values.filter((v) => v?.includes('committed')).length).toBe(15);
    expect(values.filter((v) => v?.includes('gzip')).length).toBe(200 - Math.max(0, from - 42)); // offsets 42–241
    expect(ours.records.map((r) => r.offset)).toEqual([...ours.records.map((r) => r.offset)].sort((a, b) => a - b));
    expect(ours.records[0]!.offset).toBe(from);
    if (from === 0) {
      expect(ours.records[0]).toMatchObject({ key: 'k0', value: JSON.stringify({ i: 0, text: 'ünïcode' }), headers: { trace: 't0', kind: 'a' } });
      expect(ours.records[40]).toMatchObject({ key: null, value: null, headers: {} });
      expect(ours.records[41]).toMatchObject({ key: 'ts', timestamp: 1000000000123 });
    }
    if (maxBytes < 1000) expect(ours.fetches.length).toBeGreaterThan(3);
  });

  it.skipIf(!kcatWorks())('decodes librdkafka’s gzip batches like kafkajs; a snappy batch goes to kafkajs (which refuses it clearly), never dropped', async () => {
    const gz = randomName('sluice-decoder-gzip');
    const snappy = randomName('sluice-decoder-snappy');
    extraTopics.push(gz, snappy);
    await createTopic(admin, gz, 1);
    await createTopic(admin, snappy, 1);
    const lines = Array.from({ length: 500 }, (_, i) => `key${i % 10}\t{"n":${i},"s":"ü"}`);
    kcatProduce(gz, 'gzip', lines);
    kcatProduce(snappy, 'snappy', lines.slice(0, 20));
    const ours = await withDecoder('sluice', () => readAll(client, gz, 0, 'read_committed', 4096));
    const theirs = await withDecoder('kafkajs', () => readAll(client, gz, 0, 'read_committed', 4096));
    expect(ours.records).toHaveLength(500);
    expect(ours.records.map((r) => JSON.parse(r.value!).n)).toEqual(lines.map((_, i) => i));
    expect(ours.records).toEqual(theirs.records);
    expect(ours.fetches).toEqual(theirs.fetches);
    await expect(client.fetch([{ topic: snappy, partition: 0, offset: 0 }], { maxWaitMs: 10 })).rejects.toThrow(/Snappy compression not implemented/);
  });

  it('reports an offset past the end as kafkajs does (the source turns it into a clear error)', async () => {
    const err = async (d: FetchDecoder) =>
      withDecoder(d, () => client.fetch([{ topic, partition: 0, offset: 1_000_000 }], { maxWaitMs: 10 })).then(
        () => null,
        (e: unknown) => e,
      );
    const ours = await err('sluice');
    const theirs = await err('kafkajs');
    expect(ours).not.toBeNull();
    const root = rootCause(ours) as { name?: string; type?: string };
    expect(root.name).toBe('KafkaJSOffsetOutOfRange');
    expect(root.type).toBe((rootCause(theirs) as { type?: string }).type);
    expect((ours as Error).message).toBe((theirs as Error).message);
  });
});
