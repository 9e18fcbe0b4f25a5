/**
 * kafkajs 2.2.4 against a real Apache Kafka 4.x broker (scripts/kafka/up.sh).
 *
 * Kafka 4.0 dropped many old protocol versions (KIP-896) and the ZooKeeper mode; this file is
 * the evidence that the kafkajs features Sluice relies on still work: admin, consumer groups +
 * committed offsets (cross-checked with Kafka's own kafka-consumer-groups tool), transactions
 * (commit / abort / read_committed) and producer fencing.
 *
 * Needs a broker: `npm run kafka:up`. Outside CI a missing broker skips (loudly); with CI=true it fails.
 * Lines starting with "[kafka-evidence]" are printed for the record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import {
  createTopic,
  errorMessage,
  errorOnlyLogger,
  parseToolTable,
  randomName,
  requireBroker,
  runKafkaTool,
  testKafka,
  waitFor,
  withTimeout,
  DEFAULT_BROKERS,
} from './broker.js';

const broker = await requireBroker();

function evidence(what: string, value: unknown): void {
  console.log(`[kafka-evidence] ${what}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

interface Seen {
  partition: number;
  offset: string;
  key: string | undefined;
  value: string;
}

/** Runs a consumer until `done(seen)` is true, then disconnects it. */
async function consumeUntil(
  kafka: Kafka,
  opts: {
    groupId: string;
    topic: string;
    readUncommitted?: boolean;
    done: (seen: Seen[]) => boolean;
    timeoutMs?: number;
    message: string;
  },
): Promise<Seen[]> {
  const consumer = kafka.consumer({
    groupId: opts.groupId,
    readUncommitted: opts.readUncommitted ?? false,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 200,
  });
  const seen: Seen[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [opts.topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({
          partition,
          offset: message.offset,
          key: message.key?.toString(),
          value: message.value?.toString() ?? '',
        });
      },
    });
    await waitFor(() => opts.done(seen), { timeoutMs: opts.timeoutMs ?? 30_000, message: opts.message });
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

