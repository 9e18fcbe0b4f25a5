/**
 * The two layers of a view as ordinary Sluice job specs, both derived from the one view
 * definition so they run the same steps, key and aggregates:
 *
 * - batch layer: `mode: batch` over the bounded input, records with event time < cut-off,
 *   one partial aggregate per key;
 * - speed layer: `mode: stream`, records with event time ≥ the cut-off it started at,
 *   one partial aggregate per key and event-time bucket (a tumbling window of `bucket`),
 *   written to the store's speed table by the exactly-once (two-phase commit) SQLite sink.
 *
 * Partials carry what merges exactly: counts, sums, minima, maxima; avg travels as sum +
 * count and is divided only when the query answers.
 */
import path from 'node:path';
import { validateJobSpecObject, formatSpecErrors, type AggregateSpec, type JobSpec } from '../job/index.js';
import type { ViewAggregate, ViewSpec } from './view-spec.js';

/** The speed layer's table in the store (created by the SQLite sink on its first commit). */
export const SPEED_TABLE = 'speed_buckets';

/** One aggregate of a job document: `{count: true}` or `{sum|min|max: field}`. */
type AggregateDoc = { count: true } | { sum: string } | { min: string } | { max: string };

/** Partial aggregate columns (the job document's named aggregates): name → what computes it. */
export function partialAggregates(aggs: readonly ViewAggregate[]): Record<string, AggregateDoc> {
  const out: Record<string, AggregateDoc> = {};
  for (const a of aggs) {
    if (a.fn === 'count' || a.fn === 'avg') out[`${a.name}__n`] = { count: true };
    if (a.fn === 'sum' || a.fn === 'avg') out[`${a.name}__sum`] = { sum: a.field! };
    if (a.fn === 'min') out[`${a.name}__min`] = { min: a.field! };
    if (a.fn === 'max') out[`${a.name}__max`] = { max: a.field! };
  }
  return out;
}

/** The aggregate as the user wrote it, for a full recomputation to compare with. */
export function viewAggregateSpec(aggs: readonly ViewAggregate[]): AggregateSpec {
  const out: Record<string, { fn: 'count' } | { fn: 'sum' | 'min' | 'max' | 'avg'; field: string }> = {};
  for (const a of aggs) out[a.name] = a.fn === 'count' ? { fn: 'count' } : { fn: a.fn, field: a.field! };
  return { kind: 'named', aggs: out };
}

function build(doc: Record<string, unknown>, view: ViewSpec): JobSpec {
  const r = validateJobSpecObject(doc, view.specDir);
  if (!r.ok) throw new Error(`view ${view.name}: the derived ${String(doc['mode'])} job is invalid:\n${formatSpecErrors(r.errors)}`);
  return r.spec;
}

const deadLetterFile = (view: ViewSpec, layer: string): string => path.join(path.dirname(view.store), `${view.name}.${layer}.dead-letter.jsonl`);

/** The batch layer job: event time < `cutoff`. Its sink is not used (the result is installed by the store). */
export function batchLayerSpec(view: ViewSpec, cutoff: number): JobSpec {
  const source: Record<string, unknown> = { ...view.source };
  // Batch reads a snapshot of the input: the log / Kafka end offsets when it starts.
  if (source['type'] === 'log' || source['type'] === 'kafka') source['bounded'] = true;
  return build(
    {
      name: `${view.name}-batch`,
      mode: 'batch',
      parallelism: view.parallelism,
      source,
      pipeline: [...view.steps, { filter: `${view.timestampField} < ${cutoff}` }, { keyBy: view.keyBy }, { aggregate: partialAggregates(view.aggregates) }],
      sink: { type: 'file', path: path.join(path.dirname(view.store), `${view.name}.batch-unused.jsonl`), format: 'jsonl' },
      sideOutputs: { 'dead-letter': { type: 'file', path: deadLetterFile(view, 'batch'), format: 'jsonl' } },
    },
    view,
  );
}

/**
 * The speed layer job from `cutoff` on (null: from the beginning). Records late for their
 * bucket go to `<view>.speed-late.jsonl`: the speed layer never counts them, the next
 * batch run whose cut-off passes them does.
 */
export function speedLayerSpec(view: ViewSpec, cutoff: number | null): JobSpec {
  const steps = cutoff === null ? view.steps : [...view.steps, { filter: `${view.timestampField} >= ${cutoff}` }];
  return build(
    {
      name: `${view.name}-speed`,
      mode: 'stream',
      parallelism: view.parallelism,
      guarantee: 'exactly-once',
      source: view.source,
      pipeline: [...steps, { keyBy: view.keyBy }, { window: { type: 'tumbling', size: view.bucketMs, lateOutput: 'late' } }, { aggregate: partialAggregates(view.aggregates) }],
      sink: { type: 'sqlite', path: view.store, table: SPEED_TABLE, mode: 'transactional' },
      sideOutputs: {
        late: { type: 'file', path: path.join(path.dirname(view.store), `${view.name}.speed-late.jsonl`), format: 'jsonl' },
        'dead-letter': { type: 'file', path: deadLetterFile(view, 'speed'), format: 'jsonl' },
      },
      checkpoint: { interval: view.checkpointIntervalMs },
      restart: { strategy: 'fixed-delay', attempts: 10, delay: '500ms' },
    },
    view,
  );
}
