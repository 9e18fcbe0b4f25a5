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
}

export interface RawCluster {
  /** Topics whose metadata the cluster keeps; a deleted topic here fails every metadata refresh. */
  targetTopics: Set<string>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(q: { nodeId: string | number }): Promise<RawBroker>;
  findGroupCoordinator(q: { groupId: string; coordinatorType?: number }): Promise<RawBroker>;
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning?: boolean; fromTimestamp?: number }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
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
