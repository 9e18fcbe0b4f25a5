/**
 * The console API, declared once: every call (params + result), every pushed event,
 * and the wire envelopes, each with a zod schema. Electron IPC (preload + main) and the
 * browser-mode WebSocket server are both built from this file; every message that
 * crosses either transport is parsed with these schemas. Objects are strict (unknown
 * fields are rejected) and every string, array and record has an upper bound.
 */
import { z } from 'zod';
import { API_METHODS, type ApiMethod } from './methods.js';

export { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel, type ApiMethod } from './methods.js';

export const LIMITS = {
  /** A request larger than this (UTF-8 bytes of its JSON) is refused before parsing. */
  maxRequestBytes: 128 * 1024,
  maxSpecChars: 64 * 1024,
  maxKeyChars: 1024,
  /** Rows a serving-view query returns at most. */
  maxViewRows: 10_000,
  /** Points kept per chart: 15 minutes at one snapshot a second. */
  historyPoints: 900,
  historyWindowMs: 15 * 60 * 1000,
} as const;

/** Bounds of a drill comparison (per run). */
export const DRILL_COMPARE_LIMITS = { timelinePoints: 1200, markers: 500, checkpoints: 2000, differences: 500 } as const;

// ------------------------------------------------------------------ building blocks

const str = (max: number) => z.string().max(max);
const num = z.number();
const count = z.number().int().min(0);
const nullableNum = z.number().nullable();
export const jobIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'a job id is letters, digits, _ or -');
const exampleIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/);
const jobRef = z.strictObject({ jobId: jobIdSchema });
const empty = z.strictObject({});

export const JOB_STATES = ['CREATED', 'RUNNING', 'FAILING', 'RESTARTING', 'CANCELLING', 'CANCELED', 'FINISHED', 'FAILED'] as const;
export const jobStateSchema = z.enum(JOB_STATES);
export const healthSchema = z.enum(['OK', 'WARN', 'ERR']);
/** Flink's backpressure levels: OK ≤ 10 %, LOW ≤ 50 %, HIGH above (of backPressured time). */
export const backpressureLevelSchema = z.enum(['OK', 'LOW', 'HIGH']);

export const specErrorSchema = z.strictObject({ path: str(500), message: str(2000) });

export const exampleSchema = z.strictObject({
  id: exampleIdSchema,
  name: str(200),
  description: str(2000),
  mode: z.enum(['stream', 'batch']),
  text: str(LIMITS.maxSpecChars),
});

export const jobSummarySchema = z.strictObject({
  jobId: jobIdSchema,
  name: str(200),
  state: jobStateSchema,
  health: healthSchema,
  parallelism: count,
  startedAt: num,
  endedAt: nullableNum,
  error: str(4000).nullable(),
  restarts: count,
  checkpointsCompleted: count,
  recordsInPerSec: nullableNum,
  sourceLagMs: nullableNum,
  example: exampleIdSchema.nullable(),
});

export const operatorMetricsSchema = z.strictObject({
  stage: count,
  name: str(1000),
  recordsInPerSec: num,
  recordsOutPerSec: num,
  busyRatio: num,
  idleRatio: num,
  backPressuredRatio: num,
  backpressure: backpressureLevelSchema,
  watermark: nullableNum,
  inputQueueLength: count,
  outputQueueLength: count,
  lateRecordsDropped: count,
  deadLetters: count,
});

export const workerStatusSchema = z.enum(['starting', 'running', 'finished', 'dead']);
export const workerSnapshotSchema = z.strictObject({
  index: count,
  pid: z.number().int(),
  attempt: count,
  status: workerStatusSchema,
  keyGroups: z.strictObject({ start: count, end: count }).nullable(),
  heapUsedBytes: nullableNum,
  rssBytes: nullableNum,
  cpuPercent: nullableNum,
  gcMsPerSec: nullableNum,
  eventLoopP99Ms: nullableNum,
  recordsInPerSec: nullableNum,
});

export const stateSnapshotSchema = z.strictObject({
  numKeys: count,
  bytes: count,
  bytesPerOperator: z.array(z.strictObject({ operator: str(300), bytes: count })).max(200),
  bytesPerKeyGroup: z.array(z.strictObject({ keyGroup: count, bytes: count })).max(32768),
  topKeys: z.array(z.strictObject({ operator: str(300), key: str(LIMITS.maxKeyChars), bytes: count })).max(100),
  sizeHistogram: z.array(z.strictObject({ upToBytes: count, count })).max(64),
});

