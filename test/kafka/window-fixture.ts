/**
 * The Kafka → keyed tumbling window → Kafka tests' shared parts: the input they write (keys
 * round-robin, one record every 10 ms of event time from t = 1,000,000), the results a
 * correct run produces (the batch recomputation), and reading the output topic back.
 */
import type { Kafka } from 'kafkajs';
import type { KafkaClient, KafkaRecord } from '../../src/engine/connectors/kafka/client.js';

export interface WindowInput {
  readonly n: number;
  readonly keys: number;
  readonly partitions: number;
  /** The record's `value` field (default 1: the count equals the sum). */
  readonly value?: (i: number) => number;
}

const tsOf = (i: number): number => 1_000_000 + i * 10;

/** Writes the input to `topic` (record timestamp = event time). */
export async function writeWindowInput(kafka: Kafka, topic: string, input: WindowInput): Promise<void> {
  const value = input.value ?? (() => 1);
  // Idempotent: a retried send under load must not write a batch twice.
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    const messages = Array.from({ length: input.n }, (_, i) => ({ partition: i % input.partitions, value: JSON.stringify({ key: `k${i % input.keys}`, value: value(i) }), timestamp: String(tsOf(i)) }));
    for (let i = 0; i < input.n; i += 1000) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 1000) });
  } finally {
    await producer.disconnect();
  }
}

/** `key|windowStart` → sum of `value` per 1 s tumbling window: what a correct run outputs. */
export function expectedWindowSums(input: WindowInput): Map<string, number> {
  const value = input.value ?? (() => 1);
  const expected = new Map<string, number>();
  for (let i = 0; i < input.n; i++) {
    const ts = tsOf(i);
    const k = `k${i % input.keys}|${ts - (ts % 1000)}`;
    expected.set(k, (expected.get(k) ?? 0) + value(i));
  }
  return expected;
}

/** Every record of `topic` as a consumer with `isolation` sees it (up to the last stable offset / high watermark). */
export async function readTopic(client: KafkaClient, topic: string, partitions: number, isolation: 'read_committed' | 'read_uncommitted'): Promise<KafkaRecord[]> {
  const out: KafkaRecord[] = [];
  for (let p = 0; p < partitions; p++) {
    let offset = 0;
    for (let guard = 0; guard < 1000; guard++) {
      const [f] = await client.fetch([{ topic, partition: p, offset }], { isolation, maxWaitMs: 50 });
      if (f === undefined) break;
      out.push(...f.records);
      const end = isolation === 'read_committed' ? f.lastStableOffset : f.highWatermark;
      if (f.nextOffset <= offset || f.nextOffset >= end) break;
      offset = f.nextOffset;
    }
  }
  return out;
}

export const valueOf = <T>(r: KafkaRecord): T => JSON.parse(r.value!.toString('utf8')) as T;
export const keyOf = (r: KafkaRecord): string | null => (r.key === null ? null : r.key.toString('utf8'));

/** Window results by `key|windowStart`, and the identities seen more than once. */
export function windowResults(records: readonly KafkaRecord[]): { results: Map<string, number>; duplicates: string[]; keysMatch: boolean } {
  const results = new Map<string, number>();
  const duplicates: string[] = [];
  let keysMatch = true;
  for (const m of records) {
    const v = valueOf<{ key: string; windowStart: number; value: number }>(m);
    if (keyOf(m) !== v.key) keysMatch = false;
    const k = `${v.key}|${v.windowStart}`;
    if (results.has(k)) duplicates.push(k);
    results.set(k, v.value);
  }
  return { results, duplicates, keysMatch };
}
