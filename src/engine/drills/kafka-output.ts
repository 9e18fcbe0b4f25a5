/**
 * Reading a drill's output topic the way a downstream consumer would: read_committed, every
 * partition from its start to the last stable offset. Output of aborted transactions (the
 * attempts a failure cut short) is skipped, as a real consumer skips it.
 */
import { KafkaClient } from '../connectors/kafka/client.js';
import type { Rec } from '../core/types.js';

/** How long to wait for open transactions (a final commit) to end before reading. */
const SETTLE_MS = 30_000;

/**
 * A partition whose last stable offset stayed below its high watermark for SETTLE_MS: a
 * transaction is still open there, and nothing from `lastStableOffset` on could be read.
 */
export interface UnreadableOutput {
  partition: number;
  lastStableOffset: number;
  highWatermark: number;
}

export async function readKafkaOutput(brokers: readonly string[], topic: string, settleMs = SETTLE_MS): Promise<{ records: Rec[]; unreadable: UnreadableOutput[] }> {
  const client = new KafkaClient({ brokers: [...brokers], clientId: 'sluice-drill-verifier' });
  try {
    const partitions = (await client.topicOffsets(topic)).map((p) => p.partition);
    const out: Rec[] = [];
    const unreadable: UnreadableOutput[] = [];
    for (const partition of partitions) {
      // A transaction still open holds the last stable offset back: wait for it to end.
      const deadline = Date.now() + settleMs;
      let offset = 0;
      for (;;) {
        const [f] = await client.fetch([{ topic, partition, offset }], { isolation: 'read_committed', maxWaitMs: 50 });
        if (f === undefined) break;
        for (const r of f.records) {
          const text = r.value?.toString('utf8') ?? '';
          try {
            out.push(JSON.parse(text) as Rec);
          } catch {
            // Not ours to drop: an unparsable output record is kept as text and will not match.
            out.push({ unparsable: text, offset: r.offset, partition });
          }
        }
        const settled = f.lastStableOffset >= f.highWatermark;
        if (f.nextOffset > offset && f.nextOffset < f.lastStableOffset) {
          offset = f.nextOffset;
          continue;
        }
        if (settled) break;
        if (Date.now() > deadline) {
          unreadable.push({ partition, lastStableOffset: f.lastStableOffset, highWatermark: f.highWatermark });
          break;
        }
        offset = Math.max(offset, f.nextOffset);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { records: out, unreadable };
  } finally {
    await client.close();
  }
}