/** End-to-end latency (source read → sink write) from latency markers, all workers merged. */
export const latencySnapshotSchema = z.strictObject({
  samples: count,
  p50Ms: num,
  p99Ms: num,
  maxMs: num,
});

/** Which overload strategy a job runs with and, when shedding, what it dropped. */
export const overloadSnapshotSchema = z.strictObject({
  strategy: z.enum(['backpressure', 'shed']),
  queueThreshold: count.nullable(),
  /** Records waiting in the sources' input queues now. */
  queued: count,
  shedTotal: count,
  shedByPriority: z.array(z.strictObject({ priority: z.number().int(), count })).max(1000),
  shedOutput: str(300).nullable(),
});

export const jobSnapshotSchema = z.strictObject({
  jobId: jobIdSchema,
  ts: num,
  state: jobStateSchema,
  recordsInPerSec: num,
  recordsOutPerSec: num,
  recordsIn: count,
  sourceLagMs: nullableNum,
  backlogRecords: nullableNum,
  watermark: nullableNum,
  progress: z.strictObject({ done: count, total: count }).nullable(),
  operators: z.array(operatorMetricsSchema).max(100),
  workers: z.array(workerSnapshotSchema).max(1024),
  keyedState: stateSnapshotSchema.nullable(),
  /** Optional so snapshots recorded before these fields still validate. */
  executionMode: z.enum(['continuous', 'micro-batch']).optional(),
  latency: latencySnapshotSchema.nullable().optional(),
  overload: overloadSnapshotSchema.optional(),
});

export const checkpointInfoSchema = z.strictObject({
  id: count,
  kind: z.enum(['checkpoint', 'savepoint']),
  status: z.enum(['in-progress', 'completed', 'failed']),
  triggerTs: num,
  completedTs: nullableNum,
  durationMs: nullableNum,
  syncMs: nullableNum,
  asyncMs: nullableNum,
  alignmentMs: nullableNum,
  fullSizeBytes: nullableNum,
  checkpointedSizeBytes: nullableNum,
  numKeys: nullableNum,
  failureReason: str(4000).nullable(),
  retainedAsBase: z.boolean(),
  /** False: seen complete earlier but deleted by retention since (not restorable). */
  retained: z.boolean(),
});

const percentiles = z.strictObject({ p50: num, p90: num, p99: num, max: num });
export const checkpointSummarySchema = z.strictObject({
  completed: count,
  failed: count,
  inProgress: count,
  durationMs: percentiles.nullable(),
  checkpointedSizeBytes: percentiles.nullable(),
  fullSizeBytes: percentiles.nullable(),
  latestCompleted: count.nullable(),
});

export const failureInfoSchema = z.strictObject({
  jobId: jobIdSchema,
  jobName: str(200),
  attempt: count,
  reason: str(4000),
  worker: count.nullable(),
  at: num,
  detectMs: nullableNum,
  restartMs: nullableNum,
  restoreMs: nullableNum,
  restoreBytes: nullableNum,
  restoredKeys: nullableNum,
  restoredFrom: count.nullable(),
  caughtUpMs: nullableNum,
  recordsReplayed: nullableNum,
  /** Failure → running again (detect + restart delay + restart), when it has recovered. */
  recoveryMs: nullableNum,
});

export const timelineEventSchema = z.strictObject({
  ts: num,
  kind: z.enum(['state', 'failure', 'recovered', 'caught-up', 'checkpoint-failed', 'savepoint', 'action']),
  text: str(4000),
});

export const jobGraphSchema = z.strictObject({
  nodes: z.array(z.strictObject({ id: str(100), label: str(1000), kind: z.enum(['source', 'stage', 'sink']), stage: count.nullable() })).max(100),
  edges: z.array(z.strictObject({ from: str(100), to: str(100), label: str(300) })).max(200),
});

/** The checkpoint advisor's trade-off table (src/engine/advisor/checkpoint-advisor.ts). */
export const checkpointAdviceSchema = z.strictObject({
  basis: z.strictObject({
    intervalMs: nullableNum,
    checkpointsMeasured: count,
    durationMsP50: num,
    pauseMsP50: num,
    stateBytes: num,
    inputRatePerSec: num,
    replayRatePerSec: num,
    replayRateMeasured: z.boolean(),
    detectMs: num,
    restartMs: num,
    restoreBytesPerMs: num,
    restoreSpeedMeasured: z.boolean(),
    failuresObserved: count,
    failuresPerHour: num,
    failureRateMeasured: z.boolean(),
  }),
  options: z
    .array(
      z.strictObject({
        intervalMs: num,
        current: z.boolean(),
        effectiveIntervalMs: num,
        overheadPct: num,
        replayRecordsAvg: num,
        replayRecordsMax: num,
        recoveryMsAvg: nullableNum,
        recoveryMsMax: nullableNum,
        expectedCostMsPerHour: nullableNum,
      }),
    )
    .max(20),
  recommendation: z.strictObject({ intervalMs: num, reason: str(1000) }).nullable(),
  notes: z.array(str(1000)).max(20),
});

