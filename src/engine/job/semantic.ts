/**
 * Checks that need the whole (normalised) spec: step order, window geometry,
 * expressions that must compile, event time, bounded input for batch mode.
 * Paths point at what the user wrote.
 */
import { compileExpression, isFieldPath } from '../expr/index.js';
import { formatDuration } from './duration.js';
import { formatPath, suggestion } from './errors.js';
import type { JobSpec, SinkSpec, SourceSpec, SpecError, WindowSpec } from './spec.js';
import { checkExecution, checkOverload } from './semantic-overload.js';

const d = (ms: number): string => formatDuration(ms);

/** Whether records from this source carry an event time. */
export function sourceHasEventTime(source: SourceSpec): boolean {
  if (source.timestampField !== null) return true;
  if (source.type === 'generator' || source.type === 'nexmark') return true;
  return source.type === 'kafka' && source.timestampFrom === 'record';
}

/** Whether this source ends by itself. */
export function sourceIsBounded(source: SourceSpec): boolean {
  switch (source.type) {
    case 'file':
    case 'sqlite':
      return true;
    case 'generator':
    case 'nexmark':
      return source.count !== null;
    case 'log':
    case 'kafka':
      return source.bounded;
  }
}

function checkExpression(errors: SpecError[], path: string, expr: string): void {
  const r = compileExpression(expr);
  if (!r.ok) errors.push({ path, message: `invalid expression ${JSON.stringify(expr)}: ${r.error}` });
}

function checkWindow(errors: SpecError[], at: string, w: WindowSpec, spec: JobSpec): void {
  const positive = (key: string, v: number): boolean => {
    if (v > 0) return true;
    errors.push({ path: `${at}.${key}`, message: `must be positive, got ${d(v)}` });
    return false;
  };
  if (w.type === 'tumbling') {
    if (positive('size', w.size) && Math.abs(w.offset) >= w.size) {
      errors.push({ path: `${at}.offset`, message: `|offset| must be less than size (${d(w.size)}), got ${d(w.offset)}` });
    }
  } else if (w.type === 'sliding') {
    positive('size', w.size);
    if (positive('slide', w.slide) && Math.abs(w.offset) >= w.slide) {
      errors.push({ path: `${at}.offset`, message: `|offset| must be less than slide (${d(w.slide)}), got ${d(w.offset)}` });
    }
  } else {
    positive('gap', w.gap);
  }
  if (w.allowedLateness < 0) {
    errors.push({ path: `${at}.allowedLateness`, message: `must not be negative, got ${d(w.allowedLateness)}` });
  }
  if (w.lateOutput !== null && !Object.hasOwn(spec.sideOutputs, w.lateOutput)) {
    const declared = Object.keys(spec.sideOutputs);
    errors.push({
      path: `${at}.lateOutput`,
      message: `unknown side output "${w.lateOutput}" (declare it under sideOutputs${declared.length ? `: declared are ${declared.join(', ')}` : ''}${suggestion(w.lateOutput, declared)})`,
    });
  }
  if (w.time === 'event' && !sourceHasEventTime(spec.source)) {
    errors.push({
      path: at,
      message: 'an event-time window needs event time: set source.timestampField (generator and kafka sources carry timestamps), or use time: processing',
    });
  }
  if (w.time === 'processing' && spec.mode === 'batch') {
    errors.push({ path: `${at}.time`, message: 'processing time has no meaning in batch mode; use event time' });
  }
}

function checkPipeline(errors: SpecError[], spec: JobSpec): void {
  let keyed = false;
  spec.pipeline.forEach((step, i) => {
    const at = `pipeline[${i}]`;
    const needsKey = (): void => {
      if (!keyed) errors.push({ path: at, message: `${step.kind} needs a keyBy before it` });
    };
    switch (step.kind) {
      case 'filter':
        checkExpression(errors, `${at}.filter`, step.expr);
        break;
      case 'map':
        if ('expr' in step) checkExpression(errors, `${at}.map`, step.expr);
        else for (const [field, expr] of Object.entries(step.fields)) checkExpression(errors, formatPath(['pipeline', i, 'map', field]), expr);
        break;
      case 'flatMap':
        checkExpression(errors, `${at}.flatMap`, step.expr);
        break;
      case 'keyBy':
        if ('expr' in step) checkExpression(errors, `${at}.keyBy.expr`, step.expr);
        else if (!isFieldPath(step.field)) {
          errors.push({
            path: `${at}.keyBy`,
            message: `${JSON.stringify(step.field)} is not a field path (names joined by dots); for a computed key write keyBy: {expr: ...}`,
          });
        }
        keyed = true;
        break;
      case 'window': {
        needsKey();
        const next = spec.pipeline[i + 1];
        if (next?.kind !== 'aggregate') {
          errors.push({
            path: at,
            message: `window must be directly followed by aggregate${next ? `, got ${next.kind}` : ''}`,
          });
        }
        checkWindow(errors, `${at}.window`, step.window, spec);
        break;
      }
      case 'aggregate':
      case 'process':
        needsKey();
        break;
    }
  });
}

function checkSink(errors: SpecError[], at: string, sink: SinkSpec): void {
  if (sink.type === 'sqlite' && sink.mode === 'upsert' && sink.key === null) {
    errors.push({ path: `${at}.key`, message: 'an upsert sink needs key: the column(s) that identify a row' });
  }
}

