/**
 * The Nexmark query specs in this folder, loaded with the knobs a benchmark or a test
 * turns: input size, seed, event-time rate, parallelism, checkpoint interval and where the
 * sink writes. Everything else (the pipeline) is exactly what the YAML file says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { validateJobSpecObject } from '../../src/engine/job/index.js';
import type { JobSpec } from '../../src/engine/job/spec.js';

export const NEXMARK_DIR = import.meta.dirname;
export const NEXMARK_QUERIES = ['q0', 'q1', 'q2', 'q5', 'q7', 'q8', 'q11', 'q12'] as const;
export type NexmarkQuery = (typeof NEXMARK_QUERIES)[number];

export interface NexmarkRunOptions {
  /** null: unbounded. */
  events: number | null;
  parallelism: number;
  seed?: number;
  eventTimeRate?: number;
  /** null: checkpoints off. */
  checkpointMs: number | null;
  /** Absolute path of the JSONL output. */
  sinkPath: string;
  /** Source splits; default: the YAML's (16 when unset). */
  splits?: number;
  /** Default: the YAML's (exactly-once). Benchmarks use at-least-once, like the discarding sink of the Flink peer. */
  guarantee?: 'exactly-once' | 'at-least-once';
}

export function nexmarkSpec(query: NexmarkQuery, o: NexmarkRunOptions): JobSpec {
  const file = path.join(NEXMARK_DIR, `${query}.yaml`);
  const doc = parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  doc['source'] = {
    ...doc['source'],
    count: o.events,
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.eventTimeRate !== undefined ? { eventTimeRate: o.eventTimeRate } : {}),
    ...(o.splits !== undefined ? { splits: o.splits } : {}),
  };
  (doc as Record<string, unknown>)['parallelism'] = o.parallelism;
  if (o.guarantee !== undefined) (doc as Record<string, unknown>)['guarantee'] = o.guarantee;
  (doc as Record<string, unknown>)['checkpoint'] = { interval: o.checkpointMs };
  doc['sink'] = { ...doc['sink'], path: o.sinkPath };
  const r = validateJobSpecObject(doc, NEXMARK_DIR);
  if (!r.ok) throw new Error(`${file}: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return r.spec;
}
