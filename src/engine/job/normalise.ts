/**
 * Surface document (already schema-valid) → normalised {@link JobSpec}:
 * durations in ms, defaults filled, paths absolute against `specDir`.
 */
import { extname, isAbsolute, resolve } from 'node:path';
import { parseDuration } from './duration.js';
import type {
  AggregateDocument,
  DurationInput,
  JobDocument,
  RestartDocument,
  SinkDocument,
  SourceDocument,
  StepDocument,
  WindowDocument,
} from './schema.js';
import type { AggFn, AggregateSpec, ExecutionSpec, JobSpec, OverloadSpec, RestartSpec, SinkSpec, SourceSpec, Step, WatermarkSpec, WindowSpec } from './spec.js';

const ms = (d: DurationInput): number => parseDuration(d);
const msOr = (d: DurationInput | undefined, fallback: number): number => (d === undefined ? fallback : ms(d));
const msOrNull = (d: DurationInput | null | undefined): number | null => (d === undefined || d === null ? null : ms(d));

export const DEFAULT_RESTART: RestartSpec = { strategy: 'fixed-delay', attempts: 3, delay: 1000 };

function abs(specDir: string, p: string): string {
  return isAbsolute(p) ? resolve(p) : resolve(specDir, p);
}

function watermarks(w: SourceDocument['watermarks']): WatermarkSpec {
  if (!w) return { strategy: 'monotonous', maxOutOfOrderness: 0, idleTimeout: null };
  return {
    strategy: w.strategy ?? (w.maxOutOfOrderness !== undefined ? 'bounded' : 'monotonous'),
    maxOutOfOrderness: msOr(w.maxOutOfOrderness, 0),
    idleTimeout: msOrNull(w.idleTimeout),
  };
}

function fileFormatFromExtension(path: string): 'jsonl' | 'csv' | 'text' {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.txt' || ext === '.log') return 'text';
  return 'jsonl';
}

export function normaliseSource(s: SourceDocument, specDir: string): SourceSpec {
  const common = { timestampField: s.timestampField ?? null, watermarks: watermarks(s.watermarks), maxRecordsPerSecond: s.maxRecordsPerSecond ?? null };
  switch (s.type) {
    case 'file':
      return {
        type: 'file',
        path: abs(specDir, s.path),
        format: s.format ?? fileFormatFromExtension(s.path),
        csv: { header: s.csv?.header ?? true, delimiter: s.csv?.delimiter ?? ',' },
        ...common,
      };
    case 'generator': {
      const eventsPerSecond = s.eventsPerSecond ?? null;
      return {
        type: 'generator',
        seed: s.seed ?? 0,
        count: s.count ?? null,
        keys: s.keys ?? 1000,
        eventsPerSecond,
        skew: s.skew ?? 0,
        startTs: s.startTs ?? 1_700_000_000_000,
        eventTimeRate: s.eventTimeRate ?? eventsPerSecond ?? 100_000,
        splits: s.splits ?? 16,
        ...common,
      };
    }
    case 'nexmark': {
      const eventsPerSecond = s.eventsPerSecond ?? null;
      return {
        type: 'nexmark',
        seed: s.seed ?? 0,
        count: s.count ?? null,
        eventsPerSecond,
        startTs: s.startTs ?? 1_700_000_000_000,
        eventTimeRate: s.eventTimeRate ?? eventsPerSecond ?? 10_000,
        hotAuctionRatio: s.hotAuctionRatio ?? 2,
        hotBiddersRatio: s.hotBiddersRatio ?? 4,
        hotSellersRatio: s.hotSellersRatio ?? 4,
        activePeople: s.activePeople ?? 1000,
        inFlightAuctions: s.inFlightAuctions ?? 100,
        splits: s.splits ?? 16,
        ...common,
      };
    }
    case 'log':
      return {
        type: 'log',
        path: abs(specDir, s.path),
        topic: s.topic,
        startFrom: s.startFrom ?? 'earliest',
        bounded: s.bounded ?? false,
        ...common,
      };
    case 'sqlite':
      return { type: 'sqlite', path: abs(specDir, s.path), table: s.table, orderBy: s.orderBy ?? null, ...common };
    case 'kafka': {
      const groupId = s.groupId ?? null;
      return {
        type: 'kafka',
        brokers: [...s.brokers],
        topics: [...s.topics],
        groupId,
        startFrom: s.startFrom ?? (groupId !== null ? 'group' : 'earliest'),
        isolation: s.isolation ?? 'read_committed',
        timestampFrom: s.timestampFrom ?? 'record',
        ssl: s.ssl ?? false,
        sasl: s.sasl ? { ...s.sasl } : null,
        bounded: s.bounded ?? false,
        ...common,
      };
    }
  }
}