function checkSource(errors: SpecError[], spec: JobSpec): void {
  const s = spec.source;
  const w = s.watermarks;
  if (w.maxOutOfOrderness < 0) {
    errors.push({ path: 'source.watermarks.maxOutOfOrderness', message: `must not be negative, got ${d(w.maxOutOfOrderness)}` });
  }
  if (w.idleTimeout !== null && w.idleTimeout <= 0) {
    errors.push({ path: 'source.watermarks.idleTimeout', message: `must be positive, got ${d(w.idleTimeout)}` });
  }
  if (s.type === 'kafka') {
    if (s.timestampFrom === 'field' && s.timestampField === null) {
      errors.push({ path: 'source.timestampField', message: 'timestampFrom: field needs timestampField' });
    }
    if (s.startFrom === 'group' && s.groupId === null) {
      errors.push({ path: 'source.startFrom', message: 'startFrom: group needs a groupId' });
    }
  }
  if (spec.mode === 'batch' && !sourceIsBounded(s)) {
    const how = s.type === 'generator' || s.type === 'nexmark' ? 'set source.count' : 'set source.bounded: true';
    errors.push({ path: 'source', message: `batch mode needs a bounded source; the ${s.type} source is unbounded (${how})` });
  }
}

function checkJob(errors: SpecError[], spec: JobSpec): void {
  if (spec.parallelism > spec.maxParallelism) {
    errors.push({
      path: 'parallelism',
      message: `must be ≤ maxParallelism (${spec.maxParallelism}), got ${spec.parallelism}`,
    });
  }
  const c = spec.checkpoint;
  if (c.interval !== null && c.interval <= 0) errors.push({ path: 'checkpoint.interval', message: `must be positive, got ${d(c.interval)}` });
  if (c.minPause < 0) errors.push({ path: 'checkpoint.minPause', message: `must not be negative, got ${d(c.minPause)}` });
  if (c.timeout <= 0) errors.push({ path: 'checkpoint.timeout', message: `must be positive, got ${d(c.timeout)}` });
  const r = spec.restart;
  if (r.strategy !== 'none' && r.delay < 0) errors.push({ path: 'restart.delay', message: `must not be negative, got ${d(r.delay)}` });
  if (r.strategy === 'failure-rate' && r.interval <= 0) {
    errors.push({ path: 'restart.interval', message: `must be positive, got ${d(r.interval)}` });
  }
  if (spec.state.ttl !== null && spec.state.ttl <= 0) errors.push({ path: 'state.ttl', message: `must be positive, got ${d(spec.state.ttl)}` });
}

/** Every semantic problem of a schema-valid spec, in document order (roughly). */
export function checkJobSpec(spec: JobSpec): SpecError[] {
  const errors: SpecError[] = [];
  checkJob(errors, spec);
  checkSource(errors, spec);
  checkPipeline(errors, spec);
  checkExecution(errors, spec);
  checkOverload(errors, spec);
  checkSink(errors, 'sink', spec.sink);
  for (const [name, sink] of Object.entries(spec.sideOutputs)) checkSink(errors, formatPath(['sideOutputs', name]), sink);
  checkGuarantee(errors, 'sink', spec);
  for (const name of Object.keys(spec.sideOutputs)) checkGuarantee(errors, formatPath(['sideOutputs', name]), spec, name);
  return errors;
}

/** The engine refuses a sink that cannot give the job's guarantee, saying why. */
function checkGuarantee(errors: SpecError[], path: string, spec: JobSpec, sideOutput?: string): void {
  if (spec.guarantee !== 'exactly-once') return;
  const sink = sideOutput === undefined ? spec.sink : spec.sideOutputs[sideOutput]!;
  if (sink.type === 'sqlite' && sink.mode === 'insert') {
    errors.push({
      path: `${path}.mode`,
      message:
        'mode "insert" writes rows directly and duplicates them on replay after a failure, so it cannot give guarantee exactly-once: use mode "transactional" (two-phase commit) or "upsert" (idempotent), or set guarantee: at-least-once',
    });
  }
  if (sink.type === 'kafka' && spec.mode === 'stream') checkKafkaTransactions(errors, path, spec, sink);
}

/**
 * Exactly-once Kafka output becomes visible when a checkpoint completes; the broker aborts a
 * transaction left open longer than its timeout, so one must outlast a checkpoint interval.
 */
function checkKafkaTransactions(errors: SpecError[], path: string, spec: JobSpec, sink: Extract<SinkSpec, { type: 'kafka' }>): void {
  const interval = spec.checkpoint.interval;
  if (interval === null) {
    if (!sourceIsBounded(spec.source)) {
      errors.push({
        path: 'checkpoint.interval',
        message: `exactly-once Kafka output (${path}) is committed when a checkpoint completes; with checkpoints off and an unbounded source it would never be committed: set checkpoint.interval, or guarantee: at-least-once`,
      });
    }
    return;
  }
  const timeout = sink.transactionTimeout ?? 15 * 60_000;
  if (timeout < interval * 2) {
    errors.push({
      path: `${path}.transactionTimeout`,
      message: `${d(timeout)} is too short for checkpoints every ${d(interval)}: a transaction stays open for at least one interval and the broker aborts it (losing its output) when the timeout passes; use at least ${d(interval * 2)}`,
    });
  }
}