export const jobDetailSchema = z.strictObject({
  summary: jobSummarySchema,
  specText: str(LIMITS.maxSpecChars),
  graph: jobGraphSchema,
  latest: jobSnapshotSchema.nullable(),
  checkpoints: z.array(checkpointInfoSchema).max(1000),
  checkpointSummary: checkpointSummarySchema,
  failures: z.array(failureInfoSchema).max(1000),
  timeline: z.array(timelineEventSchema).max(2000),
  savepoints: z.array(z.strictObject({ checkpoint: count, checkpointDir: str(4000), ts: num })).max(100),
  /** Optional so job details recorded before the advisor still validate; null until a checkpoint completed with input measured. */
  checkpointAdvice: checkpointAdviceSchema.nullable().optional(),
});

export const overviewSchema = z.strictObject({
  jobs: z.array(jobSummarySchema).max(1000),
  recentFailures: z.array(failureInfoSchema).max(100),
  workers: z.strictObject({ running: count, total: count }),
  dataDir: str(4000),
});

// ------------------------------------------------------------------ Kafka explorer

export const KAFKA_LIMITS = {
  maxBrowse: 500,
  /** A browsed value/key is sent as text, cut at this many characters. */
  maxValueChars: 8 * 1024,
  maxProduceChars: 64 * 1024,
  maxLagSamples: 20_000,
} as const;

const connectionNameSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'a connection name is letters, digits, _, . or -');
const topicNameSchema = z.string().min(1).max(249).regex(/^[A-Za-z0-9._-]+$/, 'a topic name is letters, digits, ., _ or -');
const groupIdSchema = z.string().min(1).max(255);
const brokerSchema = z.string().min(3).max(260).regex(/^[^\s,]+:\d{1,5}$/, 'a broker is host:port');
const saslMechanismSchema = z.enum(['plain', 'scram-sha-256', 'scram-sha-512']);
const connRef = z.strictObject({ connection: connectionNameSchema });
const groupRef = z.strictObject({ connection: connectionNameSchema, group: groupIdSchema });
const offsetNum = z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);

/** A connection as the renderer sees it: the SASL password never leaves the engine. */
export const kafkaConnectionSchema = z.strictObject({
  name: connectionNameSchema,
  brokers: z.array(str(260)).min(1).max(50),
  clientId: str(200),
  ssl: z.boolean(),
  sasl: z.strictObject({ mechanism: saslMechanismSchema, username: str(200), hasPassword: z.boolean() }).nullable(),
});

export const kafkaConnectionTestSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), clusterId: str(200), brokers: count, controller: z.number().int().nullable(), ms: num }),
  z.strictObject({ ok: z.literal(false), kind: str(40), error: str(4000), ms: num }),
]);

export const kafkaTopicSchema = z.strictObject({
  name: topicNameSchema,
  internal: z.boolean(),
  messages: count,
  partitions: z
    .array(z.strictObject({ partition: count, leader: z.number().int(), replicas: z.array(z.number().int()).max(100), isr: z.array(z.number().int()).max(100), earliest: offsetNum, latest: offsetNum, messages: count }))
    .max(10_000),
});

export const kafkaMessageSchema = z.strictObject({
  partition: count,
  offset: count,
  timestamp: num,
  key: str(KAFKA_LIMITS.maxValueChars + 1).nullable(),
  /** The value as text (JSON re-serialised when it parsed), cut at maxValueChars (see `truncated`). */
  value: str(KAFKA_LIMITS.maxValueChars + 1).nullable(),
  json: z.boolean(),
  truncated: z.boolean(),
  /** Header values; null for a header whose value is null. */
  headers: z.record(z.string().max(300), z.string().max(2000).nullable()),
});

