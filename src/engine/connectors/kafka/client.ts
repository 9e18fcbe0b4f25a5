/**
 * Sluice's Kafka client: the one place that talks to kafkajs. The explorer, the source,
 * the sink and the CLI use this interface only, so the library can be swapped.
 *
 * Offsets are plain numbers (int64 offsets of a local cluster stay far below 2^53).
 */
import { AssignerProtocol, Kafka, logLevel, Partitioners, type Admin, type ICustomPartitioner, type KafkaConfig, type Message, type PartitionMetadata, type Producer, type SASLOptions } from 'kafkajs';
import { AbortedTransactionFilter } from './aborted-transactions.js';
import { DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, parseBrokers, type KafkaConnectionConfig } from './config.js';
import { describeKafkaError, isRetriableFetchError, KafkaError, rootCause, withDeadline } from './errors.js';
import { createRawCluster, READ_COMMITTED, READ_UNCOMMITTED, type RawBroker, type RawCluster, type RawMessage, type RawPartitionMetadata } from './kafkajs-internals.js';
import { fetchDecoded, type RawFetchRequest } from './raw-fetch.js';
import { rawProduceVersion, sendRawProduce, type ProducedPartition } from './raw-produce.js';

// kafkajs prints a warning about its v2 partitioner change on every producer.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';

export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Record timestamp (create or log-append time), ms. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Header values as UTF-8 text; null for a header whose value is null (a repeated key keeps its last value). */
  readonly headers: Readonly<Record<string, string | null>>;
  /** The value as UTF-8 text (null for a null value); the decoder may skip the Buffer. */
  valueText(): string | null;
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface FetchedPartition {
  readonly topic: string;
  readonly partition: number;
  /** Data records, aborted-transaction records and control records removed (read_committed). */
  readonly records: KafkaRecord[];
  /** Where the next fetch starts: after the last record batch returned, control batches included. */
  readonly nextOffset: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
}

export interface PartitionInfo {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: number[];
  readonly isr: number[];
  readonly offlineReplicas: number[];
}

export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  /** topic → partitions, decoded from the consumer protocol; {} when not a consumer group. */
  readonly assignment: Record<string, number[]>;
}

export interface GroupDescription {
  readonly groupId: string;
  /** Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, … */
  readonly state: string;
  readonly protocolType: string;
  readonly protocol: string;
  readonly members: GroupMember[];
}

export interface ProducedRecord {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly partition?: number;
  readonly headers?: Record<string, string>;
  readonly timestamp?: number;
}

