/**
 * A drill's Kafka workload: the topics the drill creates (input, and output when the job
 * writes to Kafka), the seeded generator's records written to the input topic before the
 * job starts (the job then reads them at the workload's rate), and, with `brokers: managed`,
 * the broker itself, which the broker-restart fault stops and starts.
 */
import { KafkaClient, type ProducedRecord } from '../connectors/kafka/client.js';
import { generatedRecord } from '../connectors/generator.js';
import { startManagedBroker, type ManagedBroker } from '../kafka/managed-broker.js';
import { bindKafkaBrokers, type ResolvedJob } from './load.js';
import type { DrillSpec } from './spec.js';
import { generatorOptions } from './verifier.js';

const PRODUCE_CHUNK = 5_000;

export class KafkaDrillEnvironment {
  private constructor(
    readonly brokers: string[],
    private readonly managed: ManagedBroker | null,
    private readonly topics: string[],
  ) {}

  /** Starts the managed broker (if any), creates the topics, writes the input; returns the job bound to the brokers. */
  static async prepare(drill: DrillSpec, job: ResolvedJob, progress: (line: string) => void): Promise<{ env: KafkaDrillEnvironment; job: ResolvedJob }> {
    const w = drill.workload;
    if (w.type !== 'kafka' || job.kafka === null) throw new Error('unreachable: not a kafka workload');
    let managed: ManagedBroker | null = null;
    if (w.brokers === 'managed') {
      progress('starting a managed Kafka broker for this drill…');
      managed = await startManagedBroker();
      progress(`managed Kafka broker on ${managed.brokers.join(',')}`);
    }
    const brokers = managed?.brokers ?? (w.brokers as string[]);
    const topics = [job.kafka.inputTopic, ...(job.kafka.outputTopic !== null ? [job.kafka.outputTopic] : [])];
    const env = new KafkaDrillEnvironment(brokers, managed, []);
    const client = new KafkaClient({ brokers, clientId: 'sluice-drill' });
    try {
      for (const t of topics) {
        // The generator's event times start near 0 (1970): time-based retention would delete them.
        await client.createTopic(t, job.kafka.partitions, 1, { 'retention.ms': '-1' });
        env.topics.push(t);
      }
      await produceInput(client, job, job.kafka.inputTopic, progress);
    } catch (e) {
      await client.close();
      await env.dispose();
      throw new Error(`drill Kafka workload on ${brokers.join(',')}: ${e instanceof Error ? e.message : String(e)}`);
    }
    await client.close();
    return { env, job: bindKafkaBrokers(job, brokers) };
  }

  get hasManagedBroker(): boolean {
    return this.managed !== null;
  }

  async stopBroker(): Promise<void> {
    if (this.managed === null) throw new Error('broker-restart needs a managed broker');
    await this.managed.stop();
  }

  async startBroker(): Promise<void> {
    if (this.managed === null) throw new Error('broker-restart needs a managed broker');
    await this.managed.start();
  }

  /** Deletes the drill's topics (on a shared cluster) and stops the managed broker. */
  async dispose(): Promise<void> {
    if (this.managed !== null) {
      await this.managed.dispose();
      return;
    }
    if (this.topics.length === 0) return;
    const client = new KafkaClient({ brokers: this.brokers, clientId: 'sluice-drill' });
    try {
      for (const t of this.topics) await client.deleteTopic(t).catch(() => undefined);
    } finally {
      await client.close();
    }
  }
}

/** Writes the seeded generator's records, keyed by their key, stamped with their event time. */
async function produceInput(client: KafkaClient, job: ResolvedJob, topic: string, progress: (line: string) => void): Promise<void> {
  const opts = generatorOptions(job.source);
  const n = opts.count ?? 0;
  const producer = await client.producer();
  try {
    for (let from = 0; from < n; from += PRODUCE_CHUNK) {
      const chunk: ProducedRecord[] = [];
      for (let j = from; j < Math.min(n, from + PRODUCE_CHUNK); j++) {
        const r = generatedRecord(opts, j);
        chunk.push({ key: String(r['key']), value: JSON.stringify(r), timestamp: r['ts'] as number });
      }
      await producer.send(topic, chunk);
    }
    progress(`wrote ${n.toLocaleString('en-US')} input records to ${topic}`);
  } finally {
    await producer.close();
  }
}
