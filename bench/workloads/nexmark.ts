/**
 * Nexmark through the real runtime (a job manager, worker processes, exchanges, a sink
 * appending JSON lines to a file on tmpfs), the same queries on Apache Flink in a local
 * MiniCluster (bench/peers/flink), and the hand-tuned plain-Node loops for q0 and q12 that
 * bound what JavaScript can do with these events on this machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NEXMARK_DEFAULTS, NexmarkModel } from '../../src/engine/connectors/nexmark-model.js';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import type { Measurement } from '../harness.js';
import { nexmarkSpec, type NexmarkQuery } from '../nexmark/specs.js';

/** Event time advances 100,000 events per second: a 10 s window holds 1M events, as in Nexmark runs at 100k/s. */
export const BENCH_EVENT_TIME_RATE = 100_000;
export const BENCH_SEED = 1;
const WINDOW_MS = 10_000;
const cores = os.cpus().length;

export interface EngineRun {
  /** Events per CPU-second: this process (the host) and the job's workers together. */
  perCore: number;
  /** Events per second of wall time, divided by the cores the job could use (min(parallelism, cores)). */
  wallPerCore: number;
  checkpoints: number;
  /** Records the job wrote to its sink: checked against the Flink peer's output where it counts its own (q8). */
  results: number;
}

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU time (ms) of this process plus its children that have exited and been reaped (the
 * workers of finished jobs), from /proc/self/stat. On a shared machine, events per CPU-second
 * measure the engine; events per wall-second also measure everyone else's load.
 */