export interface KafkaTransaction {
  send(topic: string, records: ProducedRecord[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface KafkaProducerHandle {
  send(topic: string, records: ProducedRecord[]): Promise<TopicPartitionOffset[]>;
  /** A transactional producer only: begins a transaction (the first one fences older producers with the same id). */
  transaction(): Promise<KafkaTransaction>;
  close(): Promise<void>;
}

export interface FetchOptions {
  readonly isolation?: 'read_committed' | 'read_uncommitted';
  /** How long the broker may wait for data (default 100 ms). */
  readonly maxWaitMs?: number;
  readonly maxBytesPerPartition?: number;
  /** Retries after metadata / leader / connection errors (default 4; 0 for callers that retry themselves). */
  readonly retries?: number;
}

export interface ProducerOptions {
  readonly transactionalId?: string;
  /** ms, default 60000 */
  readonly transactionTimeoutMs?: number;
  /** 'default' = murmur2 of the key (Java-compatible), 'legacy' = kafkajs 1.x, 'round-robin' */
  readonly partitioner?: 'default' | 'legacy' | 'round-robin';
}

/** Which implementation a Kafka codec switch selects: Sluice's own (default) or kafkajs's, kept to compare the two. */
export type KafkaCodec = 'sluice' | 'kafkajs';

function codecChoice(variable: string, env: NodeJS.ProcessEnv): KafkaCodec {
  const v = env[variable];
  if (v === undefined || v === '' || v === 'sluice') return 'sluice';
  if (v === 'kafkajs') return 'kafkajs';
  throw new KafkaError('invalid', `${variable}=${v}: expected "sluice" or "kafkajs"`);
}

/** Which decoder reads fetch responses: ours (raw-fetch.ts) or kafkajs's (SLUICE_KAFKA_DECODER=kafkajs). */
export type FetchDecoder = KafkaCodec;

export function fetchDecoder(env: NodeJS.ProcessEnv = process.env): FetchDecoder {
  return codecChoice('SLUICE_KAFKA_DECODER', env);
}

/**
 * Which encoder builds a non-transactional producer's Produce requests: ours (raw-produce.ts)
 * or kafkajs's producer (SLUICE_KAFKA_ENCODER=kafkajs, read when the producer is created).
 * Transactional producers always use kafkajs.
 */
export type ProduceEncoder = KafkaCodec;

export function produceEncoder(env: NodeJS.ProcessEnv = process.env): ProduceEncoder {
  return codecChoice('SLUICE_KAFKA_ENCODER', env);
}

/** Produce attempts per send (the first and 4 retries), as kafkajs's producer retries 5 times. */
const PRODUCE_ATTEMPTS = 5;

/** Partition errors after which the records may go through on fresh metadata (a moved leader, a topic just created). */
const RETRIABLE_PRODUCE_ERRORS = new Set(['NOT_LEADER_OR_FOLLOWER', 'NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'REQUEST_TIMED_OUT']);

function isRetriableProduceError(e: unknown): boolean {
  const t = (rootCause(e) as { type?: string } | null)?.type;
  return (t !== undefined && RETRIABLE_PRODUCE_ERRORS.has(t)) || isRetriableFetchError(e);
}

type Partitioner = ReturnType<ICustomPartitioner>;

/** Records per partition in one pass, partitioned as kafkajs's producer would (an explicit partition wins). */
function groupByPartition(topic: string, md: RawPartitionMetadata[], records: ProducedRecord[], partitioner: Partitioner): Map<number, ProducedRecord[]> {
  const out = new Map<number, ProducedRecord[]>();
  const partitionMetadata = md as unknown as PartitionMetadata[];
  for (const r of records) {
    // The built-in partitioners read only `partition` and `key` of the message.
    const p = r.partition ?? partitioner({ topic, partitionMetadata, message: r as unknown as Message });
    let l = out.get(p);
    if (l === undefined) out.set(p, (l = []));
    l.push(r);
  }
  return out;
}

function cachedPartitions(raw: RawCluster, topic: string): RawPartitionMetadata[] {
  try {
    return raw.findTopicPartitionMetadata(topic);
  } catch {
    return []; // no metadata loaded at all
  }
}

export function kafkajsConfig(cfg: KafkaConnectionConfig): KafkaConfig {
  const brokers = parseBrokers(cfg.brokers);
  const out: KafkaConfig = {
    clientId: cfg.clientId ?? 'sluice',
    brokers,
    connectionTimeout: cfg.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    authenticationTimeout: cfg.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeout: cfg.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retry: { retries: cfg.retries ?? 3, initialRetryTime: 100, maxRetryTime: 2_000 },
    logLevel: logLevel.NOTHING,
  };
  if (cfg.ssl !== undefined && cfg.ssl !== false) out.ssl = cfg.ssl === true ? true : { ...cfg.ssl };
  if (cfg.sasl) out.sasl = { mechanism: cfg.sasl.mechanism, username: cfg.sasl.username, password: cfg.sasl.password } as SASLOptions;
  return out;
}

const num = (s: string | number): number => Number(s);

/** Shared by every record without headers (most of them): no allocation per record. */
const NO_HEADERS: Readonly<Record<string, string | null>> = Object.freeze({});

function headersOf(h: RawMessage['headers']): Readonly<Record<string, string | null>> {
  let out: Record<string, string | null> | null = null;
  for (const k in h) {
    const v = h[k];
    if (v === undefined) continue;
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) (out ??= {})[k] = last === null ? null : Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return out ?? NO_HEADERS;
}

export class KafkaClient {
  private readonly kafka: Kafka;
  private admin: Admin | null = null;
  private raw: RawCluster | null = null;
  private rawIsolation: number | null = null;
  private metadataStale = false;
  private readonly producers = new Set<KafkaProducerHandle>();
  readonly brokers: string[];
  private readonly what: string;

  constructor(readonly config: KafkaConnectionConfig) {
    this.brokers = parseBrokers(config.brokers);
    this.kafka = new Kafka(kafkajsConfig(config));
    this.what = `Kafka at ${this.brokers.join(',')}`;
  }

  private timeoutMs(): number {
    return (this.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) + (this.config.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS) * 2;
  }

  /** Runs one admin call with a deadline, turning failures into a KafkaError that says what failed. */
  private async call<T>(what: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await this.callOnce(what, fn);
    } catch (e) {
      // kafkajs's admin refreshes metadata for every topic it ever looked at; one deleted
      // since (by anyone) fails each refresh with UNKNOWN_TOPIC_OR_PARTITION. A fresh admin
      // only asks for the topics of this call, so a second failure is a real unknown topic.
      if (!(e instanceof KafkaError && e.kind === 'unknown-topic') || this.admin === null) throw e;
      const stale = this.admin;
      this.admin = null;
      await stale.disconnect().catch(() => undefined);
      return this.callOnce(what, fn);
    }
  }

  private async callOnce<T>(what: string, fn: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(
        (async () => {
          const admin = await this.ensureAdmin();
          return fn(admin);
        })(),
        this.timeoutMs() * 2,
        `${what} on ${this.what}`,
      );
    } catch (e) {
      throw describeKafkaError(e, `${what} on ${this.what}`);
    }
  }

  private async ensureAdmin(): Promise<Admin> {
    if (this.admin !== null) return this.admin;
    const admin = this.kafka.admin({ retry: { retries: this.config.retries ?? 3 } });
    try {
      await admin.connect();
    } catch (e) {
      await admin.disconnect().catch(() => undefined);
      throw e;
    }
    this.admin = admin;
    return admin;
  }

  /** The raw (group-less) cluster used for fetches, offset commits and ListOffsets. */
  async rawCluster(isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<RawCluster> {
    const level = isolation === 'read_committed' ? READ_COMMITTED : READ_UNCOMMITTED;
    if (this.raw !== null && this.rawIsolation === level) return this.raw;
    if (this.raw !== null) await this.raw.disconnect().catch(() => undefined);
    const cfg = kafkajsConfig(this.config);
    this.raw = createRawCluster({
      brokers: this.brokers,
      clientId: cfg.clientId ?? 'sluice',
      ssl: cfg.ssl,
      sasl: cfg.sasl,
      connectionTimeout: cfg.connectionTimeout ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      requestTimeout: cfg.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
      retry: { retries: this.config.retries ?? 3, initialRetryTime: 100, maxRetryTime: 2_000 },
      isolationLevel: level,
      logLevel: logLevel.NOTHING,
      logCreator: () => () => undefined,
    });
    this.rawIsolation = level;
    await this.raw.connect();
    return this.raw;
  }

  /** Connects (bootstrap + metadata) within the timeouts; a clear KafkaError otherwise. */
  async connect(): Promise<void> {
    await this.call('connect', async (admin) => {
      await admin.describeCluster();
    });
  }

  async describeCluster(): Promise<{ clusterId: string; controller: number | null; brokers: { nodeId: number; host: string; port: number }[] }> {
    return this.call('describe cluster', async (admin) => {
      const c = await admin.describeCluster();
      return { clusterId: c.clusterId, controller: c.controller, brokers: c.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })) };
    });
  }

  async listTopics(): Promise<string[]> {
    return this.call('list topics', (admin) => admin.listTopics());
  }

  async topicMetadata(topics: string[]): Promise<{ name: string; partitions: PartitionInfo[] }[]> {
    return this.call(`describe topics ${topics.join(',')}`, async (admin) => {
      const md = await admin.fetchTopicMetadata({ topics });
      return md.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions
          .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr], offlineReplicas: [...(p.offlineReplicas ?? [])] }))
          .sort((a, b) => a.partition - b.partition),
      }));
    });
  }

  /** Earliest and latest (high watermark) offset per partition. */
  async topicOffsets(topic: string): Promise<{ partition: number; low: number; high: number }[]> {
    return this.call(`fetch offsets of topic ${topic}`, async (admin) => {
      const offs = await admin.fetchTopicOffsets(topic);
      return offs.map((o) => ({ partition: o.partition, low: num(o.low), high: num(o.high) })).sort((a, b) => a.partition - b.partition);
    });
  }

  /** Per partition, the earliest offset whose timestamp ≥ `ts` (the high watermark when none). */
  async offsetsForTimestamp(topic: string, ts: number): Promise<{ partition: number; offset: number }[]> {
    return this.call(`fetch offsets of topic ${topic} at ${new Date(ts).toISOString()}`, async (admin) => {
      const offs = await admin.fetchTopicOffsetsByTimestamp(topic, ts);
      return offs.map((o) => ({ partition: o.partition, offset: num(o.offset) })).sort((a, b) => a.partition - b.partition);
    });
  }

  async createTopic(name: string, partitions: number, replicationFactor = 1, configs: Record<string, string> = {}): Promise<void> {
    await this.call(`create topic ${name}`, async (admin) => {
      const timeout = this.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      // kafkajs's own leader wait gives up with UNKNOWN_TOPIC_OR_PARTITION when the broker's
      // metadata lags its controller (a broker that just started): the topic exists then,
      // so wait for its leaders here instead of failing (or retrying into "already exists").
      const created = await admin
        .createTopics({
          waitForLeaders: true,
          timeout,
          topics: [{ topic: name, numPartitions: partitions, replicationFactor, configEntries: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) }],
        })
        .catch((e: unknown) => {
          if ((rootCause(e) as { type?: string })?.type === 'UNKNOWN_TOPIC_OR_PARTITION') return null;
          throw e;
        });
      if (created === false) throw new KafkaError('invalid', `topic ${name} already exists`);
      if (created === null) {
        const deadline = Date.now() + timeout;
        for (;;) {
          const md = await admin.fetchTopicMetadata({ topics: [name] }).catch(() => null);
          const t = md?.topics.find((x) => x.name === name);
          if (t !== undefined && t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0)) break;
          if (Date.now() > deadline) throw new KafkaError('timeout', `topic ${name} was created but has no leader for every partition after ${timeout} ms`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    });
  }

  async deleteTopic(name: string): Promise<void> {
    await this.call(`delete topic ${name}`, (admin) => admin.deleteTopics({ topics: [name], timeout: this.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS }));
  }

  async listGroups(): Promise<{ groupId: string; protocolType: string }[]> {
    return this.call('list consumer groups', async (admin) => (await admin.listGroups()).groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })));
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    return this.call(`describe group ${groupId}`, async (admin) => {
      const g = (await admin.describeGroups([groupId])).groups[0];
      if (g === undefined) throw new KafkaError('other', `group ${groupId} not returned`);
      return {
        groupId,
        state: g.state,
        protocolType: g.protocolType,
        protocol: g.protocol,
        members: g.members.map((m) => {
          let assignment: Record<string, number[]> = {};
          if (g.protocolType === 'consumer' && m.memberAssignment.length > 0) {
            try {
              assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {};
            } catch {
              assignment = {};
            }
          }
          return { memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, assignment };
        }),
      };
    });
  }

  /** Committed offsets of a group, for every topic it has committed to (−1 = none). */
  async groupOffsets(groupId: string, topics?: string[]): Promise<TopicPartitionOffset[]> {
    return this.call(`fetch committed offsets of group ${groupId}`, async (admin) => {
      const res = await admin.fetchOffsets(topics === undefined ? { groupId } : { groupId, topics });
      return res.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: num(p.offset) })));
    });
  }

  /**
   * Commits offsets for a group without joining it (OffsetCommit with generation −1 and no
   * member id, as a Java consumer using `assign()` does). Kafka accepts this only while the
   * group has no active members.
   */
  async commitGroupOffsets(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const o of offsets) {
      let l = byTopic.get(o.topic);
      if (l === undefined) byTopic.set(o.topic, (l = []));
      l.push({ partition: o.partition, offset: String(o.offset) });
    }
    try {
      await withDeadline(
        (async () => {
          const raw = await this.rawCluster(this.rawIsolation === READ_UNCOMMITTED ? 'read_uncommitted' : 'read_committed');
          const coordinator = await raw.findGroupCoordinator({ groupId });
          await coordinator.offsetCommit({ groupId, groupGenerationId: -1, memberId: '', topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
        })(),
        this.timeoutMs() * 2,
        `commit offsets of group ${groupId}`,
      );
    } catch (e) {
      throw describeKafkaError(e, `commit offsets of group ${groupId} on ${this.what}`);
    }
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.call(`delete group ${groupId}`, (admin) => admin.deleteGroups([groupId]));
  }

  /**
   * One Fetch per partition leader, without group membership (our `assign()`): returns what
   * the brokers hold from each requested offset (up to `maxBytesPerPartition`), waiting at
   * most `maxWaitMs` for data. Errors are thrown as they come (the caller decides to retry).
   */
  async fetch(requests: TopicPartitionOffset[], opts: FetchOptions = {}): Promise<FetchedPartition[]> {
    const attempts = (opts.retries ?? 4) + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetchOnce(requests, opts);
      } catch (e) {
        const metadataRace = isRetriableFetchError(e) || (rootCause(e) as { type?: string })?.type === 'UNKNOWN_TOPIC_OR_PARTITION';
        if (attempt >= attempts || !metadataRace) throw describeKafkaError(e, `fetch ${requests.map((r) => `${r.topic}/${r.partition}@${r.offset}`).join(',')} from ${this.what}`);
        await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
        this.metadataStale = true;
      }
    }
  }

  private async fetchOnce(requests: TopicPartitionOffset[], opts: FetchOptions): Promise<FetchedPartition[]> {
    const decoder = fetchDecoder();
    const isolation = opts.isolation ?? 'read_committed';
    const raw = await this.rawCluster(isolation);
    const topics = [...new Set(requests.map((r) => r.topic))];
    if (!topics.every((t) => raw.targetTopics.has(t)) || this.metadataStale) {
      // Only the topics we read now: a topic deleted since would fail every metadata refresh.
      raw.targetTopics = new Set(topics);
      await raw.refreshMetadata();
      this.metadataStale = false;
    }
    const perLeader = new Map<string, TopicPartitionOffset[]>();
    for (const t of topics) {
      const mine = requests.filter((r) => r.topic === t);
      const leaders = raw.findLeaderForPartitions(t, mine.map((r) => r.partition));
      const found = new Set<number>();
      for (const [node, parts] of Object.entries(leaders)) {
        let l = perLeader.get(node);
        if (l === undefined) perLeader.set(node, (l = []));
        for (const p of parts) {
          found.add(p);
          l.push(mine.find((r) => r.partition === p)!);
        }
      }
      const missing = mine.filter((r) => !found.has(r.partition));
      if (missing.length > 0) throw new KafkaError('unknown-topic', `topic ${t} has no partition ${missing.map((m) => m.partition).join(',')} (or no metadata for it)`);
    }
    const maxBytes = opts.maxBytesPerPartition ?? 1024 * 1024;
    const results = await Promise.all(
      [...perLeader].map(async ([node, reqs]) => {
        const broker = await raw.findBroker({ nodeId: node });
        const byTopic = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
        for (const r of reqs) {
          let l = byTopic.get(r.topic);
          if (l === undefined) byTopic.set(r.topic, (l = []));
          l.push({ partition: r.partition, fetchOffset: String(r.offset), maxBytes });
        }
        const fetchReq: RawFetchRequest = {
          isolationLevel: isolation === 'read_committed' ? READ_COMMITTED : READ_UNCOMMITTED,
          maxWaitTime: opts.maxWaitMs ?? 100,
          minBytes: 1,
          maxBytes: maxBytes * reqs.length,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        };
        return (decoder === 'sluice' ? await fetchDecoded(broker, fetchReq, reqs) : null) ?? fetchWithKafkajs(broker, fetchReq, reqs);
      }),
    );
    return results.flat();
  }

  async producer(opts: ProducerOptions = {}): Promise<KafkaProducerHandle> {
    const createPartitioner = partitionerFactory(opts.partitioner ?? 'default');
    const transactional = opts.transactionalId !== undefined;
    const p: Producer = this.kafka.producer({
      createPartitioner,
      allowAutoTopicCreation: false,
      ...(transactional ? { transactionalId: opts.transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: opts.transactionTimeoutMs ?? 60_000 } : {}),
    });
    try {
      await withDeadline(p.connect(), this.timeoutMs(), `connect producer to ${this.what}`);
    } catch (e) {
      await p.disconnect().catch(() => undefined);
      throw describeKafkaError(e, `connect producer to ${this.what}`);
    }
    // Our own partitioner instance: kafkajs's stays inside its producer (the fallback path).
    const rawPartitioner = transactional || produceEncoder() === 'kafkajs' ? null : createPartitioner();
    const toMessages = (records: ProducedRecord[]) =>
      records.map((r) => ({
        key: r.key ?? null,
        value: r.value,
        ...(r.partition !== undefined ? { partition: r.partition } : {}),
        ...(r.headers !== undefined ? { headers: r.headers } : {}),
        ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}),
      }));
    const handle: KafkaProducerHandle = {
      send: async (topic, records) => {
        if (rawPartitioner !== null) {
          const out = await this.produceRaw(topic, records, rawPartitioner);
          if (out !== null) return out;
        }
        const res = await p.send({ topic, acks: -1, messages: toMessages(records) });
        return res.map((r) => ({ topic: r.topicName, partition: r.partition, offset: num(r.baseOffset ?? '-1') }));
      },
      transaction: async () => {
        if (!transactional) throw new KafkaError('invalid', 'not a transactional producer');
        const tx = await p.transaction();
        return {
          send: async (topic, records) => {
            await tx.send({ topic, acks: -1, messages: toMessages(records) });
          },
          commit: () => tx.commit(),
          abort: () => tx.abort(),
        };
      },
      close: async () => {
        this.producers.delete(handle);
        await p.disconnect().catch(() => undefined);
      },
    };
    this.producers.add(handle);
    return handle;
  }

  /**
   * At-least-once produce through Sluice's encoder: one Produce per leader broker, in
   * parallel, acks=all. Partitions that fail with a retriable error are sent again (alone)
   * on refreshed metadata, up to PRODUCE_ATTEMPTS times. Returns each partition's base
   * offset, or null when a leader negotiated a Produce version raw-produce.ts does not
   * encode and nothing was sent yet (the caller then sends through kafkajs).
   */
  private async produceRaw(topic: string, records: ProducedRecord[], partitioner: Partitioner): Promise<TopicPartitionOffset[] | null> {
    const what = `produce ${records.length} records to topic ${topic} on ${this.what}`;
    const timeoutMs = this.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const done: TopicPartitionOffset[] = [];
    let pending: Map<number, ProducedRecord[]> | null = null;
    for (let attempt = 1; ; attempt++) {
      let failure: unknown = null;
      try {
        // The raw cluster fetches share: keep its isolation level (a change reconnects it).
        const raw = await this.rawCluster(this.rawIsolation === READ_UNCOMMITTED ? 'read_uncommitted' : 'read_committed');
        const md = await this.produceMetadata(raw, topic, attempt > 1);
        if (md.length === 0) throw new KafkaError('unknown-topic', `topic ${topic} has no partitions in the cluster's metadata`);
        pending ??= groupByPartition(topic, md, records, partitioner);
        const leaders = raw.findLeaderForPartitions(topic, [...pending.keys()]);
        const led = new Set(Object.values(leaders).flat());
        const unled = [...pending.keys()].filter((p) => !led.has(p));
        if (unled.length > 0) failure = new KafkaError('unknown-topic', `topic ${topic} has no partition ${unled.join(',')} (or no leader for it)`);
        const nodes = Object.entries(leaders);
        const brokers = await Promise.all(nodes.map(([node]) => raw.findBroker({ nodeId: node })));
        if (brokers.some((b) => rawProduceVersion(b) === null)) {
          if (done.length === 0 && attempt === 1) return null;
          throw new KafkaError('other', `a leader of topic ${topic} moved to a broker whose Produce version Sluice's encoder does not support`);
        }
        const sent = nodes.map(async ([node, parts], i): Promise<ProducedPartition[]> => {
          const partitions = parts.map((partition) => ({ partition, records: pending!.get(partition)! }));
          try {
            const res = await sendRawProduce(brokers[i]!, { acks: -1, timeoutMs, topics: [{ topic, partitions }] });
            if (res === null) throw new KafkaError('other', `broker ${node} changed its Produce version`);
            return res.partitions;
          } catch (e) {
            // A failed request (connection, timeout) fails each of its partitions.
            const error = e instanceof Error ? e : new Error(String(e));
            return parts.map((partition) => ({ topic, partition, errorCode: -1, error, baseOffset: -1 }));
          }
        });
        for (const r of (await Promise.all(sent)).flat()) {
          if (r.error === null) {
            done.push({ topic, partition: r.partition, offset: r.baseOffset });
            pending.delete(r.partition);
          } else if (!isRetriableProduceError(r.error)) throw r.error;
          else failure ??= r.error;
        }
        if (pending.size === 0) return done.sort((a, b) => a.partition - b.partition);
      } catch (e) {
        if (!isRetriableProduceError(e) && !(e instanceof KafkaError && e.kind === 'unknown-topic')) throw describeKafkaError(e, what);
        failure = e;
      }
      if (attempt >= PRODUCE_ATTEMPTS) throw failure instanceof KafkaError ? new KafkaError(failure.kind, `${what}: ${failure.message}`, failure) : describeKafkaError(failure, what);
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
    }
  }

  /**
   * The topic's partitions from the raw cluster's metadata, refreshed when asked or when
   * the topic is not cached. Fetches keep their own topics in the target set; ours is added,
   * and a topic that fails the refresh is taken out again (it would fail every later one).
   */
  private async produceMetadata(raw: RawCluster, topic: string, refresh: boolean): Promise<RawPartitionMetadata[]> {
    if (!refresh && raw.targetTopics.has(topic)) {
      const md = cachedPartitions(raw, topic);
      if (md.length > 0) return md;
    }
    const others = [...raw.targetTopics].filter((t) => t !== topic);
    try {
      raw.targetTopics = new Set([...others, topic]);
      await raw.refreshMetadata().catch(async (e: unknown) => {
        if (others.length === 0 || (rootCause(e) as { type?: string } | null)?.type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw e;
        // Maybe one of the fetches' topics was deleted since: ask for ours alone.
        raw.targetTopics = new Set([topic]);
        await raw.refreshMetadata();
      });
    } catch (e) {
      raw.targetTopics = new Set(others);
      throw e;
    }
    return cachedPartitions(raw, topic);
  }

  async close(): Promise<void> {
    for (const p of [...this.producers]) await p.close();
    const admin = this.admin;
    this.admin = null;
    if (admin !== null) await admin.disconnect().catch(() => undefined);
    const raw = this.raw;
    this.raw = null;
    if (raw !== null) await raw.disconnect().catch(() => undefined);
  }
}

