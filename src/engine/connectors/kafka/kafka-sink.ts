/**
 * The Kafka sink. Each worker's writer produces with acks=all; what a checkpoint barrier
 * means depends on the guarantee:
 *
 * - at-least-once: `preCommit` returns once everything written before the barrier is
 *   acknowledged, so a completed checkpoint never misses output; a replay after a failure
 *   produces the records since the last checkpoint again (duplicates, never loss).
 * - exactly-once: the writer sends into a Kafka transaction and, at the barrier, flushes it
 *   and records it in the run's transaction ledger; the host committer commits it once the
 *   checkpoint is complete (kafka-transactions.ts), and on recovery commits what a completed
 *   checkpoint pre-committed and fences everything else. Consumers reading with
 *   isolation.level=read_committed see each record once; latency is the checkpoint interval.
 */
import type { CheckpointId, Rec, RecordBatch } from '../../core/types.js';
import { compileFieldPath } from '../../expr/index.js';
import type { SaslSpec } from '../../job/spec.js';
import type { DeliveryGuarantee, Sink, SinkCommitter, SinkWriter } from '../sink.js';
import { KafkaClient, type KafkaProducerHandle, type ProducedRecord } from './client.js';
import { describeKafkaError } from './errors.js';
import { commitTransaction, fenceTransactionalId, OpenTransaction, type PartitionerKind } from './kafka-transactions.js';
import type { RawCluster } from './kafkajs-internals.js';
import { TransactionLedger } from './transaction-ledger.js';

export interface KafkaSinkOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly ssl: boolean;
  readonly sasl: SaslSpec | null;
  /** Field whose value is the record key (strings as is, other values as JSON); null: no key. */
  readonly keyField: string | null;
  /** Header name → field path; the header value is the field (strings as is, others as JSON). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly partitioner?: PartitionerKind;
  readonly clientId?: string;
  /** exactly-once needs `transactions`; at-least-once ignores it. */
  readonly guarantee?: DeliveryGuarantee;
  readonly transactions?: KafkaTransactionOptions;
}

export interface KafkaTransactionOptions {
  /** The run's transaction ledger (SQLite), shared by the workers and the host. */
  readonly ledgerFile: string;
  /** Transactional ids are `<prefix>-<subtask>-<n>`; two running jobs must not share a prefix. */
  readonly idPrefix: string;
  /** Must exceed the longest checkpoint interval plus recovery; the broker caps it (transaction.max.timeout.ms). */
  readonly timeoutMs: number;
}

/** Records buffered before a send without waiting for the barrier. */
const SEND_BATCH = 1000;
/** At-least-once: batches sent without waiting for the previous one's acknowledgement. */
const MAX_SENDS_IN_FLIGHT = 4;

const asText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));

export class KafkaSink implements Sink {
  readonly guarantee: DeliveryGuarantee;
  constructor(private readonly opts: KafkaSinkOptions) {
    this.guarantee = opts.guarantee ?? 'at-least-once';
    if (this.guarantee === 'exactly-once' && opts.transactions === undefined) throw new Error('kafka sink: exactly-once needs a transaction ledger');
  }

  /** The ledger rows of this sink: several Kafka sinks of a job share one ledger file. */
  private get ledgerSink(): string {
    return `${this.opts.transactions?.idPrefix ?? ''}|${this.opts.topic}`;
  }

  private client(suffix: string): KafkaClient {
    return new KafkaClient({ brokers: this.opts.brokers, clientId: this.opts.clientId ?? `sluice-sink-${suffix}`, ssl: this.opts.ssl, sasl: this.opts.sasl, retries: 5 });
  }

  async openWriter(subtask: number): Promise<SinkWriter> {
    const client = this.client(String(subtask));
    try {
      const topics = await client.listTopics();
      if (!topics.includes(this.opts.topic)) throw new Error(`kafka sink: topic "${this.opts.topic}" does not exist on ${client.brokers.join(',')}`);
      const tx = this.opts.transactions;
      if (this.guarantee === 'exactly-once' && tx !== undefined) {
        const cluster = await client.rawCluster();
        await cluster.addMultipleTargetTopics([this.opts.topic]);
        return new TransactionalKafkaWriter(client, cluster, TransactionLedger.open(tx.ledgerFile), this.ledgerSink, subtask, tx, this.opts);
      }
      const producer = await client.producer(this.opts.partitioner === undefined ? {} : { partitioner: this.opts.partitioner });
      return new KafkaSinkWriter(client, producer, this.opts);
    } catch (e) {
      await client.close();
      throw e instanceof Error && e.message.startsWith('kafka sink') ? e : describeKafkaError(e, `kafka sink: connect to ${this.opts.brokers.join(',')}`);
    }
  }

