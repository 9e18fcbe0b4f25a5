/**
 * Does the log still hold the range a reprocessing asks for? Retention deletes a prefix of
 * each partition; once it has, "from the beginning" no longer means the whole history.
 * The answer names, per partition, the earliest position still available.
 */
import { KafkaClient } from '../connectors/kafka/client.js';
import { PartitionedLog } from '../connectors/log/index.js';
import type { JobSpec } from '../job/spec.js';
import type { StartPosition } from './deployment.js';

export interface PartitionCoverage {
  /** `topic/partition` */
  split: string;
  /** The oldest offset still stored. */
  earliestOffset: number;
  /** Records before `earliestOffset` that retention deleted (0: the partition is whole). */
  deleted: number;
}

export interface Coverage {
  /** False when the asked range may have lost records to retention. */
  covered: boolean;
  partitions: PartitionCoverage[];
  /** One line per partition that is not covered; empty when covered. */
  warnings: string[];
}

function logCoverage(path: string, topic: string): PartitionCoverage[] {
  const log = PartitionedLog.open(path);
  try {
    return log.describe(topic).partitions.map((p) => ({ split: `${topic}/${p.partition}`, earliestOffset: p.earliestOffset, deleted: p.earliestOffset }));
  } finally {
    log.close();
  }
}

async function kafkaCoverage(source: Extract<JobSpec['source'], { type: 'kafka' }>, start: StartPosition): Promise<{ parts: PartitionCoverage[]; gone: Set<string> }> {
  const client = new KafkaClient({ brokers: source.brokers, clientId: 'sluice-reprocess', ssl: source.ssl, sasl: source.sasl, retries: 2 });
  const parts: PartitionCoverage[] = [];
  const gone = new Set<string>();
  try {
    for (const topic of source.topics) {
      const offsets = await client.topicOffsets(topic);
      const atTime = start.from === 'timestamp' ? await client.offsetsForTimestamp(topic, start.timestamp) : [];
      for (const o of offsets) {
        const split = `${topic}/${o.partition}`;
        parts.push({ split, earliestOffset: o.low, deleted: o.low });
        if (o.low === 0) continue;
        if (start.from === 'earliest') gone.add(split);
        else {
          // The first record at/after the timestamp is the oldest one left: older records with a later
          // timestamp may have been deleted, so the range is not known to be whole.
          const t = atTime.find((a) => a.partition === o.partition)?.offset ?? -1;
          if (t !== -1 && t <= o.low) gone.add(split);
        }
      }
    }
  } finally {
    await client.close();
  }
  return { parts, gone };
}

/** Checks the source of a version's job for the range `start` asks for. */
export async function checkCoverage(spec: JobSpec, start: StartPosition): Promise<Coverage> {
  const s = spec.source;
  let parts: PartitionCoverage[];
  let gone: Set<string>;
  if (s.type === 'log') {
    parts = logCoverage(s.path, s.topic);
    gone = new Set(parts.filter((p) => p.deleted > 0).map((p) => p.split));
  } else if (s.type === 'kafka') {
    ({ parts, gone } = await kafkaCoverage(s, start));
  } else {
    throw new Error(`coverage: source type ${s.type} is not a log`);
  }
  const asked = start.from === 'earliest' ? 'from the beginning' : `from ${new Date(start.timestamp).toISOString()}`;
  const warnings = parts
    .filter((p) => gone.has(p.split))
    .map((p) => `${p.split}: retention no longer covers the range asked for (${asked}): ${p.deleted.toLocaleString('en-US')} record(s) before offset ${p.earliestOffset} are gone; the earliest available position is offset ${p.earliestOffset}`);
  return { covered: warnings.length === 0, partitions: parts, warnings };
}
