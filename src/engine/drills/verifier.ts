/**
 * The drill verifier (Kafka Streams' EosTestDriver pattern): recompute the job in batch
 * mode over exactly the input that was committed — the whole generated input, which a
 * finished bounded job has consumed and committed — and compare with what the sink holds,
 * per result identity (key + window; the whole record for results without a window).
 *
 * Per identity, expected and produced values are multisets. Equal values pair up; what is
 * left is counted as: mismatched (an expected and a produced value that differ, pairwise),
 * lost (expected values left over), duplicated (produced values left over, i.e. more
 * results than expected — a replay written twice). A produced identity that should not
 * exist at all counts as mismatched.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { computeBatchResult } from '../batch/index.js';
import { generatedRecord, type GeneratorOptions } from '../connectors/generator.js';
import type { Rec } from '../core/types.js';
import type { GeneratorSourceSpec, JobSpec } from '../job/spec.js';
import { readKafkaOutput } from './kafka-output.js';

export const MAX_EXAMPLES = 20;

export interface RecordCounts {
  /** Results the batch recomputation produced. */
  expected: number;
  /** Rows (records) the sink holds. */
  produced: number;
  lost: number;
  duplicated: number;
  mismatched: number;
}

export interface ResultExample {
  /** `key|windowStart|windowEnd`, or the record itself for results without a window. */
  id: string;
  expected: unknown[];
  produced: unknown[];
}

export interface Verification {
  /** Input records the expected result was computed from. */
  inputRecords: number;
  records: RecordCounts;
  examples: { lost: ResultExample[]; duplicated: ResultExample[]; mismatched: ResultExample[] };
  /** Output that exists but could not be read (a Kafka transaction left open); each makes the verdict FAIL. */
  unreadableOutput: string[];
  durationMs: number;
}

/** Where the drill's job wrote its main output. */
export type DrillOutput = { kind: 'sqlite'; file: string; table: string } | { kind: 'jsonl'; file: string } | { kind: 'kafka'; brokers: string[]; topic: string };

export function generatorOptions(s: GeneratorSourceSpec): GeneratorOptions {
  if (s.count === null) throw new Error('the drill verifier needs a bounded generator (count)');
  return { seed: s.seed, count: s.count, keys: s.keys, eventsPerSecond: s.eventsPerSecond, skew: s.skew, startTs: s.startTs, eventTimeRate: s.eventTimeRate, splits: s.splits };
}

/** The results a correct run must produce: the job as a batch job over the generated input. */
export async function expectedResults(spec: JobSpec, source: GeneratorSourceSpec): Promise<{ input: number; results: Rec[] }> {
  const opts = generatorOptions(source);
  const n = opts.count ?? 0;
  const records: Rec[] = new Array<Rec>(n);
  const timestamps: number[] = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    const r = generatedRecord(opts, j);
    records[j] = r;
    timestamps[j] = r['ts'] as number;
  }
  return { input: n, results: await computeBatchResult({ ...spec, mode: 'batch' }, records, timestamps) };
}

export async function readSinkOutput(out: DrillOutput): Promise<{ records: Rec[]; unreadable: string[] }> {
  if (out.kind === 'kafka') {
    const { records, unreadable } = await readKafkaOutput(out.brokers, out.topic);
    return {
      records,
      unreadable: unreadable.map(
        (u) =>
          `output ${out.topic}/${u.partition}: a transaction still open at offset ${u.lastStableOffset} holds back the last stable offset; the ${u.highWatermark - u.lastStableOffset} record(s) up to the high watermark ${u.highWatermark} could not be read, so results counted lost may be behind it`,
      ),
    };
  }
  return { records: readFileOutput(out), unreadable: [] };
}

function readFileOutput(out: Exclude<DrillOutput, { kind: 'kafka' }>): Rec[] {
  if (out.kind === 'jsonl') {
    if (!fs.existsSync(out.file)) return [];
    return fs
      .readFileSync(out.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Rec);
  }
  if (!fs.existsSync(out.file)) return [];
  const db = new Database(out.file, { readonly: true });
  try {
    const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(out.table);
    if (exists === undefined) return [];
    return db.prepare(`SELECT * FROM "${out.table.replace(/"/g, '""')}"`).all() as Rec[];
  } finally {
    db.close();
  }
}