export const kafkaBrowseStartSchema = z.union([
  z.literal('earliest'),
  z.strictObject({ last: z.number().int().min(1).max(KAFKA_LIMITS.maxBrowse) }),
  z.strictObject({ offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
  z.strictObject({ timestamp: z.number().int().min(0) }),
]);

export const burrowPartitionStatusSchema = z.enum(['OK', 'WARN', 'STOP', 'STALL', 'REWIND']);
export const burrowGroupStatusSchema = z.enum(['OK', 'WARN', 'ERR', 'NOTFOUND']);

export const kafkaGroupSchema = z.strictObject({
  groupId: groupIdSchema,
  protocolType: str(100),
  state: str(50),
  members: count,
  /** Burrow status and lag from a sample taken for this list; null when the group has no committed offsets. */
  status: burrowGroupStatusSchema.nullable(),
  totalLag: count.nullable(),
  maxTimeLagMs: nullableNum,
  error: str(2000).nullable(),
});

export const kafkaPartitionLagSchema = z.strictObject({
  topic: topicNameSchema,
  partition: count,
  committed: count,
  logEnd: count,
  lag: count,
  owner: str(500).nullable(),
  timeLagMs: nullableNum,
  status: burrowPartitionStatusSchema,
  rule: z.enum(['no-offsets', 'incomplete', 'allowed-lag', 'stop', 'rewind', 'zero-lag-in-window', 'stall', 'lag-not-decreasing', 'ok']),
  reason: str(2000),
  complete: num,
  windowSpanMs: num,
  catchUpMs: nullableNum,
  consumeRate: nullableNum,
  produceRate: nullableNum,
});

export const kafkaGroupLagSchema = z.strictObject({
  group: groupIdSchema,
  cluster: str(200),
  status: burrowGroupStatusSchema,
  state: str(50),
  members: count,
  observedAt: num,
  totalLag: count,
  maxLag: count,
  complete: num,
  /** Group catch-up: the slowest partition's estimate; null when some partition is not shrinking. */
  catchUpMs: nullableNum,
  partitions: z.array(kafkaPartitionLagSchema).max(10_000),
});

export const kafkaLagSampleSchema = z.strictObject({
  topic: topicNameSchema,
  partition: count,
  observedAt: num,
  committed: count,
  logEnd: count,
  lag: count,
  timeLagMs: nullableNum,
});

export const kafkaResetTargetSchema = z.discriminatedUnion('to', [
  z.strictObject({ to: z.literal('earliest') }),
  z.strictObject({ to: z.literal('latest') }),
  z.strictObject({ to: z.literal('timestamp'), timestamp: z.number().int().min(0) }),
  z.strictObject({ to: z.literal('offset'), offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
  z.strictObject({ to: z.literal('shift'), by: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER) }),
]);

export const kafkaResetPlanSchema = z.strictObject({
  group: groupIdSchema,
  target: kafkaResetTargetSchema,
  state: str(50),
  activeMembers: z.array(str(1000)).max(1000),
  rows: z.array(z.strictObject({ topic: topicNameSchema, partition: count, from: count.nullable(), to: count, reread: count, skipped: count })).max(10_000),
});

const resetParams = z.strictObject({ connection: connectionNameSchema, group: groupIdSchema, target: kafkaResetTargetSchema, topics: z.array(topicNameSchema).min(1).max(100).optional() });


// ------------------------------------------------------------------ Drills (chaos / recovery)

const drillNameSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.-]+$/, 'a drill name is letters, digits, _, . or -');
const drillRunIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'a run id is letters, digits, _ or -');
const verdictSchema = z.enum(['PASS', 'FAIL']);

/** An example drill of resources/drills: what it does and its fault schedule as written. */
export const drillInfoSchema = z.strictObject({
  name: drillNameSchema,
  description: str(2000),
  durationMs: count,
  guarantee: str(40).nullable(),
  faults: z.array(z.strictObject({ type: str(40), detail: str(500) })).max(100),
});

export const drillRunSummarySchema = z.strictObject({
  runId: drillRunIdSchema,
  drill: str(200),
  verdict: verdictSchema,
  guarantee: str(40),
  expected: count,
  produced: count,
  lost: count,
  duplicated: count,
  mismatched: count,
  faults: count,
  startedAt: str(64),
  durationMs: count,
});

export const drillFaultOutcomeSchema = z.strictObject({
  seq: count,
  type: str(60),
  origin: z.enum(['fixed', 'random', 'unplanned']),
  description: str(2000),
  atMs: nullableNum,
  worker: count.nullable(),
  skipped: str(2000).nullable(),
  detectMs: nullableNum,
  restartMs: nullableNum,
  restoreMs: nullableNum,
  restoreBytes: nullableNum,
  restoredFrom: count.nullable(),
  caughtUpMs: nullableNum,
  recordsReplayed: nullableNum,
  fallback: z.array(str(2000)).max(20),
});

