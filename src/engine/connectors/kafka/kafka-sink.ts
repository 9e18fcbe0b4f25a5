/**
 * The Kafka sink, at-least-once: each worker's writer produces with acks=all (idempotent
 * retries inside kafkajs) and `preCommit` returns only once everything written before the
 * barrier is acknowledged by the brokers, so a completed checkpoint never misses output.
 * A replay after a failure produces the records since the last checkpoint again
 * (duplicates, never loss). The host committer has nothing to do.
 *
 * Exactly-once (Kafka transactions tied to checkpoints) is not built: kafkajs cannot resume
 * a transaction in another process (Flink's committer does, with the producer id and
 * epoch), so the engine refuses `guarantee: exactly-once` with a Kafka sink (factory.ts).
 */
import type { CheckpointId, Rec, RecordBatch } from '../../core/types.js';
import { compileFieldPath } from '../../expr/index.js';
import type { SaslSpec } from '../../job/spec.js';
import type { DeliveryGuarantee, Sink, SinkCommitter, SinkWriter } from '../sink.js';
import { KafkaClient, type KafkaProducerHandle, type ProducedRecord } from './client.js';
import { describeKafkaError } from './errors.js';

export interface KafkaSinkOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly ssl: boolean;
  readonly sasl: SaslSpec | null;
  /** Field whose value is the record key (strings as is, other values as JSON); null: no key. */
  readonly keyField: string | null;
  /** Header name → field path; the header value is the field (strings as is, others as JSON). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly partitioner?: 'default' | 'legacy' | 'round-robin';
  readonly clientId?: string;
}

/** Records buffered before a send without waiting for the barrier. */
const SEND_BATCH = 1000;

const asText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));

export class KafkaSink implements Sink {
  readonly guarantee: DeliveryGuarantee = 'at-least-once';
  constructor(private readonly opts: KafkaSinkOptions) {}

  async openWriter(subtask: number): Promise<SinkWriter> {
    const client = new KafkaClient({ brokers: this.opts.brokers, clientId: this.opts.clientId ?? `sluice-sink-${subtask}`, ssl: this.opts.ssl, sasl: this.opts.sasl, retries: 5 });
    try {
      const topics = await client.listTopics();
      if (!topics.includes(this.opts.topic)) throw new Error(`kafka sink: topic "${this.opts.topic}" does not exist on ${client.brokers.join(',')}`);
      const producer = await client.producer(this.opts.partitioner === undefined ? {} : { partitioner: this.opts.partitioner });
      return new KafkaSinkWriter(client, producer, this.opts);
    } catch (e) {
      await client.close();
      throw e instanceof Error && e.message.startsWith('kafka sink') ? e : describeKafkaError(e, `kafka sink: connect to ${this.opts.brokers.join(',')}`);
    }
  }

  openCommitter(): SinkCommitter {
    return { commit: () => undefined, recover: () => undefined, close: () => undefined };
  }
}

class KafkaSinkWriter implements SinkWriter {
  private buffer: ProducedRecord[] = [];
  private readonly keyOf: ((r: Rec) => unknown) | null;
  private readonly headerFields: [string, (r: Rec) => unknown][];

  constructor(
    private readonly client: KafkaClient,
    private readonly producer: KafkaProducerHandle,
    private readonly opts: KafkaSinkOptions,
  ) {
    this.keyOf = opts.keyField === null ? null : compileFieldPath(opts.keyField);
    this.headerFields = Object.entries(opts.headers ?? {}).map(([name, field]) => [name, compileFieldPath(field)]);
  }

  async write(batch: RecordBatch): Promise<void> {
    for (let i = 0; i < batch.records.length; i++) {
      const rec = batch.records[i]!;
      const ts = batch.timestamps[i];
      let headers: Record<string, string> | undefined;
      for (const [name, get] of this.headerFields) {
        const v = asText(get(rec));
        if (v !== null) (headers ??= {})[name] = v;
      }
      this.buffer.push({
        key: this.keyOf === null ? null : asText(this.keyOf(rec)),
        value: JSON.stringify(rec),
        ...(headers !== undefined ? { headers } : {}),
        ...(ts !== undefined && Number.isFinite(ts) ? { timestamp: ts } : {}),
      });
    }
    if (this.buffer.length >= SEND_BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const out = this.buffer;
    this.buffer = [];
    try {
      await this.producer.send(this.opts.topic, out);
    } catch (e) {
      throw describeKafkaError(e, `kafka sink: produce ${out.length} records to ${this.opts.topic}`);
    }
  }

  async preCommit(_checkpoint: CheckpointId): Promise<void> {
    await this.flush();
  }

  async close(): Promise<void> {
    await this.producer.close();
    await this.client.close();
  }
}
