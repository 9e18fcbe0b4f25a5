/**
 * The Kafka source against the real broker: partitions as splits, exact resume from a
 * position, read_committed, malformed records to the dead-letter output, clear errors,
 * and a job whose consumer-group offsets (committed on checkpoint completion only) are
 * what `kafka-consumer-groups` reports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { KafkaSource, type KafkaSourceOptions } from '../../src/engine/connectors/kafka/kafka-source.js';
import type { PollResult, SplitReader } from '../../src/engine/connectors/source.js';
import type { DeadLetter, Rec } from '../../src/engine/core/types.js';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { readJsonl, spec, tempDir } from '../helpers/jobs.js';
import { createTopic, DEFAULT_BROKERS, parseToolTable, randomName, requireBroker, runKafkaTool, testKafka, waitFor } from './broker.js';

const broker = await requireBroker();

function sourceOpts(topic: string, extra: Partial<KafkaSourceOptions> = {}): KafkaSourceOptions {
  return { brokers: DEFAULT_BROKERS.split(','), topics: [topic], groupId: null, startFrom: 'earliest', isolation: 'read_committed', ssl: false, sasl: null, bounded: false, ...extra };
}

/** Polls a reader until `n` records (and dead letters) arrived or it ended. */
async function drain(reader: SplitReader, n: number, timeoutMs = 20_000): Promise<{ records: Rec[]; timestamps: number[]; dead: DeadLetter[]; ended: boolean }> {
  const records: Rec[] = [];
  const timestamps: number[] = [];
  const dead: DeadLetter[] = [];
  let ended = false;
  const deadline = Date.now() + timeoutMs;
  while (records.length + dead.length < n && !ended) {
    if (Date.now() > deadline) throw new Error(`drain: ${records.length + dead.length}/${n} after ${timeoutMs} ms`);
    const r: PollResult = await reader.poll(n - records.length - dead.length);
    if (r.deadLetters) dead.push(...r.deadLetters);
    if (r.kind === 'records') {
      records.push(...r.records);
      timestamps.push(...(r.timestamps ?? []));
    } else if (r.kind === 'end') ended = true;
    else await new Promise((res) => setTimeout(res, r.retryAfterMs));
  }
  return { records, timestamps, dead, ended };
}

