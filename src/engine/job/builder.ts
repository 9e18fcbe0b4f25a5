/**
 * A DataStream-style builder that writes the same raw document a YAML file
 * would, then validates it through the same path (`validateJobSpecObject`).
 * Nothing runs while a job is built: the result is data.
 *
 *   streamJob('clicks')
 *     .fromFile('in.jsonl', { timestampField: 'ts' })
 *     .filter('value > 0').keyBy('key')
 *     .window(tumbling('2s')).aggregate({ sum: 'value' })
 *     .toFile('out.jsonl')
 *     .build(specDir)            // ParseResult; buildOrThrow → JobSpec
 */
import { JobSpecError } from './errors.js';
import { validateJobSpecObject } from './load.js';
import type { JobSpec, ParseResult } from './spec.js';

/** Milliseconds or `"2s"` style. */
export type Duration = number | string;
type Doc = Record<string, unknown>;

export interface WindowOptions {
  allowedLateness?: Duration;
  purgeOnFire?: boolean;
  lateOutput?: string;
  time?: 'event' | 'processing';
}
export type WindowDoc = Doc & { type: 'tumbling' | 'sliding' | 'session' };

function defined(o: Doc): Doc {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function tumbling(size: Duration, opts: WindowOptions & { offset?: Duration } = {}): WindowDoc {
  return { type: 'tumbling', ...defined({ size, ...opts }) };
}
export function sliding(size: Duration, slide: Duration, opts: WindowOptions & { offset?: Duration } = {}): WindowDoc {
  return { type: 'sliding', ...defined({ size, slide, ...opts }) };
}
export function session(gap: Duration, opts: WindowOptions = {}): WindowDoc {
  return { type: 'session', ...defined({ gap, ...opts }) };
}

type AggFnDoc = { count: true } | { sum: string } | { min: string } | { max: string } | { avg: string };
export type AggregateDoc = AggFnDoc | Record<string, AggFnDoc>;

interface SourceTimeOptions {
  timestampField?: string;
  watermarks?: { strategy?: 'from-input' | 'bounded' | 'monotonous' | 'none'; maxOutOfOrderness?: Duration; idleTimeout?: Duration };
}
export interface FileSourceOptions extends SourceTimeOptions {
  format?: 'jsonl' | 'csv' | 'text';
  csv?: { header?: boolean; delimiter?: string };
}
export interface GeneratorOptions extends SourceTimeOptions {
  seed?: number;
  count?: number | null;
  keys?: number;
  eventsPerSecond?: number | null;
  skew?: number;
  startTs?: number;
  eventTimeRate?: number;
  splits?: number;
}
export interface LogSourceOptions extends SourceTimeOptions {
  startFrom?: 'earliest' | 'latest';
  bounded?: boolean;
}
export interface KafkaSourceOptions extends SourceTimeOptions {
  groupId?: string;
  startFrom?: 'earliest' | 'latest' | 'group' | { timestamp: number };
  isolation?: 'read_committed' | 'read_uncommitted';
  timestampFrom?: 'record' | 'field';
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  bounded?: boolean;
}
export type SinkDoc = Doc & { type: 'file' | 'sqlite' | 'log' | 'kafka' };

export function fileSink(path: string, format?: 'jsonl' | 'csv'): SinkDoc {
  return { type: 'file', ...defined({ path, format }) };
}
export function sqliteSink(
  path: string,
  table: string,
  opts: { mode?: 'transactional' | 'upsert' | 'insert'; key?: string | string[] } = {},
): SinkDoc {
  return { type: 'sqlite', ...defined({ path, table, ...opts }) };
}
export function logSink(path: string, topic: string, partitions?: number): SinkDoc {
  return { type: 'log', ...defined({ path, topic, partitions }) };
}
export function kafkaSink(
  brokers: string[],
  topic: string,
  opts: { ssl?: boolean; sasl?: KafkaSourceOptions['sasl']; keyField?: string } = {},
): SinkDoc {
  return { type: 'kafka', ...defined({ brokers, topic, ...opts }) };
}

export class JobBuilder {
  private readonly doc: Doc;
  private readonly steps: Doc[] = [];
  private readonly sides: Record<string, SinkDoc> = {};

  constructor(name: string, mode: 'stream' | 'batch' = 'stream') {
    this.doc = { name, mode };
  }

  // ------------------------------------------------------------ job settings
  batch(): this {
    this.doc.mode = 'batch';
    return this;
  }
  stream(): this {
    this.doc.mode = 'stream';
    return this;
  }
  parallelism(n: number): this {
    this.doc.parallelism = n;
    return this;
  }
  maxParallelism(n: number): this {
    this.doc.maxParallelism = n;
    return this;
  }
  guarantee(g: 'exactly-once' | 'at-least-once'): this {
    this.doc.guarantee = g;
    return this;
  }
  checkpoint(opts: {
    interval?: Duration | null;
    minPause?: Duration;
    timeout?: Duration;
    retain?: number;
    incremental?: boolean;
    fullEvery?: number;
  }): this {
    this.doc.checkpoint = defined({ ...opts });
    return this;
  }
  restart(
    r:
      | { strategy: 'none' }
      | { strategy: 'fixed-delay'; attempts?: number; delay?: Duration }
      | { strategy: 'failure-rate'; maxFailures?: number; interval?: Duration; delay?: Duration },
  ): this {
    this.doc.restart = defined({ ...r });
    return this;
  }
  state(opts: { backend?: 'memory' | 'sqlite'; ttl?: Duration | null }): this {
    this.doc.state = defined({ ...opts });
    return this;
  }
  batchOptions(opts: { memoryBudgetMb?: number; chunkRecords?: number }): this {
    this.doc.batch = defined({ ...opts });
    return this;
  }

  // ------------------------------------------------------------ sources
  fromFile(path: string, opts: FileSourceOptions = {}): this {
    return this.source({ type: 'file', path, ...opts });
  }
  fromGenerator(opts: GeneratorOptions = {}): this {
    return this.source({ type: 'generator', ...opts });
  }
  fromLog(path: string, topic: string, opts: LogSourceOptions = {}): this {
    return this.source({ type: 'log', path, topic, ...opts });
  }
  fromSqlite(path: string, table: string, opts: SourceTimeOptions & { orderBy?: string } = {}): this {
    return this.source({ type: 'sqlite', path, table, ...opts });
  }
  fromKafka(brokers: string[], topics: string[], opts: KafkaSourceOptions = {}): this {
    return this.source({ type: 'kafka', brokers, topics, ...opts });
  }
  /** Any source document, as it would be written in YAML. */
  source(doc: Doc): this {
    this.doc.source = defined(doc);
    return this;
  }

  // ------------------------------------------------------------ pipeline
  filter(expr: string): this {
    return this.step({ filter: expr });
  }
  /** An expression producing the new record, or field → expression. */
  map(exprOrFields: string | Record<string, string>): this {
    return this.step({ map: exprOrFields });
  }
  flatMap(expr: string, as?: string): this {
    return this.step({ flatMap: as === undefined ? expr : { expr, as } });
  }
  /** A (dotted) field path, or `{ expr }` for a computed key. */
  keyBy(fieldOrExpr: string | { expr: string }): this {
    return this.step({ keyBy: fieldOrExpr });
  }
  window(w: WindowDoc): this {
    return this.step({ window: w });
  }
  aggregate(a: AggregateDoc): this {
    return this.step({ aggregate: a });
  }
  process(module: string, exportName?: string): this {
    return this.step({ process: defined({ module, export: exportName }) });
  }
  private step(s: Doc): this {
    this.steps.push(s);
    return this;
  }

  // ------------------------------------------------------------ sinks
  toFile(path: string, format?: 'jsonl' | 'csv'): this {
    return this.sink(fileSink(path, format));
  }
  toSqlite(path: string, table: string, opts: { mode?: 'transactional' | 'upsert' | 'insert'; key?: string | string[] } = {}): this {
    return this.sink(sqliteSink(path, table, opts));
  }
  toLog(path: string, topic: string, partitions?: number): this {
    return this.sink(logSink(path, topic, partitions));
  }
  toKafka(brokers: string[], topic: string, opts: Parameters<typeof kafkaSink>[2] = {}): this {
    return this.sink(kafkaSink(brokers, topic, opts));
  }
  sink(doc: SinkDoc): this {
    this.doc.sink = doc;
    return this;
  }
  sideOutput(name: string, sink: SinkDoc): this {
    this.sides[name] = sink;
    return this;
  }

  // ------------------------------------------------------------ result
  /** The raw document, exactly what a YAML file with the same content parses to. */
  toDocument(): Doc {
    const doc: Doc = { ...this.doc, pipeline: [...this.steps] };
    if (Object.keys(this.sides).length > 0) doc.sideOutputs = { ...this.sides };
    return structuredClone(doc);
  }
  /** Validate; relative paths resolve against `specDir`. */
  build(specDir: string): ParseResult {
    return validateJobSpecObject(this.toDocument(), specDir);
  }
  /** Validate or throw a {@link JobSpecError} listing every problem as `path: message`. */
  buildOrThrow(specDir: string): JobSpec {
    const r = this.build(specDir);
    if (!r.ok) throw new JobSpecError(r.errors);
    return r.spec;
  }
}

export function streamJob(name: string): JobBuilder {
  return new JobBuilder(name, 'stream');
}
export function batchJob(name: string): JobBuilder {
  return new JobBuilder(name, 'batch');
}