/** The run's JSON report (schema sluice.drill-report/1), the parts the console shows. */
export const drillReportSchema = z.strictObject({
  runId: drillRunIdSchema,
  drill: str(200),
  description: str(2000).nullable(),
  seed: count,
  startedAt: str(64),
  durationMs: count,
  verdict: verdictSchema,
  verdictReasons: z.array(str(2000)).max(50),
  guarantee: str(40),
  jobState: str(40),
  aborted: str(2000).nullable(),
  records: z.strictObject({ input: count, expected: count, produced: count, lost: count, duplicated: count, mismatched: count }),
  faults: z.array(drillFaultOutcomeSchema).max(200),
  checkpoints: z.strictObject({ completed: count, failed: count, p50Ms: nullableNum, p99Ms: nullableNum, maxMs: nullableNum }),
});

/** One run in a side-by-side comparison: its report and the series its charts draw. */
export const drillCompareSideSchema = z.strictObject({
  report: drillReportSchema,
  /** Once a second (downsampled for long runs): t is ms since the drill started. */
  timeline: z.array(z.strictObject({ t: count, throughput: nullableNum, lagMs: nullableNum })).max(DRILL_COMPARE_LIMITS.timelinePoints),
  /** Faults, failures, restarts and catch-ups on the same time axis. */
  markers: z.array(z.strictObject({ t: count, kind: str(40), label: str(200) })).max(DRILL_COMPARE_LIMITS.markers),
  /** Checkpoints by trigger time (ms since the drill started). */
  checkpoints: z.array(z.strictObject({ id: count, triggerMs: count, durationMs: nullableNum, status: str(40) })).max(DRILL_COMPARE_LIMITS.checkpoints),
});

/**
 * One compared figure. `better` says which run did better where that has a direction
 * (fewer lost, faster recovery, PASS over FAIL); `differs` without a direction (e.g. the
 * record counts of two different workloads) is `'n/a'`.
 */
export const drillDifferenceSchema = z.strictObject({
  section: z.enum(['verdict', 'records', 'recovery', 'checkpoints', 'run']),
  label: str(200),
  a: z.union([num, str(200)]).nullable(),
  b: z.union([num, str(200)]).nullable(),
  unit: z.enum(['', 'ms', 'bytes', 'records']),
  differs: z.boolean(),
  better: z.enum(['a', 'b', 'same', 'n/a']),
});

export const drillComparisonSchema = z.strictObject({
  a: drillCompareSideSchema,
  b: drillCompareSideSchema,
  differences: z.array(drillDifferenceSchema).max(DRILL_COMPARE_LIMITS.differences),
});

/** The report formats a run can be exported as. */
export const DRILL_REPORT_FORMATS = ['html', 'json', 'markdown', 'pdf'] as const;
export const drillReportFormatSchema = z.enum(DRILL_REPORT_FORMATS);

/** Progress of a drill running in the engine (pushed about once a second and on each step). */
export const drillProgressSchema = z.strictObject({
  runId: drillRunIdSchema,
  drill: str(200),
  phase: z.enum(['running', 'done', 'failed']),
  elapsedMs: count,
  durationMs: count,
  faultsDone: count,
  faultsTotal: count,
  line: str(2000),
  verdict: verdictSchema.nullable(),
  error: str(4000).nullable(),
});

// ------------------------------------------------------------------ the calls

const specTextSchema = z.string().min(1, 'the spec is empty').max(LIMITS.maxSpecChars, `a spec is at most ${LIMITS.maxSpecChars} characters`);

