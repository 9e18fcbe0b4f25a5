/**
 * The YAML/JSON surface of a job spec as zod schemas: strict everywhere, with
 * our own error wording. These describe what a user writes; normalise.ts turns
 * the parsed surface into the normalised {@link JobSpec}. The published JSON
 * Schema (resources/schema/job.schema.json) is generated from `jobDocumentSchema`.
 */
import * as z from 'zod';
import { DURATION_PATTERN, tryParseDuration } from './duration.js';
import { describeValue, suggestion } from './errors.js';
import { AGG_FNS, STEP_KINDS } from './spec.js';

type IssueInput = { input?: unknown };

const durationError = (iss: IssueInput): string => {
  const r = tryParseDuration(iss.input);
  return r.ok ? 'invalid duration' : r.error;
};

export const durationSchema = z
  .union(
    [
      z.number({ error: durationError }).int({ error: durationError }),
      z
        .string({ error: durationError })
        .regex(DURATION_PATTERN, { error: durationError })
        .refine((s) => tryParseDuration(s).ok, { error: durationError }),
    ],
    { error: durationError },
  )
  .meta({ id: 'Duration', description: 'Milliseconds, or a string with a unit: "500ms", "2s", "1.5m", "-8h", "1d".' });

const nonEmpty = z.string().min(1);
const expression = z.string().min(1).meta({ description: 'A CEL expression over the record fields.' });
const posInt = z.number().int().min(1);

// ---------------------------------------------------------------- sources

const watermarksSchema = z.strictObject({
  strategy: z.enum(['from-input', 'bounded', 'monotonous', 'none']).optional(),
  maxOutOfOrderness: durationSchema.optional(),
  idleTimeout: durationSchema.nullable().optional(),
});

const sourceCommon = {
  timestampField: nonEmpty.nullable().optional(),
  watermarks: watermarksSchema.optional(),
  maxRecordsPerSecond: z
    .number()
    .positive()
    .nullable()
    .optional()
    .meta({ description: 'throttle: records per second read over all workers (null: as fast as possible)' }),
};

const saslSchema = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string(),
  password: z.string(),
});

const brokersSchema = z.array(nonEmpty).min(1).meta({ description: 'host:port of at least one broker' });

export const fileSourceSchema = z.strictObject({
  type: z.literal('file'),
  path: nonEmpty,
  format: z.enum(['jsonl', 'csv', 'text']).optional(),
  csv: z.strictObject({ header: z.boolean().optional(), delimiter: z.string().min(1).max(1).optional() }).optional(),
  ...sourceCommon,
});

export const generatorSourceSchema = z.strictObject({
  type: z.literal('generator'),
  seed: z.number().int().optional(),
  count: z.number().int().min(0).nullable().optional(),
  keys: posInt.optional(),
  eventsPerSecond: z.number().positive().nullable().optional(),
  skew: z.number().min(0).optional(),
  startTs: z.number().int().optional(),
  eventTimeRate: z.number().positive().optional(),
  splits: posInt.max(4096).optional(),
  ...sourceCommon,
});

export const nexmarkSourceSchema = z.strictObject({
  type: z.literal('nexmark'),
  seed: z.number().int().optional(),
  count: z.number().int().min(0).nullable().optional(),
  eventsPerSecond: z.number().positive().nullable().optional(),
  startTs: z.number().int().optional(),
  eventTimeRate: z.number().positive().optional(),
  hotAuctionRatio: posInt.optional(),
  hotBiddersRatio: posInt.optional(),
  hotSellersRatio: posInt.optional(),
  activePeople: posInt.optional(),
  inFlightAuctions: posInt.optional(),
  splits: posInt.max(4096).optional(),
  ...sourceCommon,
}).meta({ description: 'Nexmark auction-site events: {type: person|auction|bid, …, dateTime} in proportion 1 : 3 : 46, deterministic from the seed' });

export const logSourceSchema = z.strictObject({
  type: z.literal('log'),
  path: nonEmpty,
  topic: nonEmpty,
  startFrom: z.enum(['earliest', 'latest']).optional(),
  bounded: z.boolean().optional(),
  ...sourceCommon,
});

export const sqliteSourceSchema = z.strictObject({
  type: z.literal('sqlite'),
  path: nonEmpty,
  table: nonEmpty,
  orderBy: nonEmpty.nullable().optional(),
  ...sourceCommon,
});

