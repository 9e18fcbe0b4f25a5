/**
 * The few kafkajs internals Sluice uses, typed here and nowhere else.
 *
 * Why: kafkajs's public consumer only consumes through group membership (no `assign()`),
 * and its admin `setOffsets` joins the group to commit. A stream engine needs the opposite —
 * Flink's model: each worker reads exactly the partitions the job assigns it, from the
 * offsets in the checkpoint, and commits offsets to the group only for outside observers,
 * without ever being a member. kafkajs's own `Cluster` (metadata, leader lookup, broker
 * connections with SASL/TLS) and `Broker.fetch` / `Broker.offsetCommit` do exactly that;
 * its consumer is built on them. kafkajs 2.2.4 is the last release (the project asked
 * for maintainers in 2023), so these modules are frozen; this file pins the shapes we use.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface RawMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  isControlRecord: boolean;
  batchContext: { firstOffset: string; lastOffsetDelta: number; inTransaction: boolean; isControlBatch: boolean; producerId: string };
}

export interface RawFetchPartition {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset: string;
  abortedTransactions: { producerId: string; firstOffset: string }[];
  messages: RawMessage[];
}

export interface RawBroker {
  fetch(req: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: RawFetchPartition[] }[] }>;
  offsetCommit(req: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
  endTxn(req: { transactionalId: string; producerId: string; producerEpoch: number; transactionResult: boolean }): Promise<unknown>;
  /** Set once connected: the request builder for the highest version both ends support. */
  lookupRequest(apiKey: number, definition: unknown): (args: Record<string, unknown>) => RawProtocolRequest;
  /** Sends a built request on the broker's connection (Fetch gets its own connection). */
  connectionPool: { send<T>(req: RawProtocolRequest<T>): Promise<T> };
  disconnect(): Promise<void>;
}

/**
 * A built kafkajs request: `request` encodes it; `response.decode` gets the response body
 * (after the correlation id) and `response.parse` its result, whose value `send` returns.
 * `clientSideThrottleTime` of the decoded value is honoured by the connection (KIP-219).
 */
export interface RawProtocolRequest<T = unknown> {
  request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<unknown> };
  response: { decode(payload: Buffer): Promise<{ clientSideThrottleTime?: number }>; parse(decoded: never): Promise<T> };
  requestTimeout?: number;
}

export interface RawCluster {
  /** Topics whose metadata the cluster keeps; a deleted topic here fails every metadata refresh. */
  targetTopics: Set<string>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  /** The cached partitions of a topic ([] when the metadata has none); what kafkajs's partitioners are given. */
  findTopicPartitionMetadata(topic: string): RawPartitionMetadata[];
  findBroker(q: { nodeId: string | number }): Promise<RawBroker>;
  findGroupCoordinator(q: { groupId: string; coordinatorType?: number }): Promise<RawBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning?: boolean; fromTimestamp?: number }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

export interface RawPartitionMetadata {
  partitionId: number;
  /** −1 when the partition has no leader */
  leader: number;
  partitionErrorCode: number;
}

export interface RawClusterOptions {
  brokers: string[];
  clientId: string;
  ssl?: unknown;
  sasl?: unknown;
  connectionTimeout: number;
  requestTimeout: number;
  retry: { retries: number; initialRetryTime?: number; maxRetryTime?: number };
  isolationLevel: number;
  logCreator: unknown;
  logLevel: number;
}

type ClusterCtor = new (o: Record<string, unknown>) => RawCluster;

const Cluster = require('kafkajs/src/cluster/index.js') as ClusterCtor;
const { createLogger } = require('kafkajs/src/loggers/index.js') as { createLogger: (o: { level: number; logCreator: unknown }) => unknown };
const socketFactory = require('kafkajs/src/network/socketFactory.js') as () => unknown;
const isolation = require('kafkajs/src/protocol/isolationLevel.js') as { READ_COMMITTED: number; READ_UNCOMMITTED: number };

const coordinatorTypes = require('kafkajs/src/protocol/coordinatorTypes.js') as { GROUP: number; TRANSACTION: number };
export const TRANSACTION_COORDINATOR = coordinatorTypes.TRANSACTION;

/**
 * kafkajs's transaction manager (per transactional id) and message producer. Its public
 * producer hides the producer id and epoch, which the host committer needs to finish a
 * transaction a worker began (Flink's committer does the same with the Java client).
 */
export interface RawEosManager {
  getProducerId(): string | number;
  getProducerEpoch(): number;
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  abort(): Promise<void>;
  isInTransaction(): boolean;
}
export interface RawMessageProducer {
  sendBatch(req: {
    acks: number;
    timeout?: number;
    topicMessages: { topic: string; messages: { key: string | Buffer | null; value: string | Buffer | null; partition?: number; headers?: Record<string, string>; timestamp?: string }[] }[];
  }): Promise<unknown>;
}
const createEosManagerImpl = require('kafkajs/src/producer/eosManager/index.js') as (o: Record<string, unknown>) => RawEosManager;
const createMessageProducerImpl = require('kafkajs/src/producer/messageProducer.js') as (o: Record<string, unknown>) => RawMessageProducer;
const createRetry = require('kafkajs/src/retry/index.js') as (o: unknown) => unknown;