export const api = {
  listExamples: { params: empty, result: z.array(exampleSchema).max(100) },
  validateSpec: {
    params: z.strictObject({ text: specTextSchema }),
    result: z.strictObject({ ok: z.boolean(), errors: z.array(specErrorSchema).max(500), mode: z.enum(['stream', 'batch']).nullable() }),
  },
  /** `example`: run in a copy of that example's folder, so its relative input paths resolve. */
  startJob: {
    params: z.strictObject({ text: specTextSchema, example: exampleIdSchema.optional() }),
    result: z.strictObject({ jobId: jobIdSchema }),
  },
  listJobs: { params: empty, result: z.array(jobSummarySchema).max(1000) },
  getOverview: { params: empty, result: overviewSchema },
  getJob: { params: jobRef, result: jobDetailSchema },
  getMetricsHistory: {
    params: z.strictObject({ jobId: jobIdSchema, sinceTs: z.number().int().min(0).optional() }),
    result: z.array(jobSnapshotSchema).max(LIMITS.historyPoints),
  },
  cancelJob: { params: jobRef, result: z.strictObject({ state: jobStateSchema }) },
  stopWithSavepoint: { params: jobRef, result: z.strictObject({ checkpoint: count, checkpointDir: str(4000) }) },
  /** A new run of a stopped job's spec, restored from its latest savepoint, at `parallelism` (rescale). */
  resumeFromSavepoint: { params: z.strictObject({ jobId: jobIdSchema, parallelism: z.number().int().min(1).max(1024) }), result: z.strictObject({ jobId: jobIdSchema }) },
  killWorker: { params: z.strictObject({ jobId: jobIdSchema, worker: z.number().int().min(0).max(1023) }), result: z.strictObject({ worker: count, pid: z.number().int() }) },
  killRandomWorker: { params: jobRef, result: z.strictObject({ worker: count, pid: z.number().int() }) },
  triggerCheckpoint: { params: jobRef, result: checkpointInfoSchema },
  restoreCheckpoint: { params: z.strictObject({ jobId: jobIdSchema, checkpoint: z.number().int().min(1).max(2 ** 31) }), result: z.strictObject({ restoring: count }) },
  lookupKey: {
    params: z.strictObject({ jobId: jobIdSchema, key: z.string().min(1).max(LIMITS.maxKeyChars) }),
    result: z.strictObject({ key: str(LIMITS.maxKeyChars), found: z.boolean(), state: z.record(z.string().max(300), z.unknown()), json: str(64 * 1024) }),
  },
  /**
   * A Lambda serving view's merged answer (batch layer below the cut-off + speed layer from
   * it): `view` is the path of a view file on the engine's machine; rows sorted by key, at
   * most LIMITS.maxViewRows (then `truncated`).
   */
  queryView: {
    params: z.strictObject({ view: z.string().min(1).max(4000), key: z.string().min(1).max(LIMITS.maxKeyChars).optional() }),
    result: z.strictObject({
      view: str(200),
      cutoff: z.number().int().nullable(),
      horizon: z.number().int().nullable(),
      batchRuns: count,
      rows: z.array(z.strictObject({ key: str(LIMITS.maxKeyChars), value: z.record(z.string().max(100), z.number().nullable()) })).max(LIMITS.maxViewRows),
      truncated: z.boolean(),
    }),
  },
  kafkaListConnections: { params: empty, result: z.array(kafkaConnectionSchema).max(100) },
  /** Adds a connection, or replaces the one of that name when `replace`. An edit without `sasl.password` keeps the stored one. */
  kafkaSaveConnection: {
    params: z.strictObject({
      name: connectionNameSchema,
      brokers: z.array(brokerSchema).min(1).max(50),
      ssl: z.boolean(),
      sasl: z.strictObject({ mechanism: saslMechanismSchema, username: z.string().min(1).max(200), password: z.string().max(1000).optional() }).nullable(),
      replace: z.boolean(),
    }),
    result: kafkaConnectionSchema,
  },
  kafkaRemoveConnection: { params: connRef, result: z.strictObject({ removed: z.boolean() }) },
  kafkaTestConnection: { params: connRef, result: kafkaConnectionTestSchema },
  kafkaCluster: {
    params: connRef,
    result: z.strictObject({ clusterId: str(200), controller: z.number().int().nullable(), brokers: z.array(z.strictObject({ nodeId: z.number().int(), host: str(260), port: count })).max(1000) }),
  },
  kafkaTopics: { params: z.strictObject({ connection: connectionNameSchema, includeInternal: z.boolean().optional() }), result: z.array(kafkaTopicSchema).max(10_000) },
  kafkaBrowse: {
    params: z.strictObject({
      connection: connectionNameSchema,
      topic: topicNameSchema,
      partitions: z.array(z.number().int().min(0).max(100_000)).max(1000).optional(),
      from: kafkaBrowseStartSchema,
      /** Records per partition. */
      limit: z.number().int().min(1).max(KAFKA_LIMITS.maxBrowse),
      /** A CEL expression over {topic, partition, offset, timestamp, key, value, headers}. */
      filter: z.string().max(2000).optional(),
    }),
    result: z.strictObject({ messages: z.array(kafkaMessageSchema).max(KAFKA_LIMITS.maxBrowse * 10), more: z.boolean() }),
  },
  kafkaProduce: {
    params: z.strictObject({
      connection: connectionNameSchema,
      topic: topicNameSchema,
      key: z.string().max(LIMITS.maxKeyChars).nullable(),
      value: z.string().max(KAFKA_LIMITS.maxProduceChars),
      partition: z.number().int().min(0).max(100_000).optional(),
    }),
    result: z.strictObject({ partition: z.number().int(), offset: z.number().int() }),
  },
  kafkaGroups: { params: connRef, result: z.array(kafkaGroupSchema).max(10_000) },
  /** Takes a lag sample (stored in the SQLite lag store) and evaluates Burrow's rules over the stored window. */
  kafkaGroupLag: { params: groupRef, result: kafkaGroupLagSchema },
  kafkaLagHistory: {
    params: z.strictObject({ connection: connectionNameSchema, group: groupIdSchema, sinceMs: z.number().int().min(0) }),
    result: z.array(kafkaLagSampleSchema).max(KAFKA_LIMITS.maxLagSamples),
  },
  /** Dry run: what a reset would do per partition; changes nothing. */
  kafkaPlanReset: { params: resetParams, result: kafkaResetPlanSchema },
  /** Plans again and applies (refused while the group has active members); returns what was applied. */
  kafkaApplyReset: { params: resetParams, result: kafkaResetPlanSchema },
  listDrills: { params: empty, result: z.array(drillInfoSchema).max(100) },
  /** An example drill's YAML as shipped (where the console's drill editor starts). */
  getDrillSource: { params: z.strictObject({ name: drillNameSchema }), result: z.strictObject({ name: drillNameSchema, text: str(LIMITS.maxSpecChars) }) },
  /**
   * Checks drill YAML with `sluice drill`'s rules (its job included), problems as `path: message`.
   * `example`: the example drill it was started from, whose folder its relative paths (the job file) resolve in.
   */
  validateDrill: {
    params: z.strictObject({ text: specTextSchema, example: drillNameSchema.optional() }),
    result: z.strictObject({ ok: z.boolean(), errors: z.array(specErrorSchema).max(500) }),
  },
  /**
   * Starts a drill in the engine (its run folder under the data dir); one at a time. Progress arrives as `drill` events.
   * `{name}`: an example drill as shipped. `{text, example}`: edited drill YAML, run in a copy of that example's
   * folder; invalid text is refused (INVALID_SPEC, each problem in `details`) and nothing starts.
   */
  runDrill: {
    params: z.union([z.strictObject({ name: drillNameSchema }), z.strictObject({ text: specTextSchema, example: drillNameSchema })], {
      error: 'give {name} of an example drill, or {text, example}: the edited YAML and the example drill it was started from',
    }),
    result: z.strictObject({ runId: drillRunIdSchema }),
  },
  /** Past runs from the drill history, newest first. */
  listDrillRuns: { params: empty, result: z.array(drillRunSummarySchema).max(100) },
  getDrillRun: { params: z.strictObject({ runId: drillRunIdSchema }), result: drillReportSchema },
  /** Two past runs side by side: both reports, their timelines and checkpoint durations, and every compared figure. */
  compareDrillRuns: { params: z.strictObject({ a: drillRunIdSchema, b: drillRunIdSchema }), result: drillComparisonSchema },
  /**
   * Desktop app: asks where to save (a save dialog in main) and writes the run's report in
   * that format; the result is the file written, or null when the dialog was cancelled.
   * Browser mode has no dialog: it refuses (ILLEGAL_STATE) and the console downloads from
   * `/drill-reports/<runId>.<html|json|md|pdf>` instead.
   */
  saveDrillReport: { params: z.strictObject({ runId: drillRunIdSchema, format: drillReportFormatSchema }), result: z.strictObject({ path: str(4096).nullable() }) },
} as const satisfies Record<ApiMethod, { params: z.ZodType; result: z.ZodType }>;

