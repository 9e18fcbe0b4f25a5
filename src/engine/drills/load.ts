/**
 * Reading a drill file and resolving its job: the job's source is replaced by the drill's
 * workload (a seeded generator, or a Kafka topic of the drill's own filled from it), and
 * its sink and side outputs are redirected into the run's own folder or topic, so a drill
 * always verifies output it produced from empty tables.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { validateJobSpecObject } from '../job/load.js';
import { parseYamlText, readYamlFile, type Loaded } from '../job/yaml-input.js';
import type { GeneratorSourceSpec, JobSpec, SpecError } from '../job/spec.js';
import { validateDrillObject, type DrillDocument, type DrillParseResult, type DrillSpec } from './spec.js';
import type { DrillOutput } from './verifier.js';

/** Reads and validates a drill file (not its job yet). Never throws. */
export function loadDrillFile(file: string, seedOverride?: number): DrillParseResult {
  const abs = path.resolve(file);
  const raw = readYamlFile(abs, 'drill spec');
  if (!raw.ok) return raw;
  return validateDrillObject(raw.value, path.dirname(abs), seedOverride);
}

/**
 * Validates drill text as if it were a file in `drillDir` (the console's edited drills):
 * the same YAML rules and checks as loadDrillFile. Never throws.
 */
export function parseDrillText(text: string, drillDir: string, seedOverride?: number): DrillParseResult {
  const raw = parseYamlText(text, 'drill spec');
  if (!raw.ok) return raw;
  return validateDrillObject(raw.value, path.resolve(drillDir), seedOverride);
}

export interface ResolvedJob {
  readonly spec: JobSpec;
  /** The job document after the drill's changes (what the report shows). */
  readonly document: Record<string, unknown>;
  readonly source: GeneratorSourceSpec;
  /** The main sink's output: a SQLite table or a JSONL file in the run folder, or the drill's output topic. */
  readonly output: DrillOutput;
  /** A kafka workload: the topics the drill creates (brokers bound when they are known, see bindKafkaBrokers). */
  readonly kafka: { readonly inputTopic: string; readonly outputTopic: string | null; readonly partitions: number } | null;
}

/** Until a managed broker runs, the job spec names this placeholder (never connected to). */
const UNBOUND_BROKER = '127.0.0.1:9';

const prefix = (errors: SpecError[], p: string): SpecError[] => errors.map((e) => ({ path: e.path === '' ? p : `${p}.${e.path}`, message: e.message }));