describe.skipIf(!broker.available)(`Kafka source on ${DEFAULT_BROKERS}`, () => {
  let kafka: Kafka;
  let admin: Admin;
  const topics: string[] = [];
  const groups: string[] = [];
  const dir = tempDir('sluice-kafka-source-');

  beforeAll(async () => {
    kafka = testKafka(randomName('sluice-source'));
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (admin !== undefined) {
      if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
      if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
      await admin.disconnect();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function topicWith(partitions: number, messages: { partition: number; value: string; timestamp?: string }[]): Promise<string> {
    const topic = randomName('source');
    topics.push(topic);
    await createTopic(admin, topic, partitions);
    const producer = kafka.producer();
    await producer.connect();
    try {
      if (messages.length > 0) await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
    return topic;
  }

  it('partitions are splits; records in order with record timestamps; malformed values are dead letters with topic/partition/offset', async () => {
    const msgs = [
      ...Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: JSON.stringify({ i }), timestamp: String(1_000 + i) })),
      { partition: 0, value: 'oops {' },
      { partition: 0, value: '42' },
      { partition: 0, value: JSON.stringify({ i: 5 }), timestamp: '2000' },
      { partition: 1, value: JSON.stringify({ i: 100 }) },
    ];
    const topic = await topicWith(2, msgs);
    const source = new KafkaSource(sourceOpts(topic));
    try {
      expect((await source.listSplits()).map((s) => s.id)).toEqual([`${topic}/0`, `${topic}/1`]);
      const reader = await source.openReader({ id: `${topic}/0` }, undefined);
      const got = await drain(reader, 8);
      expect(got.records.map((r) => r['i'])).toEqual([0, 1, 2, 3, 4, 5]);
      expect(got.timestamps).toEqual([1000, 1001, 1002, 1003, 1004, 2000]);
      expect(got.dead.map((d) => [d.origin, d.raw])).toEqual([
        [`${topic}/0@5`, 'oops {'],
        [`${topic}/0@6`, '42'],
      ]);
      expect(got.dead[0]!.reason).toMatch(/not JSON/);
      expect(reader.position()).toEqual({ offset: 8 });
      expect(reader.backlog?.()).toBe(0);
      await reader.close();
    } finally {
      await source.close();
    }
  });

  it('a reader opened at a position returns exactly the next record (no loss, no duplicate)', async () => {
    const topic = await topicWith(1, Array.from({ length: 20 }, (_, i) => ({ partition: 0, value: JSON.stringify({ i }) })));
    const source = new KafkaSource(sourceOpts(topic));
    try {
      const r1 = await source.openReader({ id: `${topic}/0` }, undefined);
      const first = await drain(r1, 7);
      const pos = r1.position();
      expect(pos).toEqual({ offset: 7 });
      await r1.close();
      const r2 = await source.openReader({ id: `${topic}/0` }, pos);
      const rest = await drain(r2, 13);
      expect([...first.records, ...rest.records].map((r) => r['i'])).toEqual(Array.from({ length: 20 }, (_, i) => i));
      await r2.close();
    } finally {
      await source.close();
    }
  });

  it('read_committed skips aborted transactions and control records; bounded ends at the end offsets seen at open', async () => {
    const topic = randomName('source-txn');
    topics.push(topic);
    await createTopic(admin, topic, 1);
    const p = kafka.producer({ transactionalId: randomName('source-tx'), idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    try {
      const t1 = await p.transaction();
      await t1.send({ topic, messages: [{ value: '{"v":"c1"}' }, { value: '{"v":"c2"}' }] });
      await t1.commit();
      const t2 = await p.transaction();
      await t2.send({ topic, messages: [{ value: '{"v":"a1"}' }] });
      await t2.abort();
      const t3 = await p.transaction();
      await t3.send({ topic, messages: [{ value: '{"v":"c3"}' }] });
      await t3.commit();
    } finally {
      await p.disconnect();
    }
    const source = new KafkaSource(sourceOpts(topic, { bounded: true }));
    try {
      const reader = await source.openReader({ id: `${topic}/0` }, undefined);
      const got = await drain(reader, 100);
      expect(got.ended).toBe(true);
      expect(got.records.map((r) => r['v'])).toEqual(['c1', 'c2', 'c3']);
      expect(reader.position()).toEqual({ offset: 7, end: 7 }); // 4 records + 3 markers
      await reader.close();
    } finally {
      await source.close();
    }
    const uncommitted = new KafkaSource(sourceOpts(topic, { bounded: true, isolation: 'read_uncommitted' }));
    try {
      const reader = await uncommitted.openReader({ id: `${topic}/0` }, undefined);
      expect((await drain(reader, 100)).records.map((r) => r['v'])).toEqual(['c1', 'c2', 'a1', 'c3']);
      await reader.close();
    } finally {
      await uncommitted.close();
    }
  });

  it('start positions: latest, timestamp, group offsets', async () => {
    const now = Date.now();
    const topic = await topicWith(
      1,
      Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: JSON.stringify({ i }), timestamp: String(now - 10_000 + i * 1000) })),
    );
    const group = randomName('source-g');
    groups.push(group);
    const open = async (o: Partial<KafkaSourceOptions>): Promise<number> => {
      const s = new KafkaSource(sourceOpts(topic, o));
      try {
        const r = await s.openReader({ id: `${topic}/0` }, undefined);
        const at = r.position()['offset'] as number;
        await r.close();
        return at;
      } finally {
        await s.close();
      }
    };
    expect(await open({ startFrom: 'latest' })).toBe(10);
    expect(await open({ startFrom: { timestamp: now - 10_000 + 3_500 } })).toBe(4);
    expect(await open({ startFrom: 'group', groupId: group })).toBe(0); // nothing committed yet: earliest
    const s = new KafkaSource(sourceOpts(topic, { groupId: group }));
    await s.notifyCheckpointComplete(1, { [`${topic}/0`]: { offset: 6 } });
    await s.close();
    expect(await open({ startFrom: 'group', groupId: group })).toBe(6);
  });

  it('unknown topic and unreachable brokers are clear errors', async () => {
    const missing = new KafkaSource(sourceOpts(randomName('no-such-topic')));
    await expect(missing.listSplits()).rejects.toThrow(/topic "no-such-topic-.*" does not exist on 127\.0\.0\.1/);
    await missing.close();
    const nowhere = new KafkaSource({ ...sourceOpts('t'), brokers: ['127.0.0.1:1'] });
    await expect(nowhere.listSplits()).rejects.toThrow(/127\.0\.0\.1:1.*unreachable/);
    await nowhere.close();
  });

  it('a job reads every partition once (parallelism 2); group offsets appear only from completed checkpoints and match kafka-consumer-groups', async () => {
    const n = 400;
    const topic = await topicWith(
      4,
      Array.from({ length: n }, (_, i) => ({ partition: i % 4, value: i === 17 ? 'garbage' : JSON.stringify({ key: `k${i % 7}`, value: i, ts: 1_000 + i }) })),
    );
    const group = randomName('source-job');
    groups.push(group);
    const jobDir = path.join(dir, 'job');
    fs.mkdirSync(jobDir);
    const s = spec(
      {
        name: 'kafka-source-job',
        parallelism: 2,
        guarantee: 'exactly-once',
        source: { type: 'kafka', brokers: DEFAULT_BROKERS.split(','), topics: [topic], groupId: group, startFrom: 'earliest' },
        pipeline: [{ filter: 'value >= 0' }],
        checkpoint: { interval: '300ms' },
        restart: { strategy: 'none' },
        sink: { type: 'file', path: 'out.jsonl', format: 'jsonl' },
        sideOutputs: { 'dead-letter': { type: 'file', path: 'dead.jsonl', format: 'jsonl' } },
      },
      jobDir,
    );
    const jm = new JobManager(s, { stateDir: path.join(jobDir, 'state') });
    await jm.start();
    try {
      await waitFor(() => readJsonl(path.join(jobDir, 'out.jsonl')).length >= n - 1, { timeoutMs: 60_000, intervalMs: 200, message: 'all records in the sink' });
      await waitFor(
        async () => {
          const rows = parseToolTable(await runKafkaTool('kafka-consumer-groups', ['--bootstrap-server', DEFAULT_BROKERS, '--describe', '--group', group]));
          return rows.length === 4 && rows.every((r) => r.LAG === '0' && r['CURRENT-OFFSET'] === '100') ? rows : false;
        },
        { timeoutMs: 60_000, intervalMs: 1_000, message: 'group offsets at the log end' },
      );
    } finally {
      await jm.cancel();
    }
    const out = readJsonl(path.join(jobDir, 'out.jsonl'));
    expect(out.map((r) => r['value'] as number).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i).filter((i) => i !== 17));
    const dead = readJsonl(path.join(jobDir, 'dead.jsonl'));
    expect(dead).toHaveLength(1);
    expect(JSON.stringify(dead[0])).toMatch(new RegExp(`${topic}/1@4`));
  });
});