  async openCommitter(): Promise<SinkCommitter> {
    const tx = this.opts.transactions;
    if (this.guarantee !== 'exactly-once' || tx === undefined) return { commit: () => undefined, recover: () => undefined, close: () => undefined };
    const client = this.client('committer');
    return new KafkaTransactionCommitter(client, TransactionLedger.open(tx.ledgerFile), this.ledgerSink, tx.timeoutMs);
  }
}

/** Turns records into Kafka messages: the key field, header fields, the event time. */
class RecordEncoder {
  private readonly keyOf: ((r: Rec) => unknown) | null;
  private readonly headerFields: [string, (r: Rec) => unknown][];

  constructor(opts: KafkaSinkOptions) {
    this.keyOf = opts.keyField === null ? null : compileFieldPath(opts.keyField);
    this.headerFields = Object.entries(opts.headers ?? {}).map(([name, field]) => [name, compileFieldPath(field)]);
  }

  encode(batch: RecordBatch, into: ProducedRecord[]): void {
    for (let i = 0; i < batch.records.length; i++) {
      const rec = batch.records[i]!;
      const ts = batch.timestamps[i];
      let headers: Record<string, string> | undefined;
      for (const [name, get] of this.headerFields) {
        const v = asText(get(rec));
        if (v !== null) (headers ??= {})[name] = v;
      }
      into.push({
        key: this.keyOf === null ? null : asText(this.keyOf(rec)),
        value: JSON.stringify(rec),
        ...(headers !== undefined ? { headers } : {}),
        ...(ts !== undefined && Number.isFinite(ts) ? { timestamp: ts } : {}),
      });
    }
  }
}

/** Encodes records into a buffer and hands it on in batches of SEND_BATCH (and at each barrier). */
abstract class BufferedKafkaWriter implements SinkWriter {
  private buffer: ProducedRecord[] = [];
  private readonly encoder: RecordEncoder;

  constructor(protected readonly opts: KafkaSinkOptions) {
    this.encoder = new RecordEncoder(opts);
  }

  async write(batch: RecordBatch): Promise<void> {
    this.encoder.encode(batch, this.buffer);
    if (this.buffer.length >= SEND_BATCH) await this.flush();
  }

  protected async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const out = this.buffer;
    this.buffer = [];
    await this.send(out);
  }

  /** Returns once the brokers acknowledged `records`. */
  protected abstract send(records: ProducedRecord[]): Promise<void>;
  abstract preCommit(checkpoint: CheckpointId): Promise<void>;
  abstract close(): Promise<void>;
}

/**
 * At-least-once writer: up to MAX_SENDS_IN_FLIGHT batches are on their way at once (the
 * brokers' acknowledgement is the slow part); a barrier waits for all of them. Order across
 * batches is not kept, which at-least-once does not promise anyway (a replay reorders too).
 */
class KafkaSinkWriter extends BufferedKafkaWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private failed: Error | null = null;

  constructor(
    private readonly client: KafkaClient,
    private readonly producer: KafkaProducerHandle,
    opts: KafkaSinkOptions,
  ) {
    super(opts);
  }

  protected async send(records: ProducedRecord[]): Promise<void> {
    this.throwIfFailed();
    const p: Promise<void> = this.producer.send(this.opts.topic, records).then(
      () => void this.inFlight.delete(p),
      (e: unknown) => {
        this.inFlight.delete(p);
        this.failed ??= describeKafkaError(e, `kafka sink: produce ${records.length} records to ${this.opts.topic}`);
      },
    );
    this.inFlight.add(p);
    while (this.inFlight.size >= MAX_SENDS_IN_FLIGHT) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failed !== null) throw this.failed;
  }

  async preCommit(_checkpoint: CheckpointId): Promise<void> {
    await this.flush();
    await Promise.all(this.inFlight);
    this.throwIfFailed();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    await this.producer.close();
    await this.client.close();
  }
}

/**
 * Exactly-once writer: one Kafka transaction per checkpoint interval, begun lazily on the
 * first record after a barrier (an interval without output costs nothing), each under a
 * transactional id never used before (the ledger's sequence), so beginning the next one
 * can never fence the previous one while it waits for the host's commit.
 */
class TransactionalKafkaWriter extends BufferedKafkaWriter {
  private current: { seq: number; tx: OpenTransaction } | null = null;

  constructor(
    private readonly client: KafkaClient,
    private readonly cluster: RawCluster,
    private readonly ledger: TransactionLedger,
    private readonly ledgerSink: string,
    private readonly subtask: number,
    private readonly txOpts: KafkaTransactionOptions,
    opts: KafkaSinkOptions,
  ) {
    super(opts);
  }