/** A value as comparable text: numbers rounded to 9 significant digits, JSON text parsed, keys sorted. */
function canonical(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? v : Number(v.toPrecision(9));
  if (typeof v === 'string' && (v.startsWith('{') || v.startsWith('['))) {
    try {
      return canonical(JSON.parse(v));
    } catch {
      return v;
    }
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) o[k] = canonical((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

const IDENTITY_FIELDS = ['key', 'windowStart', 'windowEnd'];

function identityAndValue(r: Rec): [string, string] {
  const c = canonical(r) as Record<string, unknown>;
  if (c['windowStart'] !== undefined && c['windowEnd'] !== undefined) {
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c)) if (!IDENTITY_FIELDS.includes(k)) rest[k] = v;
    return [`${String(c['key'] ?? '')}|${String(c['windowStart'])}|${String(c['windowEnd'])}`, JSON.stringify(rest)];
  }
  return [JSON.stringify(c), ''];
}

function group(records: readonly Rec[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of records) {
    const [id, v] = identityAndValue(r);
    const list = m.get(id);
    if (list === undefined) m.set(id, [v]);
    else list.push(v);
  }
  return m;
}

const show = (values: readonly string[]): unknown[] => values.map((v) => (v === '' ? '(record)' : (JSON.parse(v) as unknown)));

/** Compares expected with produced results (see the file comment for the rules). */
export function compareResults(expected: readonly Rec[], produced: readonly Rec[]): Omit<Verification, 'inputRecords' | 'durationMs' | 'unreadableOutput'> {
  const exp = group(expected);
  const got = group(produced);
  const records: RecordCounts = { expected: expected.length, produced: produced.length, lost: 0, duplicated: 0, mismatched: 0 };
  const examples: Verification['examples'] = { lost: [], duplicated: [], mismatched: [] };
  const ids = new Set([...exp.keys(), ...got.keys()]);
  for (const id of ids) {
    const e = [...(exp.get(id) ?? [])];
    const p = [...(got.get(id) ?? [])];
    const leftE: string[] = [];
    for (const v of e) {
      const i = p.indexOf(v);
      if (i >= 0) p.splice(i, 1);
      else leftE.push(v);
    }
    if (leftE.length === 0 && p.length === 0) continue;
    const mismatched = Math.min(leftE.length, p.length) + (e.length === 0 ? p.length : 0);
    const lost = leftE.length - Math.min(leftE.length, p.length);
    const duplicated = e.length === 0 ? 0 : p.length - Math.min(leftE.length, p.length);
    const ex: ResultExample = { id, expected: show(exp.get(id) ?? []), produced: show(got.get(id) ?? []) };
    records.mismatched += mismatched;
    records.lost += lost;
    records.duplicated += duplicated;
    if (mismatched > 0 && examples.mismatched.length < MAX_EXAMPLES) examples.mismatched.push(ex);
    if (lost > 0 && examples.lost.length < MAX_EXAMPLES) examples.lost.push(ex);
    if (duplicated > 0 && examples.duplicated.length < MAX_EXAMPLES) examples.duplicated.push(ex);
  }
  return { records, examples };
}

export async function verifyRun(spec: JobSpec, source: GeneratorSourceSpec, output: DrillOutput): Promise<Verification> {
  const t0 = Date.now();
  const { input, results } = await expectedResults(spec, source);
  const { records, unreadable } = await readSinkOutput(output);
  const cmp = compareResults(results, records);
  return { inputRecords: input, ...cmp, unreadableOutput: unreadable, durationMs: Date.now() - t0 };
}

export type Guarantee = JobSpec['guarantee'];

/** PASS when the guarantee holds: exactly-once — nothing lost, duplicated or mismatched; at-least-once — nothing lost or mismatched. */
export function guaranteeHolds(guarantee: Guarantee, r: RecordCounts): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (r.lost > 0) reasons.push(`${r.lost} result(s) lost`);
  if (r.mismatched > 0) reasons.push(`${r.mismatched} result(s) mismatched`);
  if (guarantee === 'exactly-once' && r.duplicated > 0) reasons.push(`${r.duplicated} result(s) duplicated under exactly-once`);
  return { ok: reasons.length === 0, reasons };
}
