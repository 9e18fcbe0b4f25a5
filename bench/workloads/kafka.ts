/**
 * Kafka throughput against real peers on the same broker in the same run:
 *
 * - `kafka.produce`: Sluice's Kafka sink writer (the runtime's record batches, acks=all)
 *   producing the generator's records, versus kcat producing the same key/value lines.
 * - `kafka.consume`: Sluice's Kafka source (split reader, values parsed into records)
 *   reading that topic from the beginning to its end, versus kcat reading the same topic.
 * - `kafka.q12.e2e`: Kafka → keyBy key → tumbling 1 s count → Kafka as a Sluice job (one
 *   worker process), versus Kafka Streams doing the same with exactly_once_v2.
 *
 * Sluice and its peer alternate run by run, so load from other processes on the shared
 * machine hits both alike. Every run is checked (record counts, window results) before its
 * time is used. Topics get random names and are deleted at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { generatedRecord, type GeneratorOptions } from '../../src/engine/connectors/generator.js';
import { guaranteeProblem } from '../../src/engine/connectors/factory.js';
import { KafkaSink } from '../../src/engine/connectors/kafka/kafka-sink.js';
import { KafkaSource } from '../../src/engine/connectors/kafka/kafka-source.js';
import type { Sink } from '../../src/engine/connectors/sink.js';
import { checkpointId, type Rec, type RecordBatch } from '../../src/engine/core/types.js';
import { validateJobSpecObject } from '../../src/engine/job/index.js';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { figure, type Figure, type Measurement } from '../harness.js';
import { buildKafkaStreamsPeer, runKafkaStreamsQ12 } from '../peers/kafka-streams/peer.js';
import { kcatConsume, kcatProduce, kcatVersion } from './kafka-kcat.js';

export interface KafkaBenchOptions {
  quick: boolean;
  log: (line: string) => void;
}

const WINDOW_MS = 1000;
/** The runtime polls a source split for up to this many records at a time (worker-task.ts). */
const POLL_RECORDS = 1024;

process.env['KAFKAJS_NO_PARTITIONER_WARNING'] ??= '1';

