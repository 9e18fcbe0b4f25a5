/**
 * Kafka transactions that can be finished by another process, the way Flink's two-phase
 * commit Kafka sink works: a worker begins a transaction under a transactional id, sends
 * records in it and flushes them at the checkpoint barrier; the host then commits it with
 * EndTxn, given only the transactional id, producer id and epoch the worker recorded. A
 * transaction that must not become visible is fenced: InitProducerId on its transactional
 * id bumps the epoch, which makes the broker abort whatever was open under it.
 */
import { describeKafkaError, KafkaError } from './errors.js';
import { partitionerFactory } from './client.js';
import { createMessageProducer, createTransactionManager, TRANSACTION_COORDINATOR, type RawCluster, type RawEosManager, type RawMessageProducer } from './kafkajs-internals.js';
import type { ProducedRecord } from './client.js';

/** What the host needs to finish a transaction a worker began. */
export interface TransactionHandle {
  readonly transactionalId: string;
  readonly producerId: string;
  readonly producerEpoch: number;
}

export type PartitionerKind = 'default' | 'legacy' | 'round-robin';

/** One open transaction of a worker's sink writer. */
export class OpenTransaction {
  private sent = 0;

  private constructor(
    private readonly eos: RawEosManager,
    private readonly producer: RawMessageProducer,
    readonly transactionalId: string,
  ) {}

  /** Fences older producers of `transactionalId` (aborting what they left open) and begins. */
  static async begin(cluster: RawCluster, transactionalId: string, timeoutMs: number, partitioner: PartitionerKind): Promise<OpenTransaction> {
    const eos = createTransactionManager(cluster, transactionalId, timeoutMs);
    try {
      await eos.initProducerId();
    } catch (e) {
      throw describeKafkaError(e, `kafka sink: initialise transactional producer ${transactionalId}`);
    }
    eos.beginTransaction();
    return new OpenTransaction(eos, createMessageProducer(cluster, eos, partitionerFactory(partitioner)()), transactionalId);
  }

  get handle(): TransactionHandle {
    return { transactionalId: this.transactionalId, producerId: String(this.eos.getProducerId()), producerEpoch: this.eos.getProducerEpoch() };
  }

  get records(): number {
    return this.sent;
  }

  /** Returns once the brokers hold the records (in the transaction, not yet visible). */
  async send(topic: string, records: readonly ProducedRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic,
          messages: records.map((r) => ({
            key: r.key ?? null,
            value: r.value,
            ...(r.partition !== undefined ? { partition: r.partition } : {}),
            ...(r.headers !== undefined ? { headers: r.headers } : {}),
            ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}),
          })),
        },
      ],
    });
    this.sent += records.length;
  }
}

/** kafkajs protocol errors carry the broker's error name in `type`. */
const protocolError = (e: unknown): string | null => (typeof e === 'object' && e !== null && typeof (e as { type?: unknown }).type === 'string' ? (e as { type: string }).type : null);

/** The coordinator is busy (a previous EndTxn still writing markers) or moving: try again. */
const RETRIABLE = new Set(['CONCURRENT_TRANSACTIONS', 'COORDINATOR_LOAD_IN_PROGRESS', 'COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR', 'REQUEST_TIMED_OUT']);

/**
 * Commits a pre-committed transaction. Idempotent: committing one that is already committed
 * is answered with success by the broker. Fails with a clear message when the broker no
 * longer has it open (it aborted it after `transaction.timeout.ms`: that output is lost).
 */
export async function commitTransaction(cluster: RawCluster, tx: TransactionHandle, what: string, attempts = 20): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const coordinator = await cluster.findGroupCoordinator({ groupId: tx.transactionalId, coordinatorType: TRANSACTION_COORDINATOR });
      await coordinator.endTxn({ transactionalId: tx.transactionalId, producerId: tx.producerId, producerEpoch: tx.producerEpoch, transactionResult: true });
      return;
    } catch (e) {
      const type = protocolError(e);
      if (type === 'INVALID_TXN_STATE' || type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED' || type === 'INVALID_PRODUCER_ID_MAPPING') {
        throw new KafkaError(
          'other',
          `kafka sink: cannot commit transaction ${tx.transactionalId} (${what}): the broker answered ${type} — it no longer holds that transaction open, most likely because it aborted it when transaction.timeout.ms passed before the commit; its records are not in the topic`,
        );
      }
      if (attempt >= attempts) throw describeKafkaError(e, `kafka sink: commit transaction ${tx.transactionalId} (${what})`);
      if (type !== null && !RETRIABLE.has(type) && (e as { retriable?: boolean }).retriable !== true) throw describeKafkaError(e, `kafka sink: commit transaction ${tx.transactionalId} (${what})`);
      await new Promise((r) => setTimeout(r, Math.min(100 * attempt, 1_000)));
      if (type === 'NOT_COORDINATOR' || type === 'COORDINATOR_NOT_AVAILABLE') await cluster.refreshMetadata().catch(() => undefined);
    }
  }
}

/** Aborts whatever is open under `transactionalId` by bumping its epoch (InitProducerId). */
export async function fenceTransactionalId(cluster: RawCluster, transactionalId: string, timeoutMs: number): Promise<void> {
  const eos = createTransactionManager(cluster, transactionalId, timeoutMs);
  try {
    await eos.initProducerId();
  } catch (e) {
    throw describeKafkaError(e, `kafka sink: fence transactional id ${transactionalId}`);
  }
}
