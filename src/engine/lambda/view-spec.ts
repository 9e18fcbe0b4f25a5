/**
 * A Lambda serving view, declared once: its source, the steps before grouping, the key
 * and the aggregates. Both layers are derived from this one definition (layers.ts), so
 * the batch and the speed layer cannot drift apart.
 *
 * ```yaml
 * view:
 *   name: clicks_by_user
 *   store: out/clicks-view.db          # the serving store (SQLite), relative to this file
 *   source: { type: log, path: log, topic: clicks, timestampField: ts }
 *   steps: [ { filter: "value > 0" } ] # optional, before keyBy
 *   keyBy: user
 *   aggregate: { clicks: { count: true }, total: { sum: value }, mean: { avg: value } }
 *   bucket: 1m                         # the speed layer's event-time bucket; cut-offs align to it
 * ```
 *
 * Only aggregates whose partial results merge exactly across the cut-off are accepted
 * (count, sum, min, max, avg as sum + count); anything else is refused with the reason.
 */
import path from 'node:path';
import { z } from 'zod';
import { tryParseDuration } from '../job/duration.js';
import type { SpecError } from '../job/spec.js';
import { readYamlFile } from '../job/yaml-input.js';

export type MergeableFn = 'count' | 'sum' | 'min' | 'max' | 'avg';

export interface ViewAggregate {
  /** The name the query answers with. */
  name: string;
  fn: MergeableFn;
  /** null for count */
  field: string | null;
}

export interface ViewSpec {
  name: string;
  /** Absolute path of the serving store. */
  store: string;
  /** The job source document, as written (validated when the layers' job specs are built). */
  source: Record<string, unknown>;
  /** Event-time field of the records; both layers split on it. */
  timestampField: string;
  steps: Record<string, unknown>[];
  keyBy: string;
  aggregates: ViewAggregate[];
  bucketMs: number;
  parallelism: number;
  checkpointIntervalMs: number;
  /** Folder of the view file: relative paths in `source` resolve against it. */
  specDir: string;
}

export type ViewParseResult = { ok: true; view: ViewSpec } | { ok: false; errors: SpecError[] };

/** Aggregates users reach for that have no exact merge of partial results. */
const NOT_MERGEABLE: Record<string, string> = {
  median: 'a median of two medians is not the median of the union',
  percentile: 'percentiles of parts do not combine into the percentile of the whole',
  distinct: 'distinct counts of two parts overlap; they cannot be added',
  countDistinct: 'distinct counts of two parts overlap; they cannot be added',
  first: 'which record is first depends on arrival order, which the two layers do not share',
  last: 'which record is last depends on arrival order, which the two layers do not share',
  stddev: 'use avg (sum + count) instead, or compute it from sum and count of squares in a map step',
  collect: 'lists grow without bound in a serving view',
};
const MERGEABLE: readonly MergeableFn[] = ['count', 'sum', 'min', 'max', 'avg'];

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const duration = z.union([z.number(), z.string()]);

const viewSchema = z.strictObject({
  view: z.strictObject({
    name: z.string().regex(NAME, 'a view name is a letter or _ then letters, digits or _ (at most 63)'),
    store: z.string().min(1),
    source: z.record(z.string(), z.unknown()),
    steps: z.array(z.record(z.string(), z.unknown())).default([]),
    keyBy: z.string().min(1),
    aggregate: z.record(z.string(), z.record(z.string(), z.unknown())),
    bucket: duration,
    parallelism: z.number().int().min(1).max(64).default(1),
    checkpoint: duration.default('1s'),
  }),
});

function parseAggregate(name: string, doc: Record<string, unknown>, errors: SpecError[]): ViewAggregate | null {
  const at = `view.aggregate.${name}`;
  if (!NAME.test(name)) {
    errors.push({ path: at, message: 'an aggregate name is a letter or _ then letters, digits or _' });
    return null;
  }
  const fns = Object.keys(doc);
  if (fns.length !== 1) {
    errors.push({ path: at, message: `one function per aggregate, e.g. {sum: value}; got ${fns.length === 0 ? 'none' : fns.join(' and ')}` });
    return null;
  }
  const fn = fns[0]!;
  const arg = doc[fn];
  if (!(MERGEABLE as readonly string[]).includes(fn)) {
    const why = NOT_MERGEABLE[fn];
    errors.push({
      path: at,
      message: why
        ? `${fn} is not mergeable across the batch/speed cut-off (${why}); a serving view takes count, sum, min, max or avg`
        : `unknown aggregate function "${fn}"; a serving view takes the mergeable ones: count, sum, min, max, avg`,
    });
    return null;
  }
  if (fn === 'count') {
    if (arg !== true) errors.push({ path: `${at}.count`, message: 'write {count: true}' });
    return { name, fn: 'count', field: null };
  }
  if (typeof arg !== 'string' || arg === '') {
    errors.push({ path: `${at}.${fn}`, message: `${fn} needs a field name, e.g. {${fn}: value}` });
    return null;
  }
  return { name, fn: fn as MergeableFn, field: arg };
}

function durationMs(v: string | number, at: string, errors: SpecError[]): number {
  const r = tryParseDuration(v);
  if (!r.ok) {
    errors.push({ path: at, message: r.error });
    return 0;
  }
  return r.ms;
}

/** Validates a parsed view document. Never throws. */
export function validateViewObject(raw: unknown, specDir: string): ViewParseResult {
  const parsed = viewSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  }
  const v = parsed.data.view;
  const errors: SpecError[] = [];
  const aggregates: ViewAggregate[] = [];
  for (const [name, doc] of Object.entries(v.aggregate)) {
    const a = parseAggregate(name, doc, errors);
    if (a) aggregates.push(a);
  }
  if (Object.keys(v.aggregate).length === 0) errors.push({ path: 'view.aggregate', message: 'at least one aggregate, e.g. {n: {count: true}}' });
  const tsField = v.source['timestampField'];
  if (typeof tsField !== 'string' || tsField === '') {
    errors.push({ path: 'view.source.timestampField', message: 'a serving view splits its input by event time: name the field holding it (ms since the epoch)' });
  }
  const bucketMs = durationMs(v.bucket, 'view.bucket', errors);
  if (errors.length === 0 && bucketMs <= 0) errors.push({ path: 'view.bucket', message: 'the bucket must be longer than 0 ms' });
  const checkpointIntervalMs = durationMs(v.checkpoint, 'view.checkpoint', errors);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    view: {
      name: v.name,
      store: path.resolve(specDir, v.store),
      source: v.source,
      timestampField: tsField as string,
      steps: v.steps,
      keyBy: v.keyBy,
      aggregates,
      bucketMs,
      parallelism: v.parallelism,
      checkpointIntervalMs,
      specDir,
    },
  };
}

/** Reads and validates a view file (YAML or JSON). Never throws. */
export function loadViewFile(file: string): ViewParseResult {
  const abs = path.resolve(file);
  const raw = readYamlFile(abs, 'view');
  if (!raw.ok) return raw;
  return validateViewObject(raw.value, path.dirname(abs));
}