export const kafkaSourceSchema = z.strictObject({
  type: z.literal('kafka'),
  brokers: brokersSchema,
  topics: z.array(nonEmpty).min(1),
  groupId: nonEmpty.nullable().optional(),
  startFrom: z
    .union([z.enum(['earliest', 'latest', 'group']), z.strictObject({ timestamp: z.number().int() })], {
      error: (iss: IssueInput) =>
        `expected earliest, latest, group or {timestamp: <ms>}, got ${describeValue(iss.input)}`,
    })
    .optional(),
  isolation: z.enum(['read_committed', 'read_uncommitted']).optional(),
  timestampFrom: z.enum(['record', 'field']).optional(),
  ssl: z.boolean().optional(),
  sasl: saslSchema.nullable().optional(),
  bounded: z.boolean().optional(),
  ...sourceCommon,
});

export const sourceSchema = z.discriminatedUnion('type', [
  fileSourceSchema,
  generatorSourceSchema,
  nexmarkSourceSchema,
  logSourceSchema,
  sqliteSourceSchema,
  kafkaSourceSchema,
]).meta({ id: 'Source' });

// ---------------------------------------------------------------- pipeline

const windowCommon = {
  allowedLateness: durationSchema.optional(),
  purgeOnFire: z.boolean().optional(),
  lateOutput: nonEmpty.nullable().optional(),
  time: z.enum(['event', 'processing']).optional(),
};

export const windowSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('tumbling'), size: durationSchema, offset: durationSchema.optional(), ...windowCommon }),
  z.strictObject({
    type: z.literal('sliding'),
    size: durationSchema,
    slide: durationSchema,
    offset: durationSchema.optional(),
    ...windowCommon,
  }),
  z.strictObject({ type: z.literal('session'), gap: durationSchema, ...windowCommon }),
]).meta({ id: 'Window' });

function exactlyOneKey(obj: Record<string, unknown>): string[] {
  return Object.keys(obj).filter((k) => obj[k] !== undefined);
}

const aggFnError = (iss: IssueInput): string => describeAggregateProblem(iss.input);

export const aggFnSchema = z
  .strictObject(
    {
      count: z.literal(true).optional(),
      sum: nonEmpty.optional(),
      min: nonEmpty.optional(),
      max: nonEmpty.optional(),
      avg: nonEmpty.optional(),
    },
    { error: aggFnError },
  )
  .refine((o) => exactlyOneKey(o).length === 1, { error: aggFnError })
  .meta({ id: 'AggregateFunction', minProperties: 1, maxProperties: 1 });

const AGG_EXAMPLE = '{sum: value} or {count: true}';

/** Why an `aggregate` value is wrong, in one line. */
export function describeAggregateProblem(input: unknown): string {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return `expected a mapping like ${AGG_EXAMPLE}, got ${describeValue(input)}`;
  }
  const obj = input as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 0) return `empty aggregate: expected ${AGG_EXAMPLE}`;
  const fnKeys = keys.filter((k) => (AGG_FNS as readonly string[]).includes(k));
  const looksSingle = keys.every((k) => typeof obj[k] !== 'object' || obj[k] === null);
  if (looksSingle) {
    if (fnKeys.length !== keys.length) {
      const bad = keys.find((k) => !fnKeys.includes(k)) as string;
      return `unknown aggregate function "${bad}" (expected one of ${AGG_FNS.join(', ')}${suggestion(bad, AGG_FNS)})`;
    }
    if (keys.length > 1) {
      return `one function per aggregate, got ${keys.join(' and ')}; to compute several, name them: {total: {sum: value}, n: {count: true}}`;
    }
    return describeAggFn(keys[0] as string, obj[keys[0] as string]);
  }
  for (const name of keys) {
    const v = obj[name];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      return `${name}: expected a mapping like ${AGG_EXAMPLE}, got ${describeValue(v)}`;
    }
    const inner = Object.keys(v);
    if (inner.length !== 1) {
      return `${name}: one function per aggregate, got ${inner.length === 0 ? 'none' : inner.join(' and ')}`;
    }
    const fn = inner[0] as string;
    if (!(AGG_FNS as readonly string[]).includes(fn)) {
      return `${name}: unknown aggregate function "${fn}" (expected one of ${AGG_FNS.join(', ')}${suggestion(fn, AGG_FNS)})`;
    }
    const problem = describeAggFn(fn, (v as Record<string, unknown>)[fn]);
    if (problem) return `${name}: ${problem}`;
  }
  return `expected ${AGG_EXAMPLE}, or named aggregates like {total: {sum: value}, n: {count: true}}`;
}

