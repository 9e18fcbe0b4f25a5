/**
 * Entry points of batch execution: run a job spec against its configured connectors
 * (`sluice run` on a `mode: batch` spec), or compute its result over records in memory
 * (the drill verifier's expected output, tests).
 */
import { DEAD_LETTER_OUTPUT, type Rec } from '../core/types.js';
import { createSink, createSource, deadLetterSinkSpec } from '../connectors/factory.js';
import type { Sink } from '../connectors/sink.js';
import type { JobSpec } from '../job/spec.js';
import { executeBatch, type BatchOptions, type BatchResult } from './batch-runner.js';
import { ArraySource, CollectingSink } from './memory-io.js';

/** Runs `spec` as a batch job: reads its source, writes and commits its sink and side outputs. */
export async function runBatchJob(spec: JobSpec, opts: BatchOptions = {}): Promise<BatchResult> {
  const sideSinks = new Map<string, Sink>();
  for (const [name, s] of Object.entries(spec.sideOutputs)) sideSinks.set(name, createSink(s, spec.guarantee, spec.specDir));
  if (!sideSinks.has(DEAD_LETTER_OUTPUT)) sideSinks.set(DEAD_LETTER_OUTPUT, createSink(deadLetterSinkSpec(spec), spec.guarantee, spec.specDir));
  const source = createSource(spec.source, spec.specDir);
  return executeBatch(spec, { source, sink: createSink(spec.sink, spec.guarantee, spec.specDir), sideSinks }, opts);
}

export interface BatchOutputs {
  /** What the job's sink received. */
  records: Rec[];
  /** What each side output received, by name; `dead-letter` holds `{origin, reason, raw}` records. */
  sides: Record<string, Rec[]>;
  result: BatchResult;
}

/**
 * Runs the pipeline of `spec` over `records` in memory (its source and sinks are not
 * used). Event time comes from `spec.source.timestampField` as in a real run, else from
 * `timestamps` (parallel to `records`).
 */
export async function computeBatchOutputs(spec: JobSpec, records: readonly Rec[], timestamps?: readonly number[], opts: BatchOptions = {}): Promise<BatchOutputs> {
  const sink = new CollectingSink();
  const sideSinks = new Map<string, CollectingSink>();
  for (const name of Object.keys(spec.sideOutputs)) sideSinks.set(name, new CollectingSink());
  if (!sideSinks.has(DEAD_LETTER_OUTPUT)) sideSinks.set(DEAD_LETTER_OUTPUT, new CollectingSink());
  const result = await executeBatch(spec, { source: new ArraySource(records, timestamps), sink, sideSinks }, opts);
  const sides: Record<string, Rec[]> = {};
  for (const [name, s] of sideSinks) sides[name] = s.records;
  return { records: sink.records, sides, result };
}

/** The records `spec`'s sink would receive when its pipeline runs over `records` as a batch job. */
export async function computeBatchResult(spec: JobSpec, records: readonly Rec[], timestamps?: readonly number[]): Promise<Rec[]> {
  return (await computeBatchOutputs(spec, records, timestamps)).records;
}