async function fetchWithKafkajs(broker: RawBroker, req: RawFetchRequest, reqs: TopicPartitionOffset[]): Promise<FetchedPartition[]> {
  const res = await broker.fetch(req);
  const out: FetchedPartition[] = [];
  for (const t of res.responses) {
    for (const p of t.partitions) {
      const r = reqs.find((x) => x.topic === t.topicName && x.partition === p.partition);
      if (r === undefined) continue;
      out.push(toFetched(t.topicName, r.offset, p));
    }
  }
  return out;
}

/** A record decoded by kafkajs. */
class KafkajsRecord implements KafkaRecord {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: Readonly<Record<string, string | null>>,
  ) {}

  valueText(): string | null {
    return this.value === null ? null : this.value.toString('utf8');
  }
}

function toFetched(topic: string, fetchedOffset: number, p: { partition: number; highWatermark: string; lastStableOffset: string; abortedTransactions: { producerId: string; firstOffset: string }[]; messages: RawMessage[] }): FetchedPartition {
  // Batches may start before the requested offset (compressed / whole-batch reads).
  const first = p.messages[0];
  const within = first !== undefined && num(first.offset) < fetchedOffset ? p.messages.filter((m) => num(m.offset) >= fetchedOffset) : p.messages;
  let next = fetchedOffset;
  for (const m of p.messages) {
    const end = num(m.batchContext.firstOffset) + m.batchContext.lastOffsetDelta + 1;
    if (end > next) next = end;
  }
  // One pass, no intermediate arrays: this runs for every record the source reads.
  const records: KafkaRecord[] = [];
  const aborted = new AbortedTransactionFilter((p.abortedTransactions ?? []).map((a) => ({ producerId: a.producerId, firstOffset: num(a.firstOffset) })));
  for (const m of within) {
    if (!aborted.visible(num(m.offset), m.batchContext.producerId, m.isControlRecord, m.batchContext.inTransaction)) continue;
    records.push(new KafkajsRecord(topic, p.partition, num(m.offset), num(m.timestamp), m.key, m.value, headersOf(m.headers)));
  }
  return {
    topic,
    partition: p.partition,
    records,
    nextOffset: next,
    highWatermark: num(p.highWatermark),
    lastStableOffset: num(p.lastStableOffset),
  };
}

/** Records without an explicit partition go to partitions in turn (keys ignored). */
/** kafkajs's partitioner factory for a sink's `partitioner` setting. */
export function partitionerFactory(kind: 'default' | 'legacy' | 'round-robin'): ICustomPartitioner {
  return kind === 'legacy' ? Partitioners.LegacyPartitioner : kind === 'round-robin' ? roundRobinPartitioner : Partitioners.DefaultPartitioner;
}

const roundRobinPartitioner = () => {
  let n = 0;
  return ({ partitionMetadata }: { partitionMetadata: { partitionId: number }[] }): number => {
    const ids = partitionMetadata.map((p) => p.partitionId).sort((a, b) => a - b);
    return ids[n++ % ids.length] ?? 0;
  };
};