export function normaliseWindow(w: WindowDocument): WindowSpec {
  const common = {
    allowedLateness: msOr(w.allowedLateness, 0),
    purgeOnFire: w.purgeOnFire ?? false,
    lateOutput: w.lateOutput ?? null,
    time: w.time ?? 'event',
  };
  switch (w.type) {
    case 'tumbling':
      return { type: 'tumbling', size: ms(w.size), offset: msOr(w.offset, 0), ...common };
    case 'sliding':
      return { type: 'sliding', size: ms(w.size), slide: ms(w.slide), offset: msOr(w.offset, 0), ...common };
    case 'session':
      return { type: 'session', gap: ms(w.gap), ...common };
  }
}

function aggFn(o: Record<string, unknown>): AggFn {
  if (o.count === true) return { fn: 'count' };
  for (const fn of ['sum', 'min', 'max', 'avg'] as const) {
    const field = o[fn];
    if (typeof field === 'string') return { fn, field };
  }
  // The schema guarantees exactly one function; reaching here is a bug.
  throw new Error(`unreachable: not an aggregate function: ${JSON.stringify(o)}`);
}

export function normaliseAggregate(a: AggregateDocument): AggregateSpec {
  const keys = Object.keys(a);
  const single = keys.length === 1 && ['count', 'sum', 'min', 'max', 'avg'].includes(keys[0] as string) &&
    typeof (a as Record<string, unknown>)[keys[0] as string] !== 'object';
  if (single) return { kind: 'single', agg: aggFn(a as Record<string, unknown>) };
  const aggs: Record<string, AggFn> = {};
  for (const [name, fn] of Object.entries(a as Record<string, Record<string, unknown>>)) aggs[name] = aggFn(fn);
  return { kind: 'named', aggs };
}

export function normaliseStep(s: StepDocument, specDir: string): Step {
  if (s.filter !== undefined) return { kind: 'filter', expr: s.filter };
  if (s.map !== undefined) {
    return typeof s.map === 'string' ? { kind: 'map', expr: s.map } : { kind: 'map', fields: { ...s.map } };
  }
  if (s.flatMap !== undefined) {
    return typeof s.flatMap === 'string'
      ? { kind: 'flatMap', expr: s.flatMap, as: 'value' }
      : { kind: 'flatMap', expr: s.flatMap.expr, as: s.flatMap.as ?? 'value' };
  }
  if (s.keyBy !== undefined) {
    if (typeof s.keyBy === 'string') return { kind: 'keyBy', field: s.keyBy };
    return s.keyBy.expr !== undefined ? { kind: 'keyBy', expr: s.keyBy.expr } : { kind: 'keyBy', field: s.keyBy.field as string };
  }
  if (s.window !== undefined) return { kind: 'window', window: normaliseWindow(s.window) };
  if (s.aggregate !== undefined) return { kind: 'aggregate', aggregate: normaliseAggregate(s.aggregate) };
  if (s.process !== undefined) {
    return { kind: 'process', module: abs(specDir, s.process.module), exportName: s.process.export ?? 'default' };
  }
  throw new Error('unreachable: empty step passed the schema');
}

function fileSinkFormat(path: string): 'jsonl' | 'csv' {
  return extname(path).toLowerCase() === '.csv' ? 'csv' : 'jsonl';
}