export function createTransactionManager(cluster: RawCluster, transactionalId: string, transactionTimeoutMs: number): RawEosManager {
  return createEosManagerImpl({ logger: silentLogger(), cluster, transactionTimeout: transactionTimeoutMs, transactional: true, transactionalId });
}

export function createMessageProducer(cluster: RawCluster, eos: RawEosManager, partitioner: unknown): RawMessageProducer {
  return createMessageProducerImpl({
    logger: silentLogger(),
    cluster,
    partitioner,
    eosManager: eos,
    idempotent: true,
    retrier: createRetry({ retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 }),
    getConnectionStatus: () => 'connected',
  });
}

function silentLogger(): unknown {
  return createLogger({ level: 0, logCreator: () => () => undefined });
}

const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as { Fetch: number; Produce: number };
const { requests } = require('kafkajs/src/protocol/requests/index.js') as { requests: { Fetch: unknown; Produce: unknown } };
const protocolErrors = require('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error & { type: string; retriable: boolean } };
const errors = require('kafkajs/src/errors.js') as { KafkaJSOffsetOutOfRange: new (e: Error, o: { topic: string; partition: number }) => Error };

export const FETCH_API_KEY = apiKeys.Fetch;
/** kafkajs's Fetch request definitions (all versions), for `RawBroker.lookupRequest`. */
export const FETCH_REQUESTS = requests.Fetch;

export const PRODUCE_API_KEY = apiKeys.Produce;
/** kafkajs's Produce request definitions (all versions), for `RawBroker.lookupRequest`: tells the negotiated version. */
export const PRODUCE_REQUESTS = requests.Produce;

/** The error kafkajs throws for a Kafka error code (`type` = Kafka's name, e.g. NOT_LEADER_OR_FOLLOWER). */
export function kafkaProtocolError(code: number, at: { topic: string; partition: number } | null): Error {
  const e = protocolErrors.createErrorFromCode(code);
  // kafkajs's fetch wraps this one so that callers can tell it apart (the source does).
  return e.type === 'OFFSET_OUT_OF_RANGE' && at !== null ? new errors.KafkaJSOffsetOutOfRange(e, at) : e;
}

export const READ_COMMITTED = isolation.READ_COMMITTED;
export const READ_UNCOMMITTED = isolation.READ_UNCOMMITTED;

/** A kafkajs Cluster with no group membership: what the consumer runs on, minus the group. */
export function createRawCluster(o: RawClusterOptions): RawCluster {
  return new Cluster({
    logger: createLogger({ level: o.logLevel, logCreator: o.logCreator }),
    socketFactory: socketFactory(),
    brokers: o.brokers,
    ssl: o.ssl,
    sasl: o.sasl,
    clientId: o.clientId,
    connectionTimeout: o.connectionTimeout,
    requestTimeout: o.requestTimeout,
    enforceRequestTimeout: true,
    metadataMaxAge: 300_000,
    retry: o.retry,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    isolationLevel: o.isolationLevel,
    instrumentationEmitter: null,
    offsets: new Map(),
  });
}

export interface EncodableRecord {
  offsetDelta: number;
  /** ms after the batch's first timestamp */
  timestampDelta: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[]>;
}

/**
 * kafkajs's own RecordBatch encoder (what its producer sends), for tests of our decoder
 * against bytes we did not write. Loaded on first use: production code never encodes.
 */
export async function encodeRecordBatch(o: {
  firstOffset: number;
  firstTimestamp: number;
  maxTimestamp?: number;
  lastOffsetDelta: number;
  /** 0 none, 1 gzip (kafkajs implements only these two without plugins) */
  compression?: number;
  transactional?: boolean;
  producerId?: number;
  /** kafkajs defaults these three to 0; a non-idempotent Java producer sends −1 */
  producerEpoch?: number;
  firstSequence?: number;
  partitionLeaderEpoch?: number;
  records: EncodableRecord[];
}): Promise<Buffer> {
  type Enc = { buffer: Buffer };
  const Long = require('kafkajs/src/utils/long.js') as { fromNumber(n: number): unknown };
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (o: Record<string, unknown>) => Promise<Enc> };
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: EncodableRecord) => Enc;
  const enc = await RecordBatch({
    compression: o.compression ?? 0,
    firstOffset: Long.fromNumber(o.firstOffset),
    firstTimestamp: o.firstTimestamp,
    maxTimestamp: o.maxTimestamp ?? o.firstTimestamp,
    lastOffsetDelta: o.lastOffsetDelta,
    transactional: o.transactional ?? false,
    producerId: Long.fromNumber(o.producerId ?? -1),
    ...(o.producerEpoch !== undefined ? { producerEpoch: o.producerEpoch } : {}),
    ...(o.firstSequence !== undefined ? { firstSequence: o.firstSequence } : {}),
    ...(o.partitionLeaderEpoch !== undefined ? { partitionLeaderEpoch: o.partitionLeaderEpoch } : {}),
    records: o.records.map((r) => Record(r)),
  });
  return enc.buffer;
}

/** kafkajs's CRC32C (Castagnoli), to re-sign a batch whose attributes a test changed. */
export function crc32c(buf: Buffer): number {
  return (require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number)(buf);
}