export function benchBrokers(): string[] {
  return (process.env['SLUICE_KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter((b) => b.length > 0);
}

export async function kafkaFigures(opts: KafkaBenchOptions): Promise<Figure[]> {
  const brokers = benchBrokers();
  const { quick, log } = opts;
  // Sized for the slowest sides (Sluice's sink, Kafka Streams' q12: 5–40 K records/s each on
  // a loaded 2-core machine): --quick stays under a minute, the full mode takes about ten.
  const n = quick ? 50_000 : 1_000_000;
  const runs = 3;
  const e2eRuns = quick ? 1 : 3;
  const kafka = new Kafka({ clientId: 'sluice-bench', brokers, connectionTimeout: 3_000, requestTimeout: 30_000, retry: { retries: 2 }, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const missing = (why: string): Figure[] =>
    ['kafka.produce', 'kafka.consume', 'kafka.q12.e2e'].map((name) => figure(name, 'records/s', null, { peer: name === 'kafka.q12.e2e' ? 'kafka-streams' : 'kcat', note: why }));
  try {
    await withTimeout(admin.connect().then(() => admin.describeCluster()), 10_000, 'describeCluster timed out after 10 s');
  } catch (e) {
    await admin.disconnect().catch(() => undefined);
    const why = `no Kafka broker on ${brokers.join(',')}: ${message(e)} (start one with npm run kafka:up)`;
    log(`   ${why}`);
    return missing(why);
  }
  const topics = new BenchTopics(admin);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-kafka-'));
  try {
    const gen: GeneratorOptions = { seed: 7, count: n, keys: 1000, eventsPerSecond: null, skew: 0, startTs: Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS, eventTimeRate: 100_000, splits: 1 };
    const data = generateInput(gen, n, path.join(work, 'input.tsv'));
    const kcat = await kcatVersion().then(
      (v) => ({ ok: true as const, version: v }),
      (e: unknown) => ({ ok: false as const, why: message(e) }),
    );
    if (!kcat.ok) log(`   kcat cannot run: ${kcat.why}`);
    const kcatNote = kcat.ok ? kcat.version : `kcat missing: ${kcat.why}`;
    const figures: Figure[] = [];

    // ---- produce
    const sluiceTopics: string[] = [];
    const produce = await measurePair(
      async () => {
        const topic = await topics.create('sluice-bench-produce');
        const ms = await sluiceProduce(brokers, topic, data.batches);
        await expectEndOffset(admin, topic, n);
        sluiceTopics.push(topic);
        return (n * 1000) / ms;
      },
      kcat.ok
        ? async () => {
            const topic = await topics.create('sluice-bench-kcat-produce');
            const r = await kcatProduce(brokers, topic, data.file);
            await expectEndOffset(admin, topic, n);
            return (n * 1000) / r.ms;
          }
        : null,
      { runs, warmup: 1 },
    );
    figures.push(
      pairFigure('kafka.produce', produce, 'kcat', {
        note:
          `${n.toLocaleString('en-US')} records (~${data.avgBytes} B JSON values, keyed), 1 partition, acks=all both sides; ${kcatNote}; ` +
          `encoder ${process.env['SLUICE_KAFKA_ENCODER'] === 'kafkajs' ? 'kafkajs' : "Sluice's own (raw-produce.ts, record-batch-encoder.ts, crc32c.ts)"}; ` +
          "profiled (node --cpu-prof, 300k records) with Sluice's encoder: GC ~17 %, the sink's record → JSON encoding ~9 %, kafkajs's murmur2 key partitioner with its Long maths ~10 %, " +
          'our batch encoding + CRC32C + Buffer writes ~8 %, idle waiting for acks ~14 % (kafkajs encoder: ~60k rec/s, CPU-bound in its per-record encoders, O(n²) grouping, Long maths); ' +
          'the at-least-once sink keeps up to 4 batches of 1,000 in flight',
      }),
    );
    log(`   produce: Sluice sink ${rate(produce.a, produce.aError)} rec/s, kcat ${rate(produce.b, produce.bError)} rec/s`);

    // ---- consume: the first topic the Sluice sink filled (n records, keys, record timestamps = ts)
    const input = sluiceTopics[0];
    if (input === undefined) {
      const why = `no input topic: Sluice's produce failed (${produce.aError ?? 'unknown'})`;
      figures.push(figure('kafka.consume', 'records/s', null, { peer: 'kcat', note: why }), figure('kafka.q12.e2e', 'records/s', null, { peer: 'kafka-streams', note: why }));
      return figures;
    }
    const consume = await measurePair(
      async () => {
        const t0 = performance.now();
        const r = await drainTopic(brokers, input, false);
        const ms = performance.now() - t0;
        if (r.count !== n || r.dead > 0) throw new Error(`Sluice's source read ${r.count} records and ${r.dead} dead letters from ${input}, expected ${n}`);
        return (n * 1000) / ms;
      },
      kcat.ok
        ? async () => {
            const r = await kcatConsume(brokers, input);
            if (r.endOffset !== n) throw new Error(`kcat read ${input} up to offset ${r.endOffset}, expected ${n}`);
            return (n * 1000) / r.ms;
          }
        : null,
      { runs, warmup: 1 },
    );
    const kcatConsumeRate = consume.b?.value ?? null;
    figures.push(
      pairFigure('kafka.consume', consume, 'kcat', {
        target: kcatConsumeRate === null ? null : 0.8 * kcatConsumeRate,
        note:
          `target ≥ 0.8× kcat; ${n.toLocaleString('en-US')} records, 1 partition, read_committed; Sluice parses each value into a record; ${kcatNote}; ` +
          `decoder ${process.env['SLUICE_KAFKA_DECODER'] === 'kafkajs' ? 'kafkajs' : "Sluice's own (raw-fetch.ts, record-batch.ts)"}; ` +
          "profiled (node --cpu-prof) with Sluice's decoder: of the CPU, JSON.parse ~40 %, UTF-8 decoding ~10 %, batch decoding ~6 %, GC ~6 % (kafkajs decoding cost ~3× the CPU per record); " +
          'kcat varies widely between runs on a shared machine (see its min–max)',
      }),
    );
    log(`   consume: Sluice source ${rate(consume.a, consume.aError)} rec/s, kcat ${rate(consume.b, consume.bError)} rec/s`);

    // ---- end to end: Kafka → keyed tumbling count → Kafka
    figures.push(await q12Figure({ brokers, topics, input, n, expected: data.expected, runs: e2eRuns, quick, work, log }));
    return figures;
  } finally {
    await topics.deleteAll().catch((e: unknown) => log(`   could not delete bench topics: ${message(e)}`));
    await admin.disconnect().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ input

interface Input {
  batches: RecordBatch[];
  /** `key<TAB>value` lines for kcat -P -K '\t'. */
  file: string;
  avgBytes: number;
  /** `key|windowStart` → count: what a keyed 1 s tumbling count must produce. */
  expected: Map<string, number>;
}

function generateInput(gen: GeneratorOptions, n: number, file: string): Input {
  const batches: RecordBatch[] = [];
  const expected = new Map<string, number>();
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i += POLL_RECORDS) {
    const records: Rec[] = [];
    const timestamps: number[] = [];
    for (let j = i; j < Math.min(n, i + POLL_RECORDS); j++) {
      const r = generatedRecord(gen, j);
      const ts = r['ts'] as number;
      records.push(r);
      timestamps.push(ts);
      const value = JSON.stringify(r);
      bytes += value.length;
      lines.push(`${String(r['key'])}\t${value}`);
      const k = `${String(r['key'])}|${ts - (ts % WINDOW_MS)}`;
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    batches.push({ records, timestamps });
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return { batches, file, avgBytes: Math.round(bytes / n), expected };
}

// ------------------------------------------------------------------ Sluice's connectors

/** Opens a sink writer, writes every batch, pre-commits (= all acknowledged), closes: ms. */
async function sluiceProduce(brokers: string[], topic: string, batches: RecordBatch[]): Promise<number> {
  const t0 = performance.now();
  const sink: Sink = new KafkaSink({ brokers, topic, ssl: false, sasl: null, keyField: 'key' });
  const writer = await sink.openWriter(0, 1);
  try {
    for (const b of batches) await writer.write(b);
    await writer.preCommit(checkpointId(1));
  } catch (e) {
    await Promise.resolve(writer.close()).catch(() => undefined);
    throw e;
  }
  await writer.close();
  return performance.now() - t0;
}

/**
 * Reads every partition of `topic` to its end with Sluice's source, polling as a worker
 * does (round robin, up to POLL_RECORDS per poll). Collects the records when asked.
 */
async function drainTopic(brokers: string[], topic: string, collect: boolean): Promise<{ count: number; dead: number; records: Rec[] }> {
  const source = new KafkaSource({ brokers, topics: [topic], groupId: null, startFrom: 'earliest', isolation: 'read_committed', ssl: false, sasl: null, bounded: true, clientId: 'sluice-bench' });
  const records: Rec[] = [];
  let count = 0;
  let dead = 0;
  try {
    const live = await Promise.all((await source.listSplits()).map((s) => source.openReader(s, undefined)));
    while (live.length > 0) {
      let got = false;
      let wait = 50;
      for (let i = 0; i < live.length; i++) {
        const res = await live[i]!.poll(POLL_RECORDS);
        dead += res.deadLetters?.length ?? 0;
        if (res.kind === 'records') {
          got = true;
          count += res.records.length;
          if (collect) for (const r of res.records) records.push(r);
        } else if (res.kind === 'end') live.splice(i--, 1);
        else wait = Math.min(wait, res.retryAfterMs);
      }
      if (!got && live.length > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    await source.close();
  }
  return { count, dead, records };
}

// ------------------------------------------------------------------ q12 end to end

async function q12Figure(o: {
  brokers: string[];
  topics: BenchTopics;
  input: string;
  n: number;
  expected: Map<string, number>;
  runs: number;
  quick: boolean;
  work: string;
  log: (line: string) => void;
}): Promise<Figure> {
  const { guarantee, why } = sluiceGuarantee(o.brokers, o.work);
  let peer: (() => Promise<number>) | null = null;
  let peerBuildError: string | null = null;
  let peerDetail = '';
  try {
    const classpath = await buildKafkaStreamsPeer();
    peer = async () => {
      const output = await o.topics.create('sluice-bench-q12-kstreams');
      const appId = o.topics.name('sluice-bench-kstreams');
      o.topics.ownPrefix(appId);
      const r = await runKafkaStreamsQ12({ classpath, brokers: o.brokers, input: o.input, output, appId, windowMs: WINDOW_MS, timeoutMs: o.quick ? 120_000 : 600_000 });
      if (r.records !== o.n) throw new Error(`Kafka Streams saw ${r.records} input records, expected ${o.n}`);
      await expectWindowCounts(o.brokers, output, o.expected, 'latest');
      peerDetail = `Kafka Streams ${r.kafkaStreamsVersion} ${r.guarantee}, 1 stream thread, a fresh JVM per run (last run: start-up ${r.startupMs === null ? '?' : Math.round(r.startupMs)} ms of ${Math.round(r.elapsedMs)} ms)`;
      return (o.n * 1000) / r.elapsedMs;
    };
  } catch (e) {
    peerBuildError = `build: ${message(e)}`;
  }
  const m = await measurePair(
    async () => {
      const output = await o.topics.create('sluice-bench-q12-sluice');
      const ms = await sluiceQ12(o.brokers, o.input, output, guarantee, o.work, o.quick ? 120_000 : 600_000);
      await expectWindowCounts(o.brokers, output, o.expected, 'exactly-once');
      return (o.n * 1000) / ms;
    },
    peer,
    // No warm-up: each run starts fresh worker processes / a fresh JVM anyway.
    { runs: o.runs, warmup: 0 },
  );
  const pair = peerBuildError === null ? m : { ...m, bError: peerBuildError };
  o.log(`   q12 e2e: Sluice (${guarantee}) ${rate(pair.a, pair.aError)} rec/s, Kafka Streams ${rate(pair.b, pair.bError)} rec/s`);
  return pairFigure('kafka.q12.e2e', pair, 'kafka-streams', {
    target: 50_000,
    note:
      `Sluice guarantee ${guarantee}${why === null ? '' : ` (exactly-once refused: ${why})`}, 1 worker, checkpoints every 1 s; ` +
      `${pair.b === null ? 'Kafka Streams exactly_once_v2' : peerDetail}; ${o.n.toLocaleString('en-US')} input records, ${o.expected.size.toLocaleString('en-US')} window results, checked on both sides; ` +
      'timed from start (Sluice: worker fork; Kafka Streams: start(), JVM start-up excluded) to every result committed; target from perf-anchors (≥ 50 K ev/s end to end)',
  });
}

function q12Spec(brokers: string[], input: string, output: string, guarantee: 'exactly-once' | 'at-least-once'): Record<string, unknown> {
  return {
    name: `bench-kafka-q12-${randomBytes(3).toString('hex')}`,
    parallelism: 1,
    guarantee,
    source: { type: 'kafka', brokers, topics: [input], startFrom: 'earliest', bounded: true },
    pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: `${WINDOW_MS}ms` } }, { aggregate: { count: true } }],
    checkpoint: { interval: '1s' },
    restart: { strategy: 'none' },
    sink: { type: 'kafka', brokers, topic: output, keyField: 'key' },
  };
}

/** exactly-once when the spec validates with it and the Kafka sink can give it; else at-least-once and why. */
function sluiceGuarantee(brokers: string[], dir: string): { guarantee: 'exactly-once' | 'at-least-once'; why: string | null } {
  const r = validateJobSpecObject(q12Spec(brokers, 'in', 'out', 'exactly-once'), dir);
  if (!r.ok) return { guarantee: 'at-least-once', why: r.errors.map((e) => `${e.path}: ${e.message}`).join('; ') };
  const problem = guaranteeProblem(r.spec.sink, 'exactly-once');
  return problem === null ? { guarantee: 'exactly-once', why: null } : { guarantee: 'at-least-once', why: problem };
}

async function sluiceQ12(brokers: string[], input: string, output: string, guarantee: 'exactly-once' | 'at-least-once', work: string, timeoutMs: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(work, 'q12-'));
  try {
    const r = validateJobSpecObject(q12Spec(brokers, input, output, guarantee), dir);
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
    const jm = new JobManager(r.spec, { stateDir: path.join(dir, 'state') });
    const t0 = performance.now();
    await jm.start();
    const res = await withTimeout(jm.done, timeoutMs, `Sluice q12 job not finished after ${timeoutMs / 1000} s`).catch(async (e: unknown) => {
      await jm.cancel().catch(() => undefined);
      throw e;
    });
    const ms = performance.now() - t0;
    if (res.state !== 'FINISHED') throw new Error(`Sluice q12 job ${res.state}: ${res.error}`);
    return ms;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads `topic` (read_committed) and checks the window results against `expected`:
 * 'exactly-once' — one result per key and window, with the right count; 'latest' — the
 * last update per key and window is the right count (Kafka Streams emits updates).
 */
async function expectWindowCounts(brokers: string[], topic: string, expected: Map<string, number>, mode: 'exactly-once' | 'latest'): Promise<void> {
  const { records } = await drainTopic(brokers, topic, true);
  const seen = new Map<string, number>();
  for (const r of records) {
    const k = `${String(r['key'])}|${String(r['windowStart'])}`;
    if (mode === 'exactly-once' && seen.has(k)) throw new Error(`${topic}: window result ${k} appears twice`);
    seen.set(k, r['value'] as number);
  }
  if (seen.size !== expected.size) throw new Error(`${topic}: ${seen.size} window results, expected ${expected.size}`);
  for (const [k, v] of expected) {
    if (seen.get(k) !== v) throw new Error(`${topic}: window ${k} counted ${seen.get(k)}, expected ${v}`);
  }
}

// ------------------------------------------------------------------ helpers

interface Pair {
  a: Measurement | null;
  /** Why Sluice's side has no figure. */
  aError: string | null;
  b: Measurement | null;
  /** Why the peer has no figure (its first failure; the peer is not run again). */
  bError: string | null;
}

/**
 * Alternates `a` (Sluice) and `b` (the peer) run by run, warm-up first; median, min and max
 * of each. A failing peer is reported, not fatal; a failing Sluice run ends the pair.
 */
async function measurePair(a: () => Promise<number>, b: (() => Promise<number>) | null, opts: { runs: number; warmup: number }): Promise<Pair> {
  const xs: number[] = [];
  const ys: number[] = [];
  let bError: string | null = null;
  for (let i = 0; i < opts.warmup + opts.runs; i++) {
    let x: number;
    try {
      x = await a();
    } catch (e) {
      return { a: null, aError: message(e), b: null, bError };
    }
    let y: number | null = null;
    if (b !== null && bError === null) {
      try {
        y = await b();
      } catch (e) {
        bError = message(e);
      }
    }
    if (i < opts.warmup) continue;
    xs.push(x);
    if (y !== null) ys.push(y);
  }
  return { a: summary(xs), aError: null, b: bError === null && ys.length > 0 ? summary(ys) : null, bError };
}

function summary(xs: number[]): Measurement {
  const s = [...xs].sort((p, q) => p - q);
  const mid = s.length >> 1;
  return { value: s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

/** Topics this run created (and name prefixes it owns, e.g. Kafka Streams' internal topics); all deleted at the end. */
class BenchTopics {
  private readonly created: string[] = [];
  private readonly prefixes: string[] = [];
  constructor(private readonly admin: Admin) {}

  name(prefix: string): string {
    return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  }

  ownPrefix(prefix: string): void {
    this.prefixes.push(prefix);
  }

  async create(prefix: string): Promise<string> {
    const topic = this.name(prefix);
    this.created.push(topic);
    // The generator's timestamps may be old: never let time-based retention delete bench data mid-run.
    await this.admin.createTopics({ waitForLeaders: true, timeout: 30_000, topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '-1' }] }] });
    return topic;
  }

  async deleteAll(): Promise<void> {
    const existing = await this.admin.listTopics();
    const mine = existing.filter((t) => this.created.includes(t) || this.prefixes.some((p) => t.startsWith(`${p}-`)));
    if (mine.length > 0) await this.admin.deleteTopics({ topics: mine, timeout: 30_000 });
    // Kafka Streams' consumer groups (named after the application id).
    const groups = (await this.admin.listGroups()).groups.map((g) => g.groupId).filter((g) => this.prefixes.includes(g));
    if (groups.length > 0) await this.admin.deleteGroups(groups);
  }
}

async function expectEndOffset(admin: Admin, topic: string, n: number): Promise<void> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((s, o) => s + Number(o.high), 0);
  if (total !== n) throw new Error(`${topic} holds ${total} records after producing ${n}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(why)), ms)))]).finally(() => clearTimeout(timer));
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const rate = (m: Measurement | null, error: string | null): string => (m === null ? `missing (${error ?? 'not run'})` : Math.round(m.value).toLocaleString('en-US'));

/** The figure of a pair; a missing side's error goes into the note. */
function pairFigure(name: string, p: Pair, peer: string, opts: { target?: number | null; note: string }): Figure {
  const errors = [p.aError === null ? null : `Sluice failed: ${p.aError}`, p.bError === null ? null : `${peer} failed: ${p.bError}`].filter((x) => x !== null);
  const range = p.b === null ? [] : [`${peer} min–max ${Math.round(p.b.min).toLocaleString('en-US')}–${Math.round(p.b.max).toLocaleString('en-US')}`];
  return figure(name, 'records/s', p.a, { peer, peerValue: p.b?.value ?? null, target: opts.target ?? null, note: [...errors, ...range, opts.note].join('; ') });
}