// Every declared method has schemas and vice versa (checked by the compiler).
type _Covered = Exclude<ApiMethod, keyof typeof api> extends never ? (Exclude<keyof typeof api, ApiMethod> extends never ? true : never) : never;
const _covered: _Covered = true;
void _covered;

export type Params<M extends ApiMethod> = z.input<(typeof api)[M]['params']>;
export type Result<M extends ApiMethod> = z.output<(typeof api)[M]['result']>;

/** What the engine side implements and what the renderer calls, one function per call. */
export type ConsoleApi = { [M in ApiMethod]: (params: Params<M>) => Promise<Result<M>> };

export type ExampleInfo = z.output<typeof exampleSchema>;
export type JobSummary = z.output<typeof jobSummarySchema>;
export type JobSnapshot = z.output<typeof jobSnapshotSchema>;
export type LatencySnapshot = z.output<typeof latencySnapshotSchema>;
export type OverloadSnapshot = z.output<typeof overloadSnapshotSchema>;
export type OperatorMetrics = z.output<typeof operatorMetricsSchema>;
export type WorkerSnapshot = z.output<typeof workerSnapshotSchema>;
export type StateSnapshot = z.output<typeof stateSnapshotSchema>;
export type CheckpointInfo = z.output<typeof checkpointInfoSchema>;
export type CheckpointSummary = z.output<typeof checkpointSummarySchema>;
export type FailureInfo = z.output<typeof failureInfoSchema>;
export type TimelineEvent = z.output<typeof timelineEventSchema>;
export type JobGraph = z.output<typeof jobGraphSchema>;
export type JobDetail = z.output<typeof jobDetailSchema>;
export type CheckpointAdviceInfo = z.output<typeof checkpointAdviceSchema>;
export type Overview = z.output<typeof overviewSchema>;
export type JobState = z.output<typeof jobStateSchema>;
export type Health = z.output<typeof healthSchema>;
export type BackpressureLevel = z.output<typeof backpressureLevelSchema>;
export type SpecErrorInfo = z.output<typeof specErrorSchema>;
export type KafkaConnectionInfo = z.output<typeof kafkaConnectionSchema>;
export type KafkaConnectionTest = z.output<typeof kafkaConnectionTestSchema>;
export type KafkaTopic = z.output<typeof kafkaTopicSchema>;
export type KafkaMessage = z.output<typeof kafkaMessageSchema>;
export type KafkaGroup = z.output<typeof kafkaGroupSchema>;
export type KafkaGroupLag = z.output<typeof kafkaGroupLagSchema>;
export type KafkaPartitionLag = z.output<typeof kafkaPartitionLagSchema>;
export type KafkaLagSample = z.output<typeof kafkaLagSampleSchema>;
export type KafkaResetTarget = z.output<typeof kafkaResetTargetSchema>;
export type KafkaResetPlan = z.output<typeof kafkaResetPlanSchema>;
export type KafkaBrowseStart = z.output<typeof kafkaBrowseStartSchema>;
export type DrillInfo = z.output<typeof drillInfoSchema>;
export type DrillRunSummaryInfo = z.output<typeof drillRunSummarySchema>;
export type DrillReportInfo = z.output<typeof drillReportSchema>;
export type DrillProgress = z.output<typeof drillProgressSchema>;
export type DrillComparison = z.output<typeof drillComparisonSchema>;
export type DrillCompareSide = z.output<typeof drillCompareSideSchema>;
export type DrillDifference = z.output<typeof drillDifferenceSchema>;
export type DrillReportFormat = z.output<typeof drillReportFormatSchema>;

