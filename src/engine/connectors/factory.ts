/**
 * From the job spec's source and sink sections to connector instances, and the check
 * that a sink can give the guarantee the job asks for (the engine refuses a combination
 * that cannot, with a message that says why).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobSpec, SinkSpec, SourceSpec } from '../job/spec.js';
import type { DeliveryGuarantee, Sink } from './sink.js';
import type { Source } from './source.js';
import { GeneratorSource } from './generator.js';
import { FileSource } from './file-source.js';
import { NexmarkSource } from './nexmark-source.js';
import { SqliteSource } from './sqlite-source.js';
import { LogSink, LogSource } from './log/index.js';
import { FileSink } from './file-sink.js';
import { SqliteSink } from './sqlite-sink.js';
import { KafkaSource } from './kafka/kafka-source.js';
import { KafkaSink, type KafkaTransactionOptions } from './kafka/kafka-sink.js';

export class UnsupportedConnectorError extends Error {}

export function createSource(spec: SourceSpec, specDir: string): Source {
  const abs = (p: string): string => path.resolve(specDir, p);
  switch (spec.type) {
    case 'generator':
      return new GeneratorSource({
        seed: spec.seed,
        count: spec.count,
        keys: spec.keys,
        eventsPerSecond: spec.eventsPerSecond,
        skew: spec.skew,
        startTs: spec.startTs,
        eventTimeRate: spec.eventTimeRate,
        splits: spec.splits,
      });
    case 'nexmark':
      return new NexmarkSource({
        seed: spec.seed,
        count: spec.count,
        eventsPerSecond: spec.eventsPerSecond,
        startTs: spec.startTs,
        eventTimeRate: spec.eventTimeRate,
        hotAuctionRatio: spec.hotAuctionRatio,
        hotBiddersRatio: spec.hotBiddersRatio,
        hotSellersRatio: spec.hotSellersRatio,
        activePeople: spec.activePeople,
        inFlightAuctions: spec.inFlightAuctions,
        splits: spec.splits,
      });
    case 'file':
      return new FileSource({ path: abs(spec.path), format: spec.format, csv: spec.csv });
    case 'sqlite':
      return new SqliteSource({ path: abs(spec.path), table: spec.table, ...(spec.orderBy !== null ? { orderBy: spec.orderBy } : {}) });
    case 'log':
      return new LogSource({ path: abs(spec.path), topic: spec.topic, startFrom: spec.startFrom, bounded: spec.bounded });
    case 'kafka':
      return new KafkaSource({
        brokers: spec.brokers,
        topics: spec.topics,
        groupId: spec.groupId,
        startFrom: spec.startFrom,
        isolation: spec.isolation,
        ssl: spec.ssl,
        sasl: spec.sasl,
        bounded: spec.bounded,
      });
  }
}

/** The guarantee a sink spec can give, whatever the job asks. */
export function sinkGuarantee(spec: SinkSpec): DeliveryGuarantee {
  switch (spec.type) {
    case 'file':
    case 'log':
      return 'exactly-once';
    case 'sqlite':
      return spec.mode === 'insert' ? 'at-least-once' : 'exactly-once';
    case 'kafka':
      return 'exactly-once';
  }
}

/** Why `spec` cannot give `guarantee`, or null when it can. */
export function guaranteeProblem(spec: SinkSpec, guarantee: DeliveryGuarantee): string | null {
  if (guarantee === 'at-least-once' || sinkGuarantee(spec) === 'exactly-once') return null;
  if (spec.type === 'sqlite') {
    return `sqlite sink mode "insert" writes rows directly and duplicates them on replay after a failure: use mode "transactional" (two-phase commit) or "upsert" (idempotent), or set guarantee: at-least-once`;
  }
  return `sink type "${spec.type}" cannot give exactly-once`;
}

/** Where a job run keeps sink bookkeeping that must outlive a worker (the Kafka transaction ledger). */
export interface SinkRunContext {
  /** The run's state directory (host and workers see the same one). */
  readonly dir: string;
  readonly jobName: string;
}

/** Default transaction timeout: the broker's default transaction.max.timeout.ms. */
const KAFKA_TRANSACTION_TIMEOUT_MS = 15 * 60_000;

export function createSink(spec: SinkSpec, guarantee: DeliveryGuarantee, specDir: string, run?: SinkRunContext): Sink {
  const problem = guaranteeProblem(spec, guarantee);
  if (problem !== null) throw new UnsupportedConnectorError(`guarantee exactly-once: ${problem}`);
  const abs = (p: string): string => path.resolve(specDir, p);
  switch (spec.type) {
    case 'file':
      return new FileSink({ path: abs(spec.path), format: spec.format, guarantee });
    case 'sqlite':
      return new SqliteSink({ path: abs(spec.path), table: spec.table, mode: spec.mode, key: spec.key });
    case 'log':
      return new LogSink({ path: abs(spec.path), topic: spec.topic, partitions: spec.partitions, keyField: 'key', guarantee });
    case 'kafka':
      return new KafkaSink({
        brokers: spec.brokers,
        topic: spec.topic,
        ssl: spec.ssl,
        sasl: spec.sasl,
        keyField: spec.keyField,
        headers: spec.headers ?? {},
        partitioner: spec.partitioner ?? 'default',
        guarantee,
        ...(guarantee === 'exactly-once' ? { transactions: kafkaTransactions(spec, run ?? { dir: mkdtempSync(path.join(os.tmpdir(), 'sluice-kafka-')), jobName: 'batch' }) } : {}),
      });
  }
}

function kafkaTransactions(spec: Extract<SinkSpec, { type: 'kafka' }>, run: SinkRunContext): KafkaTransactionOptions {
  return {
    ledgerFile: path.join(run.dir, 'kafka-transactions.db'),
    idPrefix: spec.transactionalIdPrefix ?? `sluice-${run.jobName.replace(/[^\w.-]+/g, '_')}`,
    timeoutMs: spec.transactionTimeout ?? KAFKA_TRANSACTION_TIMEOUT_MS,
  };
}

/**
 * Where malformed records go when the spec declares no `dead-letter` side output: a
 * JSONL file next to the job's sink output, named after the job. Never dropped silently.
 */
export function deadLetterSinkSpec(spec: JobSpec): SinkSpec {
  const declared = spec.sideOutputs['dead-letter'];
  if (declared !== undefined) return declared;
  const base = 'path' in spec.sink && typeof spec.sink.path === 'string' ? path.dirname(path.resolve(spec.specDir, spec.sink.path)) : spec.specDir;
  return { type: 'file', path: path.join(base, `${spec.name.replace(/[^\w.-]+/g, '_')}.dead-letter.jsonl`), format: 'jsonl' };
}