export function normaliseSink(s: SinkDocument, specDir: string): SinkSpec {
  switch (s.type) {
    case 'file':
      return { type: 'file', path: abs(specDir, s.path), format: s.format ?? fileSinkFormat(s.path) };
    case 'sqlite':
      return {
        type: 'sqlite',
        path: abs(specDir, s.path),
        table: s.table,
        mode: s.mode ?? 'transactional',
        key: s.key === undefined || s.key === null ? null : typeof s.key === 'string' ? [s.key] : [...s.key],
      };
    case 'log':
      return { type: 'log', path: abs(specDir, s.path), topic: s.topic, partitions: s.partitions ?? 1 };
    case 'kafka':
      return {
        type: 'kafka',
        brokers: [...s.brokers],
        topic: s.topic,
        ssl: s.ssl ?? false,
        sasl: s.sasl ? { ...s.sasl } : null,
        keyField: s.keyField ?? null,
        // Present only when given, so specs written before these fields normalise as before.
        ...(s.headers ? { headers: { ...s.headers } } : {}),
        ...(s.partitioner ? { partitioner: s.partitioner } : {}),
        ...(s.transactionalIdPrefix !== undefined ? { transactionalIdPrefix: s.transactionalIdPrefix } : {}),
        ...(s.transactionTimeout !== undefined ? { transactionTimeout: ms(s.transactionTimeout) } : {}),
      };
  }
}

export function normaliseRestart(r: RestartDocument | undefined): RestartSpec {
  if (!r) return { ...DEFAULT_RESTART };
  switch (r.strategy) {
    case 'none':
      return { strategy: 'none' };
    case 'fixed-delay':
      return { strategy: 'fixed-delay', attempts: r.attempts ?? 3, delay: msOr(r.delay, 1000) };
    case 'failure-rate':
      return {
        strategy: 'failure-rate',
        maxFailures: r.maxFailures ?? 3,
        interval: msOr(r.interval, 60_000),
        delay: msOr(r.delay, 1000),
      };
  }
}

/** Default trigger of a micro-batch (Spark's examples use 1 s). */
export const DEFAULT_TRIGGER_MS = 1000;

export function normaliseExecution(e: JobDocument['execution']): ExecutionSpec {
  if ((e?.mode ?? 'continuous') === 'continuous') return { mode: 'continuous' };
  return { mode: 'micro-batch', trigger: msOr(e?.trigger, DEFAULT_TRIGGER_MS) };
}

export function normaliseOverload(o: JobDocument['overload']): OverloadSpec {
  if (o === undefined || o.strategy === 'backpressure') return { strategy: 'backpressure' };
  // The schema requires both for shed.
  return { strategy: 'shed', priority: o.priority!, queueThreshold: o.queueThreshold!, shedOutput: o.shedOutput ?? null };
}

export function normaliseJob(doc: JobDocument, specDir: string): JobSpec {
  const dir = resolve(specDir);
  const sideOutputs: Record<string, SinkSpec> = {};
  for (const [name, sink] of Object.entries(doc.sideOutputs ?? {})) sideOutputs[name] = normaliseSink(sink, dir);
  return {
    name: doc.name,
    mode: doc.mode ?? 'stream',
    parallelism: doc.parallelism ?? 1,
    maxParallelism: doc.maxParallelism ?? 128,
    guarantee: doc.guarantee ?? 'exactly-once',
    source: normaliseSource(doc.source, dir),
    pipeline: (doc.pipeline ?? []).map((s) => normaliseStep(s, dir)),
    sink: normaliseSink(doc.sink, dir),
    sideOutputs,
    checkpoint: {
      interval: msOrNull(doc.checkpoint?.interval),
      minPause: msOr(doc.checkpoint?.minPause, 0),
      timeout: msOr(doc.checkpoint?.timeout, 600_000),
      retain: doc.checkpoint?.retain ?? 3,
      incremental: doc.checkpoint?.incremental ?? true,
      fullEvery: doc.checkpoint?.fullEvery ?? 10,
    },
    restart: normaliseRestart(doc.restart),
    state: { backend: doc.state?.backend ?? 'memory', ttl: msOrNull(doc.state?.ttl) },
    batch: { memoryBudgetMb: doc.batch?.memoryBudgetMb ?? 256, chunkRecords: doc.batch?.chunkRecords ?? 100_000 },
    execution: normaliseExecution(doc.execution),
    overload: normaliseOverload(doc.overload),
    specDir: dir,
  };
}
