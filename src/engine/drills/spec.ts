/**
 * The drill spec (YAML/JSON): which job, which workload, how long, the steady-state
 * checks, and the fault schedule. Validated like job specs: strict schemas, every
 * problem as `path: message`. The job itself is validated by the job spec validator,
 * its errors prefixed with `job.`.
 */
import * as z from 'zod';
import { durationSchema } from '../job/schema.js';
import { issuesToSpecErrors, specErrorMap } from '../job/errors.js';
import { parseDuration } from '../job/duration.js';
import type { SpecError } from '../job/spec.js';
import type { CheckpointWritePoint } from '../runtime/messages.js';

export const FAULT_TYPES = [
  'kill-worker',
  'kill-during-checkpoint',
  'kill-burst',
  'slow-sink',
  'stall-source',
  'corrupt-checkpoint',
  'deliver-twice',
  'broker-restart',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];
/** Faults the random schedule may pick (kill-during-checkpoint is tied to a checkpoint number). */
export const RANDOM_FAULT_TYPES = ['kill-worker', 'kill-burst', 'slow-sink', 'stall-source', 'corrupt-checkpoint', 'deliver-twice'] as const;
export const GUARD_METRICS = ['throughput', 'lag', 'checkpointDuration'] as const;
export type GuardMetric = (typeof GUARD_METRICS)[number];

const worker = z.number().int().min(0);
const crashPoints = ['before-part-write', 'after-part-write', 'after-ack'] as const;

const faultSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('kill-worker'), at: durationSchema, worker: worker.optional() }),
  z.strictObject({
    type: z.literal('kill-during-checkpoint'),
    checkpoint: z.number().int().min(1),
    worker: worker.optional(),
    point: z.enum(crashPoints).optional(),
  }),
  z.strictObject({ type: z.literal('kill-burst'), at: durationSchema, kills: z.number().int().min(2).max(20), interval: durationSchema.optional() }),
  z.strictObject({ type: z.literal('slow-sink'), at: durationSchema, for: durationSchema, delayPerRecord: durationSchema }),
  z.strictObject({ type: z.literal('stall-source'), at: durationSchema, for: durationSchema }),
  z.strictObject({ type: z.literal('corrupt-checkpoint'), at: durationSchema }),
  z.strictObject({ type: z.literal('deliver-twice'), at: durationSchema }),
  /** Stops the drill's managed Kafka broker, waits `downFor`, starts it again. */
  z.strictObject({ type: z.literal('broker-restart'), at: durationSchema, downFor: durationSchema.optional() }),
]);

const guardSchema = z.strictObject({
  metric: z.enum(GUARD_METRICS),
  above: z.number().optional(),
  below: z.number().optional(),
  /** baseline: only before the first fault; drill: only after it; both (default). */
  phase: z.enum(['baseline', 'drill', 'both']).optional(),
  /** How long the check may stay violated before the drill is aborted (default 0). */
  for: durationSchema.optional(),
});

export const drillDocumentSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** A job spec file (relative to the drill file) or an inline job spec. */
  job: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  /** Seeds the workload and the random fault schedule (`--seed` overrides it). */
  seed: z.number().int().min(0).optional(),
  workload: z.strictObject({
    type: z.enum(['generator', 'kafka']),
    /** Records per second (wall time; event time advances at the same rate). */
    rate: z.number().positive(),
    keys: z.number().int().min(1).optional(),
    skew: z.number().min(0).optional(),
    /** Records in all; default rate × duration. */
    count: z.number().int().min(1).optional(),
    /** kafka: the brokers the drill's topics live on, or `managed` (the drill starts a broker of its own; needed for broker-restart). */
    brokers: z.union([z.literal('managed'), z.array(z.string().min(1)).min(1)]).optional(),
    /** kafka: partitions of the drill's input topic (default 4). */
    partitions: z.number().int().min(1).max(256).optional(),
  }),
  /** How long the workload runs (count = rate × duration unless count is given). */
  duration: durationSchema,
  /** Give up waiting for the job to drain after this long (default 4 × duration + 60 s). */
  timeout: durationSchema.optional(),
  steadyState: z
    .strictObject({
      /** Samples before this are not checked (workers start, the first checkpoint). */
      warmup: durationSchema.optional(),
      checks: z.array(guardSchema).optional(),
    })
    .optional(),
  faults: z.array(faultSchema).optional(),
  random: z
    .strictObject({
      count: z.number().int().min(1).max(50),
      types: z.array(z.enum(RANDOM_FAULT_TYPES)).min(1).optional(),
      from: durationSchema,
      to: durationSchema,
      /** For slow-sink / stall-source picked at random. */
      for: durationSchema.optional(),
      delayPerRecord: durationSchema.optional(),
    })
    .optional(),
});

