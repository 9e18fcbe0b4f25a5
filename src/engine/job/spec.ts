/**
 * The NORMALISED job spec: what `parseJobSpecText` / `loadJobSpecFile` /
 * `validateJobSpecObject` produce once a spec is valid. Durations are
 * milliseconds, every default is filled in, file paths are absolute (resolved
 * against the spec file's folder). The YAML surface is described in schema.ts.
 */
export type Ms = number;

export interface WatermarkSpec {
  strategy: 'from-input' | 'bounded' | 'monotonous' | 'none';
  /** default 0 */
  maxOutOfOrderness: Ms;
  /** default null (no idleness detection) */
  idleTimeout: Ms | null;
}

export interface SourceCommon {
  /** Field holding the event time (ms). null: the source's own timestamps (generator `ts`, Kafka record time) or none. */
  timestampField: string | null;
  /** default {strategy:'monotonous', maxOutOfOrderness:0, idleTimeout:null} */
  watermarks: WatermarkSpec;
  /** Throttle: records per second read over all workers; null (default) = as fast as possible. */
  maxRecordsPerSecond: number | null;
}

export interface SaslSpec {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export type FileSourceSpec = SourceCommon & {
  type: 'file';
  /** absolute */
  path: string;
  /** default from the extension: .csv → csv, .txt/.log → text, else jsonl */
  format: 'jsonl' | 'csv' | 'text';
  csv: { header: boolean /* true */; delimiter: string /* ',' */ };
};

export type GeneratorSourceSpec = SourceCommon & {
  type: 'generator';
  /** 0 */
  seed: number;
  /** null = unbounded */
  count: number | null;
  /** 1000 */
  keys: number;
  /** null = as fast as possible */
  eventsPerSecond: number | null;
  /** 0 = uniform; >0 zipf exponent */
  skew: number;
  /** 1700000000000 */
  startTs: number;
  /** events per second of event time; default eventsPerSecond ?? 100000 */
  eventTimeRate: number;
  /** 16 */
  splits: number;
};

/** Nexmark auction-site events (persons, auctions, bids 1 : 3 : 46); see connectors/nexmark-model.ts. */
export type NexmarkSourceSpec = SourceCommon & {
  type: 'nexmark';
  /** 0 */
  seed: number;
  /** null = unbounded */
  count: number | null;
  /** null = as fast as possible */
  eventsPerSecond: number | null;
  /** 1700000000000 */
  startTs: number;
  /** events per second of event time; default eventsPerSecond ?? 10000 */
  eventTimeRate: number;
  /** 2, 4, 4: a bid/seller is hot with probability (r - 1) / r */
  hotAuctionRatio: number;
  hotBiddersRatio: number;
  hotSellersRatio: number;
  /** 1000 */
  activePeople: number;
  /** 100 */
  inFlightAuctions: number;
  /** 16 */
  splits: number;
};

export type LogSourceSpec = SourceCommon & {
  type: 'log';
  /** absolute directory */
  path: string;
  topic: string;
  /** default earliest */
  startFrom: 'earliest' | 'latest';
  /** false */
  bounded: boolean;
};

export type SqliteSourceSpec = SourceCommon & {
  type: 'sqlite';
  /** absolute */
  path: string;
  table: string;
  orderBy: string | null;
};

export type KafkaSourceSpec = SourceCommon & {
  type: 'kafka';
  brokers: string[];
  topics: string[];
  groupId: string | null;
  /** default 'group' when groupId is set, else 'earliest' */
  startFrom: 'earliest' | 'latest' | 'group' | { timestamp: number };
  /** default read_committed */
  isolation: 'read_committed' | 'read_uncommitted';
  /** default record */
  timestampFrom: 'record' | 'field';
  ssl: boolean;
  sasl: SaslSpec | null;
  /** false */
  bounded: boolean;
};

export type SourceSpec = FileSourceSpec | GeneratorSourceSpec | NexmarkSourceSpec | LogSourceSpec | SqliteSourceSpec | KafkaSourceSpec;

export type AggFn = { fn: 'count' } | { fn: 'sum' | 'min' | 'max' | 'avg'; field: string };
export type AggregateSpec = { kind: 'single'; agg: AggFn } | { kind: 'named'; aggs: Record<string, AggFn> };

export interface WindowCommon {
  /** 0 */
  allowedLateness: Ms;
  /** false */
  purgeOnFire: boolean;
  /** name of a declared side output, or null */
  lateOutput: string | null;
  /** event */
  time: 'event' | 'processing';
}

export type WindowSpec =
  | (WindowCommon & { type: 'tumbling'; size: Ms; offset: Ms /* 0 */ })
  | (WindowCommon & { type: 'sliding'; size: Ms; slide: Ms; offset: Ms /* 0 */ })
  | (WindowCommon & { type: 'session'; gap: Ms });

export type Step =
  | { kind: 'filter'; expr: string }
  | { kind: 'map'; expr: string }
  | { kind: 'map'; fields: Record<string, string> }
  | { kind: 'flatMap'; expr: string; as: string /* default 'value': name for non-object elements */ }
  | { kind: 'keyBy'; field: string }
  | { kind: 'keyBy'; expr: string }
  | { kind: 'window'; window: WindowSpec }
  | { kind: 'aggregate'; aggregate: AggregateSpec }
  | { kind: 'process'; module: string /* abs path */; exportName: string /* 'default' */ };

export type StepKind = Step['kind'];

export type SinkSpec =
  | { type: 'file'; path: string; format: 'jsonl' | 'csv' }
  | { type: 'sqlite'; path: string; table: string; mode: 'transactional' | 'upsert' | 'insert' /* transactional */; key: string[] | null }
  | { type: 'log'; path: string; topic: string; partitions: number /* 1 */ }
  | {
      type: 'kafka';
      brokers: string[];
      topic: string;
      ssl: boolean;
      sasl: SaslSpec | null;
      keyField: string | null;
      /** absent = none: header name → field path */
      headers?: Record<string, string>;
      /** absent = default (murmur2 of the key) */
      partitioner?: 'default' | 'legacy' | 'round-robin';
      /** absent = sluice-<job name> */
      transactionalIdPrefix?: string;
      /** absent = 15 minutes */
      transactionTimeout?: Ms;
    };

export type RestartSpec =
  | { strategy: 'none' }
  | { strategy: 'fixed-delay'; attempts: number; delay: Ms }
  | { strategy: 'failure-rate'; maxFailures: number; interval: Ms; delay: Ms };

export interface CheckpointSpec {
  /** null = off */
  interval: Ms | null;
  /** 0 */
  minPause: Ms;
  /** 600000 */
  timeout: Ms;
  /** 3 */
  retain: number;
  /** true */
  incremental: boolean;
  /** 10: every n-th checkpoint is full */
  fullEvery: number;
}

/**
 * How the source side hands input to the pipeline (stream mode). continuous: record at a
 * time (Flink); micro-batch: input is collected for one trigger interval and then
 * processed as a unit, event time advancing only at batch boundaries (Spark Structured
 * Streaming).
 */
export type ExecutionSpec = { mode: 'continuous' } | { mode: 'micro-batch'; trigger: Ms };

/**
 * What happens when input outruns processing. backpressure: the source stops reading (lag
 * grows). shed: records read but not yet taken by the pipeline wait in the source's input
 * queue; above `queueThreshold` records the lowest-priority ones are dropped, counted per
 * priority and written to `shedOutput` when set.
 */
export type OverloadSpec =
  | { strategy: 'backpressure' }
  | { strategy: 'shed'; priority: string; queueThreshold: number; shedOutput: string | null };

export interface JobSpec {
  name: string;
  /** stream */
  mode: 'stream' | 'batch';
  /** 1 */
  parallelism: number;
  /** 128 */
  maxParallelism: number;
  /** exactly-once */
  guarantee: 'exactly-once' | 'at-least-once';
  source: SourceSpec;
  pipeline: Step[];
  sink: SinkSpec;
  /** {} */
  sideOutputs: Record<string, SinkSpec>;
  checkpoint: CheckpointSpec;
  /** default {strategy:'fixed-delay', attempts: 3, delay: 1000} */
  restart: RestartSpec;
  state: { backend: 'memory' | 'sqlite' /* memory */; ttl: Ms | null /* null */ };
  batch: { memoryBudgetMb: number /* 256 */; chunkRecords: number /* 100000 */ };
  /** {mode: 'continuous'} */
  execution: ExecutionSpec;
  /** {strategy: 'backpressure'} */
  overload: OverloadSpec;
  /** absolute folder of the spec file */
  specDir: string;
}

export interface SpecError {
  /** e.g. `pipeline[2].window.size`; '' for the document itself */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; spec: JobSpec } | { ok: false; errors: SpecError[] };

export const STEP_KINDS = ['filter', 'map', 'flatMap', 'keyBy', 'window', 'aggregate', 'process'] as const;
export const SOURCE_TYPES = ['file', 'generator', 'nexmark', 'log', 'sqlite', 'kafka'] as const;
export const SINK_TYPES = ['file', 'sqlite', 'log', 'kafka'] as const;
export const AGG_FNS = ['count', 'sum', 'min', 'max', 'avg'] as const;