  private async begin(): Promise<{ seq: number; tx: OpenTransaction }> {
    const reserved = this.ledger.reserve(this.ledgerSink, this.subtask, this.txOpts.idPrefix);
    const tx = await OpenTransaction.begin(this.cluster, reserved.transactionalId, this.txOpts.timeoutMs, this.opts.partitioner ?? 'default');
    const h = tx.handle;
    // Recorded before any record is sent: recovery can always find and fence it.
    this.ledger.opened(reserved.seq, h.producerId, h.producerEpoch);
    return { seq: reserved.seq, tx };
  }

  protected async send(records: ProducedRecord[]): Promise<void> {
    this.current ??= await this.begin();
    try {
      await this.current.tx.send(this.opts.topic, records);
    } catch (e) {
      throw describeKafkaError(e, `kafka sink: produce ${records.length} records to ${this.opts.topic} in transaction ${this.current.tx.transactionalId}`);
    }
  }

  async preCommit(checkpoint: CheckpointId): Promise<void> {
    await this.flush();
    if (this.current === null) return;
    this.ledger.precommitted(this.current.seq, checkpoint, this.current.tx.records);
    this.current = null;
  }

  async close(): Promise<void> {
    // A transaction still open here belongs to no checkpoint: abort it now rather than
    // leave read_committed consumers stalled behind it until its timeout. The ledger says
    // `aborted` only once the broker has fenced it. When the fence fails (a worker that
    // fails because the broker is down closes here), the row stays `open`, so the host's
    // recovery fences it before the job runs again; marking it aborted anyway left the
    // transaction open on the broker, holding back the last stable offset of its
    // partitions for transaction.timeout.ms, and every result behind it unreadable.
    const open = this.current;
    this.current = null;
    try {
      if (open !== null) {
        const id = open.tx.transactionalId;
        const fenced = await fenceTransactionalId(this.cluster, id, this.txOpts.timeoutMs).then(
          () => true,
          (e: unknown) => {
            process.stderr.write(`kafka sink: could not abort open transaction ${id} on close (${e instanceof Error ? e.message : String(e)}); it stays open until recovery fences it or transaction.timeout.ms passes\n`);
            return false;
          },
        );
        if (fenced) this.ledger.aborted(open.seq);
      }
    } finally {
      this.ledger.close();
      await this.client.close();
    }
  }
}

/** The host side: commits pre-committed transactions when their checkpoint completes. */
class KafkaTransactionCommitter implements SinkCommitter {
  private cluster: RawCluster | null = null;

  constructor(
    private readonly client: KafkaClient,
    private readonly ledger: TransactionLedger,
    private readonly ledgerSink: string,
    private readonly timeoutMs: number,
  ) {}

  private async raw(): Promise<RawCluster> {
    this.cluster ??= await this.client.rawCluster();
    return this.cluster;
  }

  async commit(checkpoint: CheckpointId): Promise<void> {
    const pending = this.ledger.precommittedUpTo(this.ledgerSink, checkpoint);
    if (pending.length === 0) return;
    const cluster = await this.raw();
    for (const t of pending) {
      await commitTransaction(cluster, { transactionalId: t.transactionalId, producerId: t.producerId!, producerEpoch: t.producerEpoch! }, `checkpoint ${t.checkpoint}, ${t.records} records`);
      this.ledger.committed(t.seq);
    }
    this.ledger.prune(this.ledgerSink);
  }

  async recover(restoredFrom: CheckpointId | null): Promise<void> {
    const unfinished = this.ledger.unfinished(this.ledgerSink);
    if (unfinished.length === 0) return;
    const cluster = await this.raw();
    // Commit first: fencing an id whose transaction a completed checkpoint still needs
    // would abort it.
    for (const t of unfinished) {
      if (t.state !== 'precommitted' || restoredFrom === null || t.checkpoint! > restoredFrom) continue;
      await commitTransaction(cluster, { transactionalId: t.transactionalId, producerId: t.producerId!, producerEpoch: t.producerEpoch! }, `recovery to checkpoint ${restoredFrom}: checkpoint ${t.checkpoint}, ${t.records} records`);
      this.ledger.committed(t.seq);
    }
    for (const t of unfinished) {
      if (t.state === 'precommitted' && restoredFrom !== null && t.checkpoint! <= restoredFrom) continue;
      await fenceTransactionalId(cluster, t.transactionalId, this.timeoutMs);
      this.ledger.aborted(t.seq);
    }
  }

  async close(): Promise<void> {
    this.ledger.close();
    await this.client.close();
  }
}