// ------------------------------------------------------------------ pushed events

export const notificationSchema = z.strictObject({
  level: z.enum(['info', 'warning', 'error']),
  title: str(200),
  body: str(2000),
  jobId: jobIdSchema.nullable(),
});
export type NotificationInfo = z.output<typeof notificationSchema>;

export const apiEventSchema = z.discriminatedUnion('event', [
  z.strictObject({ event: z.literal('snapshot'), data: jobSnapshotSchema }),
  z.strictObject({ event: z.literal('jobs'), data: z.array(jobSummarySchema).max(1000) }),
  z.strictObject({ event: z.literal('checkpoint'), data: z.strictObject({ jobId: jobIdSchema, checkpoint: checkpointInfoSchema }) }),
  z.strictObject({ event: z.literal('failure'), data: failureInfoSchema }),
  z.strictObject({ event: z.literal('recovered'), data: failureInfoSchema }),
  z.strictObject({ event: z.literal('notification'), data: notificationSchema }),
  z.strictObject({ event: z.literal('drill'), data: drillProgressSchema }),
]);
export type ApiEvent = z.output<typeof apiEventSchema>;

// ------------------------------------------------------------------ wire envelopes

export const ERROR_CODES = ['BAD_REQUEST', 'TOO_LARGE', 'NOT_FOUND', 'ILLEGAL_STATE', 'INVALID_SPEC', 'INTERNAL'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const requestSchema = z.strictObject({
  id: z.number().int().min(0).max(2 ** 31),
  method: z.enum(API_METHODS),
  params: z.unknown(),
});
export type RequestMessage = z.output<typeof requestSchema>;

export const errorSchema = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: str(8000),
  details: z.array(specErrorSchema).max(500).optional(),
});
export type ApiErrorInfo = z.output<typeof errorSchema>;

export const responseSchema = z.union([
  z.strictObject({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ id: z.number().int().nullable(), ok: z.literal(false), error: errorSchema }),
]);
export type ResponseMessage = z.output<typeof responseSchema>;

/** An error with a code that crosses the transport as `{ok: false, error}`. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: SpecErrorInfo[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