export type DrillDocument = z.infer<typeof drillDocumentSchema>;

export type FaultSpec =
  | { type: 'kill-worker'; atMs: number; worker: number | null }
  | { type: 'kill-during-checkpoint'; checkpoint: number; worker: number; point: CheckpointWritePoint }
  | { type: 'kill-burst'; atMs: number; kills: number; intervalMs: number }
  | { type: 'slow-sink'; atMs: number; forMs: number; delayPerRecordMs: number }
  | { type: 'stall-source'; atMs: number; forMs: number }
  | { type: 'corrupt-checkpoint'; atMs: number }
  | { type: 'deliver-twice'; atMs: number }
  | { type: 'broker-restart'; atMs: number; downForMs: number };

export interface GuardSpec {
  metric: GuardMetric;
  above: number | null;
  below: number | null;
  phase: 'baseline' | 'drill' | 'both';
  forMs: number;
}

/** The normalised drill spec (durations in ms, defaults filled in; the job not yet resolved). */
export interface DrillSpec {
  name: string;
  description: string | null;
  /** A path as written (relative to `drillDir`) or an inline document. */
  job: string | Record<string, unknown>;
  seed: number;
  workload: DrillWorkload;
  durationMs: number;
  timeoutMs: number;
  warmupMs: number;
  guards: GuardSpec[];
  /** Fixed faults as written (random ones are drawn by the schedule). */
  faults: FaultSpec[];
  random: { count: number; types: (typeof RANDOM_FAULT_TYPES)[number][]; fromMs: number; toMs: number; forMs: number; delayPerRecordMs: number } | null;
  /** Folder of the drill file (relative paths resolve against it). */
  drillDir: string;
}

/**
 * The seeded generator's records, fed to the job directly (generator) or first written to a
 * Kafka topic of the drill's own that the job reads (kafka).
 */
export type DrillWorkload =
  | { type: 'generator'; rate: number; keys: number; skew: number; count: number }
  | { type: 'kafka'; rate: number; keys: number; skew: number; count: number; brokers: string[] | 'managed'; partitions: number };

export type DrillParseResult = { ok: true; spec: DrillSpec; document: DrillDocument } | { ok: false; errors: SpecError[] };

const ms = (d: string | number | undefined, dflt: number): number => (d === undefined ? dflt : parseDuration(d));