function describeAggFn(fn: string, v: unknown): string {
  if (fn === 'count') return v === true ? '' : `count takes true ({count: true}), got ${describeValue(v)}`;
  if (typeof v !== 'string' || v === '') return `${fn} needs a field name ({${fn}: value}), got ${describeValue(v)}`;
  return '';
}

export const aggregateSchema = z.union([aggFnSchema, z.record(nonEmpty, aggFnSchema)], {
  error: (iss: IssueInput) => describeAggregateProblem(iss.input),
});

const stepValueError = (what: string) => (iss: IssueInput) => `expected ${what}, got ${describeValue(iss.input)}`;

const keyByObjectSchema = z
  .strictObject({ field: nonEmpty.optional(), expr: expression.optional() })
  .refine((o) => exactlyOneKey(o).length === 1, { error: 'keyBy takes either field or expr, not both' })
  .meta({ minProperties: 1, maxProperties: 1 });

const STEP_LIST = STEP_KINDS.join(', ');

export const stepSchema = z
  .strictObject(
    {
      filter: expression.optional(),
      map: z
        .union([expression, z.record(nonEmpty, expression)], {
          error: stepValueError('an expression, or a mapping of field → expression'),
        })
        .optional(),
      flatMap: z
        .union([expression, z.strictObject({ expr: expression, as: nonEmpty.optional() })], {
          error: stepValueError('an expression, or {expr, as}'),
        })
        .optional(),
      keyBy: z
        .union([nonEmpty, keyByObjectSchema], { error: stepValueError('a field path, or {expr: ...}') })
        .optional(),
      window: windowSchema.optional(),
      aggregate: aggregateSchema.optional(),
      process: z.strictObject({ module: nonEmpty, export: nonEmpty.optional() }).optional(),
    },
    {
      error: (iss) => {
        if (iss.code === 'unrecognized_keys') {
          const key = (iss.keys as string[])[0] as string;
          return `unknown step "${key}" (expected one of ${STEP_LIST}${suggestion(key, STEP_KINDS)})`;
        }
        if (iss.code === 'invalid_type') {
          return `a step is a mapping with one key, like {filter: "value > 0"}; got ${describeValue(iss.input)}`;
        }
        return undefined;
      },
    },
  )
  .superRefine((o, ctx) => {
    const keys = exactlyOneKey(o);
    if (keys.length === 0) ctx.addIssue({ code: 'custom', message: `empty step (expected one of ${STEP_LIST})` });
    else if (keys.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a step has exactly one key, got ${keys.join(' and ')}; write them as separate steps`,
      });
    }
  })
  .meta({ id: 'Step', minProperties: 1, maxProperties: 1 });

// ---------------------------------------------------------------- sinks

export const sinkSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('file'), path: nonEmpty, format: z.enum(['jsonl', 'csv']).optional() }),
  z.strictObject({
    type: z.literal('sqlite'),
    path: nonEmpty,
    table: nonEmpty,
    mode: z.enum(['transactional', 'upsert', 'insert']).optional(),
    key: z
      .union([nonEmpty, z.array(nonEmpty).min(1)], { error: stepValueError('a column name or a list of column names') })
      .nullable()
      .optional(),
  }),
  z.strictObject({ type: z.literal('log'), path: nonEmpty, topic: nonEmpty, partitions: posInt.max(1024).optional() }),
  z.strictObject({
    type: z.literal('kafka'),
    brokers: brokersSchema,
    topic: nonEmpty,
    ssl: z.boolean().optional(),
    sasl: saslSchema.nullable().optional(),
    keyField: nonEmpty.nullable().optional(),
    headers: z.record(nonEmpty, nonEmpty).optional().meta({ description: 'header name → field path of the record (strings as is, other values as JSON)' }),
    partitioner: z.enum(['default', 'legacy', 'round-robin']).optional().meta({ description: 'default: murmur2 of the key (Java-compatible); round-robin ignores keys' }),
    transactionalIdPrefix: z
      .string()
      .regex(/^[\w.-]{1,200}$/, 'letters, digits, ".", "_" and "-" only (at most 200)')
      .optional()
      .meta({ description: 'exactly-once: transactional ids are <prefix>-<subtask>-<n> (default sluice-<job name>); two jobs running at once must not share one' }),
    transactionTimeout: durationSchema
      .optional()
      .meta({ description: 'exactly-once: how long the broker keeps a transaction open before aborting it (default 15m, the broker maximum transaction.max.timeout.ms); must exceed checkpoint interval plus recovery time' }),
  }),
]).meta({ id: 'Sink' });

// ---------------------------------------------------------------- job

export const restartSchema = z.discriminatedUnion('strategy', [
  z.strictObject({ strategy: z.literal('none') }),
  z.strictObject({
    strategy: z.literal('fixed-delay'),
    attempts: z.number().int().min(0).optional(),
    delay: durationSchema.optional(),
  }),
  z.strictObject({
    strategy: z.literal('failure-rate'),
    maxFailures: posInt.optional(),
    interval: durationSchema.optional(),
    delay: durationSchema.optional(),
  }),
]);

export const checkpointSchema = z.strictObject({
  interval: durationSchema.nullable().optional(),
  minPause: durationSchema.optional(),
  timeout: durationSchema.optional(),
  retain: posInt.optional(),
  incremental: z.boolean().optional(),
  fullEvery: posInt.optional(),
});

export const executionSchema = z
  .strictObject({
    mode: z.enum(['continuous', 'micro-batch']).optional(),
    trigger: durationSchema.optional().meta({ description: 'micro-batch: how long input is collected before it is processed as one batch (default 1s); kept but unused in continuous mode, so one spec can be run both ways with --set execution.mode=…' }),
  })
  .meta({ id: 'Execution', description: 'continuous (default): record at a time; micro-batch: collect for one trigger interval, then process the batch' });

// One object for both strategies (not a union), so a shedding spec can be run with
// --set overload.strategy=backpressure for comparison; shed's own fields are then unused.
export const overloadSchema = z
  .strictObject({
    strategy: z.enum(['backpressure', 'shed']),
    priority: expression.optional().meta({ description: 'shed: a CEL expression giving an integer; lower values are dropped first' }),
    queueThreshold: posInt.optional().meta({ description: "shed: records waiting in a source's input queue (read, not yet taken by the pipeline) above which records are dropped" }),
    shedOutput: nonEmpty.nullable().optional().meta({ description: 'shed: side output receiving every dropped record' }),
  })
  .superRefine((o, ctx) => {
    if (o.strategy !== 'shed') return;
    if (o.priority === undefined) ctx.addIssue({ code: 'custom', path: ['priority'], message: 'strategy shed needs priority: a CEL expression giving an integer (lower is dropped first)' });
    if (o.queueThreshold === undefined) ctx.addIssue({ code: 'custom', path: ['queueThreshold'], message: "strategy shed needs queueThreshold: how many records may wait in a source's input queue before the lowest-priority ones are dropped" });
  })
  .meta({ id: 'Overload' });

export const MAX_PARALLELISM_LIMIT = 32768;

export const jobDocumentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: nonEmpty.max(200),
    mode: z.enum(['stream', 'batch']).optional(),
    parallelism: posInt.optional(),
    maxParallelism: posInt.max(MAX_PARALLELISM_LIMIT).optional(),
    guarantee: z.enum(['exactly-once', 'at-least-once']).optional(),
    source: sourceSchema,
    pipeline: z.array(stepSchema).optional(),
    sink: sinkSchema,
    sideOutputs: z.record(nonEmpty, sinkSchema).optional(),
    checkpoint: checkpointSchema.optional(),
    restart: restartSchema.optional(),
    state: z
      .strictObject({
        backend: z.enum(['memory', 'sqlite']).optional(),
        ttl: durationSchema.nullable().optional(),
      })
      .optional(),
    batch: z
      .strictObject({ memoryBudgetMb: posInt.optional(), chunkRecords: posInt.optional() })
      .optional(),
    execution: executionSchema.optional(),
    overload: overloadSchema.optional(),
  })
  .meta({ title: 'Sluice job spec' });

export type JobDocument = z.output<typeof jobDocumentSchema>;
export type SourceDocument = z.output<typeof sourceSchema>;
export type StepDocument = z.output<typeof stepSchema>;
export type WindowDocument = z.output<typeof windowSchema>;
export type AggregateDocument = z.output<typeof aggregateSchema>;
export type SinkDocument = z.output<typeof sinkSchema>;
export type RestartDocument = z.output<typeof restartSchema>;
export type DurationInput = number | string;