export function cpuMsWithChildren(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, so utime/stime/cutime/cstime (fields 14–17) are f[11..14].
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Waits until the processes are gone (reaped), so their CPU time is in our children's. */
async function reaped(pids: number[], timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (pids.some((pid) => fs.existsSync(`/proc/${pid}`))) {
    if (Date.now() > end) throw new Error(`workers ${pids.join(', ')} still exist ${timeoutMs} ms after the job finished`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Where outputs go: tmpfs when there is one, so the sink's writes and fsyncs cost what the
 * engine does, not what the disk does (/dev/null itself cannot be fsynced).
 */
export function outputRoot(): string {
  return fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
}

/** Lines in a JSON-lines file (0 when the sink never created it), read in chunks: q0 writes a line per event. */
function countLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let n = 0;
    for (let read; (read = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      for (let i = buf.indexOf(10); i !== -1 && i < read; i = buf.indexOf(10, i + 1)) n++;
    }
    return n;
  } finally {
    fs.closeSync(fd);
  }
}

/** One run of `query` at `parallelism`: events per second (per core used) from job start to the end of input. */
export async function sluiceNexmark(query: NexmarkQuery, o: { parallelism: number; events: number; checkpointMs: number | null }): Promise<EngineRun> {
  const dir = fs.mkdtempSync(path.join(outputRoot(), 'sluice-bench-nexmark-'));
  try {
    const spec = nexmarkSpec(query, {
      events: o.events,
      parallelism: o.parallelism,
      seed: BENCH_SEED,
      eventTimeRate: BENCH_EVENT_TIME_RATE,
      checkpointMs: o.checkpointMs,
      sinkPath: path.join(dir, 'out.jsonl'),
      guarantee: 'at-least-once',
    });
    const jm = new JobManager(spec, { stateDir: path.join(dir, 'state') });
    const cpu0 = cpuMsWithChildren();
    await jm.start();
    const t0 = performance.now();
    const pids = jm.workers().map((w) => w.pid);
    const r = await jm.done;
    const s = (performance.now() - t0) / 1000;
    if (r.state !== 'FINISHED') throw new Error(`nexmark ${query} ${r.state}: ${r.error}`);
    await reaped(pids, 10_000);
    const cpuS = (cpuMsWithChildren() - cpu0) / 1000;
    return {
      results: countLines(path.join(dir, 'out.jsonl')),
      perCore: o.events / cpuS,
      wallPerCore: o.events / s / Math.min(o.parallelism, cores),
      checkpoints: r.checkpoints.filter((c) => c.status === 'completed').length,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function model(): NexmarkModel {
  return new NexmarkModel({ ...NEXMARK_DEFAULTS, seed: BENCH_SEED, eventTimeRate: BENCH_EVENT_TIME_RATE });
}

const BATCH = 4096;

function eventsPerCpuSecond(events: number, since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return events / ((d.user + d.system) / 1e6);
}

/** q0 by hand: generate each event, serialise it as a JSON line, append the lines to a file on tmpfs in batches. Events per CPU-second. */
export function handTunedQ0(events: number): number {
  const m = model();
  const dir = fs.mkdtempSync(path.join(outputRoot(), 'sluice-bench-hand-'));
  const fd = fs.openSync(path.join(dir, 'out.jsonl'), 'a');
  try {
    const cpu0 = process.cpuUsage();
    for (let j = 0; j < events; ) {
      const end = Math.min(events, j + BATCH);
      let out = '';
      for (; j < end; j++) out += JSON.stringify(m.event(j)) + '\n';
      fs.writeSync(fd, out);
    }
    return eventsPerCpuSecond(events, cpu0);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * q12 by hand: generate each event, keep the bids, count per bidder in the current 10 s
 * window (events arrive in time order, so a window ends when the next one starts), and
 * append each window's counts as JSON lines to a file on tmpfs. Events per CPU-second.
 */
export function handTunedQ12(events: number): number {
  const m = model();
  const dir = fs.mkdtempSync(path.join(outputRoot(), 'sluice-bench-hand-'));
  const fd = fs.openSync(path.join(dir, 'out.jsonl'), 'a');
  try {
    const cpu0 = process.cpuUsage();
    let windowStart = Number.NaN;
    let counts = new Map<number, number>();
    const flush = (): void => {
      let out = '';
      for (const [bidder, n] of counts) out += JSON.stringify({ key: bidder, windowStart, windowEnd: windowStart + WINDOW_MS, value: n }) + '\n';
      if (out !== '') fs.writeSync(fd, out);
    };
    for (let j = 0; j < events; j++) {
      const e = m.event(j);
      if (e['type'] !== 'bid') continue;
      const t = e['dateTime'] as number;
      const start = t - (t % WINDOW_MS);
      if (start !== windowStart) {
        flush();
        counts = new Map();
        windowStart = start;
      }
      const bidder = e['bidder'] as number;
      counts.set(bidder, (counts.get(bidder) ?? 0) + 1);
    }
    flush();
    return eventsPerCpuSecond(events, cpu0);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the Flink peer

const FLINK_DIR = path.resolve(import.meta.dirname, '../peers/flink');
const FLINK_CLASSPATH = path.join(FLINK_DIR, 'target/classpath.txt');
const FLINK_MAIN = path.join(FLINK_DIR, 'target/classes/sluice/bench/NexmarkFlink.class');

export const flinkIsBuilt = (): boolean => fs.existsSync(FLINK_CLASSPATH) && fs.existsSync(FLINK_MAIN);

/** Runs bench/peers/flink/build.sh (Maven); the error text when it fails. */
export function buildFlink(timeoutMs: number): { ok: true; ms: number } | { ok: false; error: string } {
  const t0 = performance.now();
  const r = spawnSync('bash', [path.join(FLINK_DIR, 'build.sh')], { encoding: 'utf8', timeout: timeoutMs });
  if (r.error) return { ok: false, error: `build.sh: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, error: `build.sh exited ${r.status}: ${lastLines(r.stdout + r.stderr)}` };
  return { ok: true, ms: performance.now() - t0 };
}

const lastLines = (s: string, n = 6): string => s.trim().split('\n').slice(-n).join(' | ');

function javaArgs(args: string[]): string[] {
  const cp = `${path.join(FLINK_DIR, 'target/classes')}:${fs.readFileSync(FLINK_CLASSPATH, 'utf8').trim()}`;
  return ['-cp', cp, 'sluice.bench.NexmarkFlink', ...args];
}

function runJava(args: string[], timeoutMs: number): Promise<{ ok: true; lines: string[] } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const child = spawn('java', javaArgs(args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, error: `java: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ok: true, lines: out.trim().split('\n').filter((l) => l.startsWith('{')) });
      else resolve({ ok: false, error: `java exited ${signal !== null ? `on ${signal} (timeout ${timeoutMs} ms)` : code}: ${lastLines(err || out)}` });
    });
  });
}

/** The TypeScript side of NexmarkModel.checksum: a rolling hash over the bids of events 0 … n-1 (seed 42). */
export function nexmarkChecksum(n: number): number {
  const m = new NexmarkModel({ ...NEXMARK_DEFAULTS, seed: 42 });
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const e = m.event(j);
    if (e['type'] === 'bid') sum = (sum * 31 + (e['auction'] as number) * 7 + (e['bidder'] as number) * 13 + (e['price'] as number)) % 1_000_000_007;
  }
  return sum;
}

/** Null when the Java generator produces the same events as ours; else why not. */
export async function flinkGeneratorMismatch(): Promise<string | null> {
  const n = 100_000;
  const r = await runJava(['checksum', '--seed', '42', '--events', String(n)], 120_000);
  if (!r.ok) return r.error;
  const java = (JSON.parse(r.lines[0] ?? '{}') as { checksum?: number }).checksum;
  const ts = nexmarkChecksum(n);
  return java === ts ? null : `the Java port of the generator differs from nexmark-model.ts (checksum ${String(java)} vs ${ts})`;
}

export interface FlinkRun {
  /** Events per CPU-second of the whole JVM (task, network, JIT and GC threads). */
  perCore: Measurement;
  /** Cores the JVM kept busy on average (process CPU time / job runtime). */
  coresUsed: number;
  /** Output records of the last run, for the queries whose Flink job counts them (q8); else null. */
  results: number | null;
}

/** `runs` measured runs after `warmup` in one JVM (each run a fresh MiniCluster job): events per CPU-second. */
export async function flinkNexmark(
  query: NexmarkQuery,
  o: { parallelism: number; events: number; runs: number; warmup: number; timeoutMs: number },
): Promise<{ ok: true; run: FlinkRun } | { ok: false; error: string }> {
  const r = await runJava(
    ['run', '--query', query, '--parallelism', String(o.parallelism), '--events', String(o.events), '--seed', String(BENCH_SEED), '--rate', String(BENCH_EVENT_TIME_RATE), '--runs', String(o.runs), '--warmup', String(o.warmup)],
    o.timeoutMs,
  );
  if (!r.ok) return r;
  const rows = r.lines.map((l) => JSON.parse(l) as { events: number; netRuntimeMs: number; cpuMs: number; results?: number });
  if (rows.length !== o.runs) return { ok: false, error: `expected ${o.runs} results from the Flink runner, got ${rows.length}` };
  const counts = new Set(rows.map((x) => x.results));
  if (counts.size !== 1) return { ok: false, error: `the Flink runs of ${query} disagree on their output count: ${[...counts].join(', ')}` };
  const xs = rows.map((x) => (x.events * 1000) / x.cpuMs).sort((a, b) => a - b);
  const mid = xs.length >> 1;
  const value = xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  const coresUsed = rows.reduce((s, x) => s + x.cpuMs / x.netRuntimeMs, 0) / rows.length;
  return { ok: true, run: { perCore: { value, min: xs[0]!, max: xs[xs.length - 1]!, runs: xs.length }, coresUsed, results: rows[0]!.results ?? null } };
}
