export type {
  AggFn,
  AggregateSpec,
  CheckpointSpec,
  FileSourceSpec,
  GeneratorSourceSpec,
  JobSpec,
  KafkaSourceSpec,
  LogSourceSpec,
  Ms,
  ParseResult,
  SaslSpec,
  SinkSpec,
  SourceCommon,
  SourceSpec,
  SpecError,
  SqliteSourceSpec,
  Step,
  StepKind,
  RestartSpec,
  WatermarkSpec,
  WindowCommon,
  WindowSpec,
} from './spec.js';
export { AGG_FNS, SINK_TYPES, SOURCE_TYPES, STEP_KINDS } from './spec.js';
export { DURATION_PATTERN, formatDuration, parseDuration, tryParseDuration } from './duration.js';
export type { DurationResult } from './duration.js';
export { loadJobSpecFile, parseJobSpecText, validateJobSpecObject } from './load.js';
export type { ParseOptions } from './load.js';
export { formatSpecErrors, formatPath, JobSpecError } from './errors.js';
export { applyOverrides, parseOverridePath } from './overrides.js';
export { checkJobSpec, sourceHasEventTime, sourceIsBounded } from './semantic.js';
export { jobSpecJsonSchema, jobSpecJsonSchemaText, JOB_SCHEMA_FILE } from './json-schema.js';
export { specToDocument } from './document.js';
export {
  batchJob,
  fileSink,
  JobBuilder,
  kafkaSink,
  logSink,
  session,
  sliding,
  sqliteSink,
  streamJob,
  tumbling,
} from './builder.js';
export type { AggregateDoc, Duration, SinkDoc, WindowDoc } from './builder.js';