/** Validates a parsed drill document. Never throws. */
export function validateDrillObject(raw: unknown, drillDir: string, seedOverride?: number): DrillParseResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, errors: [{ path: '', message: 'a drill spec is a mapping with name, job, workload, duration and faults' }] };
  }
  const parsed = drillDocumentSchema.safeParse(raw, { error: specErrorMap });
  if (!parsed.success) return { ok: false, errors: issuesToSpecErrors(parsed.error.issues) };
  const d = parsed.data;
  const errors: SpecError[] = [];
  if (d.workload.type !== 'kafka') {
    if (d.workload.brokers !== undefined) errors.push({ path: 'workload.brokers', message: 'only a kafka workload has brokers' });
    if (d.workload.partitions !== undefined) errors.push({ path: 'workload.partitions', message: 'only a kafka workload has partitions' });
  }
  const durationMs = parseDuration(d.duration);
  if (durationMs <= 0) errors.push({ path: 'duration', message: 'must be > 0' });
  const guards: GuardSpec[] = (d.steadyState?.checks ?? []).map((g, i) => {
    if ((g.above === undefined) === (g.below === undefined)) {
      errors.push({ path: `steadyState.checks[${i}]`, message: 'give exactly one of "above" or "below"' });
    }
    return { metric: g.metric, above: g.above ?? null, below: g.below ?? null, phase: g.phase ?? 'both', forMs: ms(g.for, 0) };
  });
  const faults: FaultSpec[] = (d.faults ?? []).map((f, i): FaultSpec => {
    const at = 'at' in f ? parseDuration(f.at) : 0;
    if ('at' in f && (at < 0 || at > durationMs)) errors.push({ path: `faults[${i}].at`, message: `must be within the drill's duration (0 … ${d.duration})` });
    switch (f.type) {
      case 'kill-worker':
        return { type: f.type, atMs: at, worker: f.worker ?? null };
      case 'kill-during-checkpoint':
        return { type: f.type, checkpoint: f.checkpoint, worker: f.worker ?? 0, point: f.point ?? 'after-part-write' };
      case 'kill-burst':
        return { type: f.type, atMs: at, kills: f.kills, intervalMs: ms(f.interval, 500) };
      case 'slow-sink':
        return { type: f.type, atMs: at, forMs: parseDuration(f.for), delayPerRecordMs: parseDuration(f.delayPerRecord) };
      case 'stall-source':
        return { type: f.type, atMs: at, forMs: parseDuration(f.for) };
      case 'corrupt-checkpoint':
      case 'deliver-twice':
        return { type: f.type, atMs: at };
      case 'broker-restart':
        if (d.workload.type !== 'kafka' || d.workload.brokers !== 'managed') {
          errors.push({ path: `faults[${i}]`, message: 'broker-restart needs workload { type: kafka, brokers: managed }: the drill restarts a broker it started itself, never one it did not start' });
        }
        return { type: f.type, atMs: at, downForMs: ms(f.downFor, 2000) };
    }
  });
  const duringCheckpoint = faults.filter((f) => f.type === 'kill-during-checkpoint');
  if (duringCheckpoint.length > 1) errors.push({ path: 'faults', message: 'at most one kill-during-checkpoint per drill (it fires in the first run attempt)' });
  let random: DrillSpec['random'] = null;
  if (d.random !== undefined) {
    const fromMs = parseDuration(d.random.from);
    const toMs = parseDuration(d.random.to);
    if (!(fromMs >= 0 && toMs > fromMs && toMs <= durationMs)) errors.push({ path: 'random', message: `need 0 ≤ from < to ≤ duration (${d.duration})` });
    random = {
      count: d.random.count,
      types: d.random.types ?? ['kill-worker'],
      fromMs,
      toMs,
      forMs: ms(d.random.for, 1000),
      delayPerRecordMs: ms(d.random.delayPerRecord, 1),
    };
  }
  if (errors.length > 0) return { ok: false, errors };
  const seed = seedOverride ?? d.seed ?? 1;
  return {
    ok: true,
    document: d,
    spec: {
      name: d.name,
      description: d.description ?? null,
      job: d.job,
      seed,
      workload: workload(d.workload, durationMs),
      durationMs,
      timeoutMs: ms(d.timeout, 4 * durationMs + 60_000),
      warmupMs: ms(d.steadyState?.warmup, 1000),
      guards,
      faults,
      random,
      drillDir,
    },
  };
}

function workload(w: DrillDocument['workload'], durationMs: number): DrillWorkload {
  const common = { rate: w.rate, keys: w.keys ?? 1000, skew: w.skew ?? 0, count: w.count ?? Math.max(1, Math.round((w.rate * durationMs) / 1000)) };
  return w.type === 'kafka' ? { type: 'kafka', ...common, brokers: w.brokers ?? ['127.0.0.1:9092'], partitions: w.partitions ?? 4 } : { type: 'generator', ...common };
}