describe.skipIf(!broker.available)(`kafkajs 2.2.4 against Apache Kafka 4.x on ${DEFAULT_BROKERS}`, () => {
  let kafka: Kafka;
  let admin: Admin;
  const topics: string[] = [];
  const groups: string[] = [];

  beforeAll(async () => {
    kafka = testKafka(randomName('sluice-compat'));
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (!admin) return;
    try {
      if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
      if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  });

  it('the broker is Apache Kafka 4.x in KRaft mode (kafka-features, describeCluster)', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(cluster.controller).not.toBeNull();
    const features = await runKafkaTool('kafka-features', ['--bootstrap-server', DEFAULT_BROKERS, 'describe']);
    const mv = /Feature: metadata\.version\s+SupportedMinVersion:\s*\S+\s+SupportedMaxVersion:\s*\S+\s+FinalizedVersionLevel:\s*(\S+)/.exec(
      features,
    );
    expect(mv, features).not.toBeNull();
    expect(mv![1]).toMatch(/^4\./);
    const version = (await runKafkaTool('kafka-topics', ['--version'])).trim();
    evidence('broker', { version, metadataVersion: mv![1], clusterId: cluster.clusterId, controller: cluster.controller });
  });

  it('admin: createTopics, listTopics, fetchTopicMetadata, fetchTopicOffsets, describeConfigs', async () => {
    const topic = randomName('compat-admin');
    topics.push(topic);
    await createTopic(admin, topic, 3);

    expect(await admin.listTopics()).toContain(topic);
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const t = md.topics.find((x) => x.name === topic)!;
    expect(t.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    for (const p of t.partitions) {
      expect(p.leader).toBeGreaterThanOrEqual(0);
      expect(p.isr).toContain(p.leader);
    }

    // the same topic seen by Kafka's own tool
    const described = await runKafkaTool('kafka-topics', ['--bootstrap-server', DEFAULT_BROKERS, '--describe', '--topic', topic]);
    expect(described).toMatch(new RegExp(`Topic: ${topic}\\s.*PartitionCount: 3`));

    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: [0, 1, 2, 2].map((partition, i) => ({ partition, key: `k${i}`, value: `v${i}` })),
      });
    } finally {
      await producer.disconnect();
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    const byPartition = Object.fromEntries(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
    expect(byPartition).toEqual({ 0: { low: '0', high: '1' }, 1: { low: '0', high: '1' }, 2: { low: '0', high: '2' } });

    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, 0);
    expect(byTime.map((o) => o.offset).sort()).toEqual(['0', '0', '0']);

    const cfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2 /* TOPIC */, name: topic }] });
    expect(cfg.resources[0]?.configEntries.some((e) => e.configName === 'cleanup.policy')).toBe(true);
    evidence('admin fetchTopicOffsets', byPartition);
  });

  it('consumer group: committed offsets and lag match kafka-consumer-groups --describe', async () => {
    const topic = randomName('compat-group');
    const groupId = randomName('compat-g');
    topics.push(topic);
    groups.push(groupId);
    await createTopic(admin, topic, 3);

    const producer = kafka.producer();
    await producer.connect();
    const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200 });
    try {
      // 30 records, 10 per partition
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, key: `k${i}`, value: `m${i}` })),
      });

      const seen: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
        },
      });
      await waitFor(() => seen.length >= 30, { timeoutMs: 30_000, message: 'consume 30 records' });
      expect(new Set(seen).size).toBe(30);

      // auto-commit makes the group's committed offsets reach the log end
      await waitFor(
        async () => {
          const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
          return res?.partitions.length === 3 && res.partitions.every((p) => p.offset === '10');
        },
        { timeoutMs: 20_000, message: 'committed offsets = 10 on each partition' },
      );

      const live = (await admin.describeGroups([groupId])).groups[0]!;
      expect(live.state).toBe('Stable');
      expect(live.protocolType).toBe('consumer');
      expect(live.members).toHaveLength(1);
      const memberId = live.members[0]!.memberId;

      const liveRows = parseToolTable(
        await runKafkaTool('kafka-consumer-groups', ['--bootstrap-server', DEFAULT_BROKERS, '--describe', '--group', groupId]),
      );
      expect(liveRows).toHaveLength(3);
      for (const row of liveRows) {
        expect(row).toMatchObject({ GROUP: groupId, TOPIC: topic, 'CURRENT-OFFSET': '10', 'LOG-END-OFFSET': '10', LAG: '0' });
        expect(row['CONSUMER-ID']).toBe(memberId);
      }
      const groupState = await runKafkaTool('kafka-consumer-groups', [
        '--bootstrap-server',
        DEFAULT_BROKERS,
        '--describe',
        '--group',
        groupId,
        '--state',
      ]);
      expect(groupState).toMatch(/\bStable\b/);
      evidence('live group (CLI rows)', liveRows);
    } finally {
      await consumer.disconnect();
    }

    // the group is empty now; add 2 / 3 / 4 more records to partitions 0 / 1 / 2 -> lag 2 / 3 / 4
    await waitFor(async () => (await admin.describeGroups([groupId])).groups[0]?.state === 'Empty', {
      timeoutMs: 15_000,
      message: 'group Empty after consumer.disconnect()',
    });
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: [0, 0, 1, 1, 1, 2, 2, 2, 2].map((partition, i) => ({ partition, value: `late${i}` })),
      });
    } finally {
      await producer.disconnect();
    }

    // kafkajs view: lag = high watermark - committed offset
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    const kafkajsView = committed!.partitions
      .map((p) => {
        const logEnd = Number(ends.find((e) => e.partition === p.partition)!.high);
        return { partition: p.partition, committed: Number(p.offset), logEnd, lag: logEnd - Number(p.offset) };
      })
      .sort((a, b) => a.partition - b.partition);
    expect(kafkajsView.map((p) => p.lag)).toEqual([2, 3, 4]);

    // Kafka's own view
    const cliOut = await runKafkaTool('kafka-consumer-groups', ['--bootstrap-server', DEFAULT_BROKERS, '--describe', '--group', groupId]);
    const cliView = parseToolTable(cliOut)
      .map((r) => ({
        partition: Number(r.PARTITION),
        committed: Number(r['CURRENT-OFFSET']),
        logEnd: Number(r['LOG-END-OFFSET']),
        lag: Number(r.LAG),
        consumer: r['CONSUMER-ID'],
      }))
      .sort((a, b) => a.partition - b.partition);
    expect(cliView.map(({ consumer: _c, ...rest }) => rest)).toEqual(kafkajsView);
    expect(cliView.every((r) => r.consumer === '-')).toBe(true);
    evidence('lag kafkajs', kafkajsView);
    evidence('lag kafka-consumer-groups', cliView);

    const listed = await runKafkaTool('kafka-consumer-groups', ['--bootstrap-server', DEFAULT_BROKERS, '--list']);
    expect(listed.split('\n').map((l) => l.trim())).toContain(groupId);

    // a new member of the same group resumes exactly at the committed offsets
    const resumed = await consumeUntil(kafka, {
      groupId,
      topic,
      done: (s) => s.length >= 9,
      message: 'resume the 9 uncommitted records',
    });
    expect(resumed.map((s) => s.value).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `late${i}`).sort());
    await waitFor(
      async () => {
        const rows = parseToolTable(
          await runKafkaTool('kafka-consumer-groups', ['--bootstrap-server', DEFAULT_BROKERS, '--describe', '--group', groupId]),
        );
        return rows.length === 3 && rows.every((r) => r.LAG === '0');
      },
      { timeoutMs: 30_000, intervalMs: 500, message: 'CLI shows lag 0 after resuming' },
    );
  });

  it('transactions: commit is visible to read_committed, abort is hidden', async () => {
    const topic = randomName('compat-txn');
    const transactionalId = randomName('compat-tx');
    topics.push(topic);
    await createTopic(admin, topic, 1);

    const producer: Producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const t1 = await producer.transaction();
      await t1.send({ topic, messages: ['c1', 'c2', 'c3'].map((value) => ({ value })) });
      await t1.commit();

      const t2 = await producer.transaction();
      await t2.send({ topic, messages: ['a1', 'a2'].map((value) => ({ value })) });
      await t2.abort();

      const t3 = await producer.transaction();
      await t3.send({ topic, messages: [{ value: 'c4' }] });
      await t3.commit();
    } finally {
      await producer.disconnect();
    }

    const committedView = await consumeUntil(kafka, {
      groupId: randomName('compat-rc'),
      topic,
      done: (s) => s.some((m) => m.value === 'c4'),
      message: 'read_committed consumer sees c4',
    });
    expect(committedView.map((m) => m.value)).toEqual(['c1', 'c2', 'c3', 'c4']);

    const uncommittedView = await consumeUntil(kafka, {
      groupId: randomName('compat-ru'),
      topic,
      readUncommitted: true,
      done: (s) => s.some((m) => m.value === 'c4'),
      message: 'read_uncommitted consumer sees c4',
    });
    expect(uncommittedView.map((m) => m.value)).toEqual(['c1', 'c2', 'c3', 'a1', 'a2', 'c4']);

    // 6 records + 3 transaction markers
    const [end] = await admin.fetchTopicOffsets(topic);
    expect(end!.high).toBe('9');

    // independent reference: Kafka's console consumer in read_committed mode
    const cli = await runKafkaTool('kafka-console-consumer', [
      '--bootstrap-server',
      DEFAULT_BROKERS,
      '--topic',
      topic,
      '--from-beginning',
      '--isolation-level',
      'read_committed',
      '--max-messages',
      '4',
      '--timeout-ms',
      '20000',
    ]);
    expect(cli.trim().split('\n')).toEqual(['c1', 'c2', 'c3', 'c4']);

    const txState = await runKafkaTool('kafka-transactions', [
      '--bootstrap-server',
      DEFAULT_BROKERS,
      'describe',
      '--transactional-id',
      transactionalId,
    ]);
    expect(txState).toMatch(/CompleteCommit/);
    evidence('txn read_committed (kafkajs)', committedView.map((m) => `${m.offset}:${m.value}`));
    evidence('txn read_uncommitted (kafkajs)', uncommittedView.map((m) => `${m.offset}:${m.value}`));
    evidence('txn high watermark (records + markers)', end!.high);
  });

  it('kafkajs detail: producer.connect() alone does not fence, the first transaction() does', async () => {
    const topic = randomName('compat-connect');
    const transactionalId = randomName('compat-connect-tx');
    topics.push(topic);
    await createTopic(admin, topic, 1);
    const p1 = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    const p2 = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    try {
      await p1.connect();
      const t1 = await p1.transaction();
      await t1.send({ topic, messages: [{ value: 'p1' }] });
      // connect() only asks for an idempotent (non-transactional) producer id: p1 is not fenced yet.
      // A restarted Sluice worker must therefore call transaction() before it can rely on fencing.
      await p2.connect();
      await t1.commit();
      const seen = await consumeUntil(kafka, {
        groupId: randomName('compat-connect-rc'),
        topic,
        done: (s) => s.length >= 1,
        message: 'read_committed consumer sees p1',
      });
      expect(seen.map((m) => m.value)).toEqual(['p1']);
    } finally {
      await p1.disconnect();
      await p2.disconnect();
    }
  });

  it('transactions: a second producer with the same transactionalId fences the first', async () => {
    const topic = randomName('compat-fence');
    const transactionalId = randomName('compat-fence-tx');
    topics.push(topic);
    await createTopic(admin, topic, 1);

    // the first producer's errors are expected: collect them instead of printing
    const fencedLogs: string[] = [];
    const kafka1 = testKafka(randomName('compat-fenced'), {
      logCreator: errorOnlyLogger(fencedLogs, false),
      retry: { retries: 1, initialRetryTime: 100 },
    });
    const p1 = kafka1.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    const p2 = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
    try {
      await p1.connect();
      await p2.connect();
      const t1 = await p1.transaction();
      await t1.send({ topic, messages: [{ value: 'from-p1' }] });

      // kafkajs runs the *transactional* InitProducerId on the first transaction() call (connect()
      // only gets an idempotent producer id). That call bumps the epoch for the transactionalId and
      // makes the coordinator abort p1's open transaction: p1 is fenced from here on.
      const t2 = await p2.transaction();

      const settle = (p: Promise<unknown>, what: string): Promise<unknown> =>
        withTimeout(
          p.then(
            () => undefined,
            (err: unknown) => err,
          ),
          20_000,
          `${what} neither failed nor succeeded within 20 s`,
        );
      const sendError = await settle(t1.send({ topic, messages: [{ value: 'from-p1-after-fence' }] }), 'fenced send');
      expect(sendError, 'the fenced producer must not be able to send').toBeInstanceOf(Error);
      const commitError = await settle(t1.commit(), 'fenced commit');
      expect(commitError, 'the fenced producer must not be able to commit').toBeInstanceOf(Error);
      expect(errorMessage(sendError)).toMatch(/epoch|fenced/i);

      await t2.send({ topic, messages: [{ value: 'from-p2' }] });
      await t2.commit();

      const visible = await consumeUntil(kafka, {
        groupId: randomName('compat-fence-rc'),
        topic,
        done: (s) => s.some((m) => m.value === 'from-p2'),
        message: 'read_committed consumer sees from-p2',
      });
      expect(visible.map((m) => m.value)).toEqual(['from-p2']);
      evidence('fenced send error', errorMessage(sendError));
      evidence('fenced commit error', errorMessage(commitError));
      evidence('fenced producer logged errors', fencedLogs.length);
    } finally {
      await p1.disconnect().catch(() => undefined);
      await p2.disconnect();
    }
  });
});