/** The drill's job, with the workload as its source and its outputs in `runDir`. Never throws. */
export function resolveDrillJob(drill: DrillSpec, runDir: string): Loaded<ResolvedJob> {
  let raw: unknown;
  let jobDir = drill.drillDir;
  if (typeof drill.job === 'string') {
    const file = path.resolve(drill.drillDir, drill.job);
    const r = readYamlFile(file, 'job spec');
    if (!r.ok) return { ok: false, errors: prefix(r.errors, 'job') };
    raw = r.value;
    jobDir = path.dirname(file);
  } else {
    raw = drill.job;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, errors: [{ path: 'job', message: 'a job spec is a mapping' }] };
  const doc = structuredClone(raw) as Record<string, unknown>;
  if (doc['mode'] === 'batch') return { ok: false, errors: [{ path: 'job.mode', message: 'a drill runs a stream job (mode: stream)' }] };
  const oldSource = (doc['source'] ?? {}) as Record<string, unknown>;
  const w = drill.workload;
  const watermarks = oldSource['watermarks'] !== undefined ? { watermarks: oldSource['watermarks'] } : {};
  const generator = { type: 'generator', seed: drill.seed, count: w.count, keys: w.keys, skew: w.skew, eventsPerSecond: w.rate, eventTimeRate: w.rate, ...watermarks };
  doc['source'] = generator;
  // The generated records are what the verifier recomputes from, whatever the job reads.
  const generated = validateJobSpecObject(doc, jobDir);
  if (!generated.ok) return { ok: false, errors: prefix(generated.errors, 'job') };
  if (generated.spec.source.type !== 'generator') throw new Error('unreachable: the drill set a generator source');
  const source = generated.spec.source;
  let kafka: ResolvedJob['kafka'] = null;
  const brokers = w.type === 'kafka' ? (w.brokers === 'managed' ? [UNBOUND_BROKER] : w.brokers) : [];
  if (w.type === 'kafka') {
    const tag = `${drill.name.replace(/[^\w.-]+/g, '_').slice(0, 60)}-${randomBytes(4).toString('hex')}`;
    kafka = { inputTopic: `sluice-drill-${tag}-in`, outputTopic: null, partitions: w.partitions };
    // Read as fast as the workload's rate, so the drill lasts its duration.
    doc['source'] = { type: 'kafka', brokers, topics: [kafka.inputTopic], startFrom: 'earliest', bounded: true, maxRecordsPerSecond: w.rate, timestampField: 'ts', ...watermarks };
    if ((doc['sink'] as Record<string, unknown> | undefined)?.['type'] === 'kafka') kafka = { ...kafka, outputTopic: `sluice-drill-${tag}-out` };
  }
  const sink = doc['sink'] as Record<string, unknown> | undefined;
  if (sink === undefined || typeof sink !== 'object') return { ok: false, errors: [{ path: 'job.sink', message: 'missing (required)' }] };
  let output: ResolvedJob['output'];
  if (sink['type'] === 'kafka' && kafka?.outputTopic) {
    doc['sink'] = { ...sink, brokers, topic: kafka.outputTopic };
    output = { kind: 'kafka', brokers, topic: kafka.outputTopic };
  } else if (sink['type'] === 'sqlite') {
    const file = path.join(runDir, 'output.db');
    doc['sink'] = { ...sink, path: file };
    output = { kind: 'sqlite', file, table: typeof sink['table'] === 'string' ? sink['table'] : 'results' };
  } else if (sink['type'] === 'file' && (sink['format'] ?? 'jsonl') === 'jsonl') {
    const file = path.join(runDir, 'output.jsonl');
    doc['sink'] = { ...sink, path: file };
    output = { kind: 'jsonl', file };
  } else {
    const kafkaHint = sink['type'] === 'kafka' ? ' (a kafka sink needs a kafka workload: workload.type: kafka)' : '';
    return { ok: false, errors: [{ path: 'job.sink.type', message: `a drill verifies a sqlite sink, a jsonl file sink or a kafka sink, not ${JSON.stringify(sink['type'])}${kafkaHint}` }] };
  }
  // Malformed records go next to the sink's output by default; a Kafka sink has no folder,
  // so the drill names the run folder for them (they must not land beside the drill file).
  const declared = (doc['sideOutputs'] ?? {}) as Record<string, unknown>;
  if (declared['dead-letter'] === undefined) doc['sideOutputs'] = { ...declared, 'dead-letter': { type: 'file', path: path.join(runDir, 'dead-letter.jsonl'), format: 'jsonl' } };
  const sides = doc['sideOutputs'];
  if (sides !== null && typeof sides === 'object') {
    for (const [name, s] of Object.entries(sides as Record<string, Record<string, unknown>>)) {
      if (s !== null && typeof s === 'object' && typeof s['path'] === 'string') s['path'] = path.join(runDir, `side-${name.replace(/[^\w.-]+/g, '_')}${path.extname(s['path'])}`);
    }
  }
  const v = validateJobSpecObject(doc, jobDir);
  if (!v.ok) return { ok: false, errors: prefix(v.errors, 'job') };
  return { ok: true, value: { spec: v.spec, document: doc, source, output, kafka } };
}

/** The job and its output bound to the brokers a managed broker got once it started. */
export function bindKafkaBrokers(job: ResolvedJob, brokers: string[]): ResolvedJob {
  const spec = { ...job.spec };
  if (spec.source.type === 'kafka') spec.source = { ...spec.source, brokers: [...brokers] };
  if (spec.sink.type === 'kafka') spec.sink = { ...spec.sink, brokers: [...brokers] };
  const output: DrillOutput = job.output.kind === 'kafka' ? { ...job.output, brokers: [...brokers] } : job.output;
  return { ...job, spec, output };
}

export type { DrillDocument };
