/**
 * The `nexmark`, `efficiency` and `memory` sections of `npm run bench`: which runs make
 * which figure, with the peer and target printed beside it.
 *
 * Quick mode (CI smoke) runs every query once at parallelism 1 on a small input, Flink
 * only for q8 and q12 at parallelism 1 and only when the peer is already built (a build
 * would not fit in the 3-minute budget on a cold Maven cache), and the memory figures on
 * 100k keys. Full mode runs parallelism 1 and 2, three runs each, Flink for q0, q5, q8,
 * q11 and q12 (building it first if needed), checkpoints every 10 s for q5 and q12, and 1M keys.
 *
 * For q8 both engines count their output records; a different count means they did not
 * compute the same join, and the ratio is withheld.
 *
 * Throughput is counted in events per CPU-second (the engine's host and workers, Flink's
 * whole JVM, the hand-tuned loop's process): on a shared 2-core machine, wall-clock rates
 * mostly measure the other load; the wall-clock rate per core is kept in the note.
 */
import os from 'node:os';
import { figure, measure, type Figure, type Measurement } from '../harness.js';
import { hostRssWithJobs, workerRssWithKeys } from '../workloads/memory.js';
import { buildFlink, flinkGeneratorMismatch, flinkIsBuilt, flinkNexmark, handTunedQ0, handTunedQ12, sluiceNexmark, type EngineRun, type FlinkRun } from '../workloads/nexmark.js';
import { NEXMARK_QUERIES, type NexmarkQuery } from './specs.js';

interface SectionOptions {
  quick: boolean;
  log: (s: string) => void;
}

const FLINK_QUERIES: readonly NexmarkQuery[] = ['q0', 'q5', 'q8', 'q11', 'q12'];
const QUICK_FLINK_QUERIES: readonly NexmarkQuery[] = ['q8', 'q12'];
/** Queries whose Flink job reports its output count, to check against Sluice's. */
const COUNTED_QUERIES: readonly NexmarkQuery[] = ['q8'];

/** Several engine runs: events per CPU-second (the figure) and per wall-second per core (the note). */
async function engineRuns(runs: number, once: () => Promise<EngineRun>): Promise<{ cpu: Measurement; wall: Measurement; checkpoints: number; results: number }> {
  const all: EngineRun[] = [];
  const cpu = await measure(async () => {
    const r = await once();
    all.push(r);
    return r.perCore;
  }, { runs, warmup: 0 });
  const wall = all.map((r) => r.wallPerCore).sort((a, b) => a - b);
  return { cpu, wall: { value: wall[wall.length >> 1]!, min: wall[0]!, max: wall[wall.length - 1]!, runs: wall.length }, checkpoints: all[all.length - 1]!.checkpoints, results: all[all.length - 1]!.results };
}
const Q12_TARGET = 1_000_000;
const MiB = 2 ** 20;
const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');

/** Builds (if needed) and checks the Flink peer; the reason it cannot run, or null. */
async function prepareFlink(quick: boolean, log: (s: string) => void): Promise<string | null> {
  if (!flinkIsBuilt()) {
    if (quick) return 'not built (quick mode does not run Maven): run bench/peers/flink/build.sh, or npm run bench without --quick';
    log('   building the Flink peer (bench/peers/flink/build.sh)…');
    const b = buildFlink(900_000);
    if (!b.ok) return b.error;
    log(`   built in ${(b.ms / 1000).toFixed(0)} s`);
  }
  return flinkGeneratorMismatch();
}

export async function nexmarkFigures(o: SectionOptions): Promise<Figure[]> {
  const { quick, log } = o;
  const out: Figure[] = [];
  // Full mode: long enough that a run measures the steady state, not the workers' start and
  // JIT warm-up (each Sluice run forks fresh workers; Flink's runs share one warmed-up JVM).
  const events = quick ? 100_000 : 10_000_000;
  const ps = quick ? [1] : [1, 2];
  const runs = quick ? 1 : 3;

  const flinkError = await prepareFlink(quick, log);
  if (flinkError !== null) log(`   Flink peer unavailable: ${flinkError}`);
  const flink = new Map<string, { ok: true; run: FlinkRun } | { ok: false; error: string }>();
  for (const q of FLINK_QUERIES) {
    for (const p of ps) {
      if (quick && !QUICK_FLINK_QUERIES.includes(q)) continue;
      if (flinkError !== null) {
        flink.set(`${q}.p${p}`, { ok: false, error: flinkError });
        continue;
      }
      const r = await flinkNexmark(q, { parallelism: p, events, runs, warmup: 1, timeoutMs: quick ? 120_000 : 900_000 });
      flink.set(`${q}.p${p}`, r);
      log(r.ok ? `   flink ${q} p${p}: ${n0(r.run.perCore.value)} ev/CPU-s (JVM busy ${r.run.coresUsed.toFixed(1)} cores)` : `   flink ${q} p${p} failed: ${r.error}`);
    }
  }

  const sluice = new Map<string, Measurement>();
  for (const q of NEXMARK_QUERIES) {
    for (const p of ps) {
      const { cpu: m, wall, results } = await engineRuns(runs, () => sluiceNexmark(q, { parallelism: p, events, checkpointMs: null }));
      sluice.set(`${q}.p${p}`, m);
      const f = flink.get(`${q}.p${p}`);
      const hasPeer = FLINK_QUERIES.includes(q);
      const flinkResults = f?.ok === true ? f.run.results : null;
      const countMismatch = COUNTED_QUERIES.includes(q) && f?.ok === true && flinkResults !== results;
      const peerValue = f?.ok === true && !countMismatch ? f.run.perCore.value : null;
      const notes = [`events per CPU-second of host + workers (per wall-second per core: ${n0(wall.value)})`, 'checkpoints off, sink: JSON lines appended to a file on tmpfs'];
      if (q === 'q12') notes.push('target also ≥ 1.0× Flink');
      if (hasPeer && f === undefined) notes.push('Flink not run in quick mode for this query');
      if (f?.ok === false) notes.push(`Flink missing: ${f.error}`);
      if (f?.ok === true) notes.push(`Flink: events per CPU-second of its JVM, which kept ${f.run.coresUsed.toFixed(1)} cores busy`);
      if (COUNTED_QUERIES.includes(q) && f?.ok === true) {
        notes.push(countMismatch ? `output counts differ (Sluice ${results}, Flink ${String(flinkResults)}): ratio withheld` : `both output ${results} records`);
        log(`   ${q} p${p} output records: sluice ${results}, flink ${String(flinkResults)}${countMismatch ? ' — MISMATCH' : ''}`);
      }
      if (!hasPeer) notes.push('no Flink peer run for this query (the issue asks for q0, q5, q8, q11, q12)');
      out.push(
        figure(`nexmark.${q}.p${p}`, 'events/s/core', m, {
          ...(hasPeer ? { peer: 'flink', peerValue } : {}),
          target: q === 'q12' ? Q12_TARGET : hasPeer ? peerValue : null,
          note: notes.join('; '),
        }),
      );
      log(`   sluice ${q} p${p}: ${n0(m.value)} ev/CPU-s (${n0(wall.value)} ev/s/core wall)${peerValue !== null ? ` (flink ${n0(peerValue)}, ×${(m.value / peerValue).toFixed(2)})` : ''}`);
    }
  }

  // Engine efficiency: the engine at parallelism 1 against the hand-tuned loop over the same events.
  const handRuns = { runs: quick ? 1 : 3, warmup: 1 };
  for (const [q, hand, target] of [
    ['q12', handTunedQ12, 0.25],
    ['q0', handTunedQ0, null],
  ] as const) {
    const h = await measure(() => hand(events), handRuns);
    const e = sluice.get(`${q}.p1`)!;
    const ratio = { value: e.value / h.value, min: e.min / h.value, max: e.max / h.value, runs: e.runs };
    out.push(
      figure(`efficiency.${q}.p1`, 'ratio', ratio, {
        peer: 'hand-tuned loop',
        target,
        note: `engine ${n0(e.value)} ÷ one plain-Node loop over the same generated events ${n0(h.value)}, both in events per CPU-second`,
      }),
    );
    log(`   efficiency ${q} p1: ${ratio.value.toFixed(2)} (engine ${n0(e.value)} / hand-tuned ${n0(h.value)} ev/CPU-s)`);
  }
  return out;
}

/**
 * Checkpoint cost: q12 with checkpoints every 10 s against the same run with them off, on
 * the same input (long enough for at least two checkpoints), runs alternating so that a
 * change in the machine's load hits both sides. Full mode only: a quick run is shorter
 * than one interval.
 */
export async function nexmarkCheckpointFigures(o: SectionOptions): Promise<Figure[]> {
  const { quick, log } = o;
  if (quick) return [];
  const out: Figure[] = [];
  for (const p of [1, 2]) {
    // A run must last long enough for several 10 s checkpoints (a run of one or none measures
    // nothing): size it from a short probe run to about 45 s.
    const probe = await sluiceNexmark('q12', { parallelism: p, events: 4_000_000, checkpointMs: null });
    const events = Math.max(16_000_000, Math.round((probe.wallPerCore * Math.min(p, os.cpus().length) * 45) / 1e6) * 1e6);
    const off: EngineRun[] = [];
    const on: EngineRun[] = [];
    for (let i = 0; i < 2; i++) {
      off.push(await sluiceNexmark('q12', { parallelism: p, events, checkpointMs: null }));
      on.push(await sluiceNexmark('q12', { parallelism: p, events, checkpointMs: 10_000 }));
    }
    const m = (rs: EngineRun[]): Measurement => {
      const xs = rs.map((r) => r.perCore).sort((a, b) => a - b);
      return { value: (xs[0]! + xs[xs.length - 1]!) / 2, min: xs[0]!, max: xs[xs.length - 1]!, runs: xs.length };
    };
    const offM = m(off);
    const onM = m(on);
    const checkpoints = on.map((r) => r.checkpoints).join(', ');
    out.push(
      figure(`nexmark.q12.p${p}.checkpoints-10s`, 'events/s/core', onM, {
        peer: `nexmark.q12.p${p} (same input, checkpoints off)`,
        peerValue: offM.value,
        target: 0.9 * offM.value,
        note: `target: checkpointing every 10 s costs ≤ 10 %; ${n0(events)} events per run, ${checkpoints} checkpoints; events per CPU-second of host + workers`,
      }),
    );
    log(`   sluice q12 p${p}: ${n0(offM.value)} ev/CPU-s checkpoints off, ${n0(onM.value)} every 10 s (${((1 - onM.value / offM.value) * 100).toFixed(1)} % cost; ${checkpoints} checkpoints)`);
  }
  return out;
}

export async function memoryFigures(o: SectionOptions): Promise<Figure[]> {
  const { quick, log } = o;
  const keys = quick ? 100_000 : 1_000_000;
  const base = await workerRssWithKeys(1000, 120_000);
  const big = await workerRssWithKeys(keys, 600_000);
  const perMillion = ((big.rssBytes - base.rssBytes) / big.numKeys) * 1_000_000;
  const label = quick ? '100k' : '1M';
  log(`   worker RSS: ${(base.rssBytes / MiB).toFixed(0)} MiB with 1k keys, ${(big.rssBytes / MiB).toFixed(0)} MiB with ${label} keys → ${(perMillion / MiB).toFixed(0)} MiB per 1M keys`);
  const one = (v: number): Measurement => ({ value: v, min: v, max: v, runs: 1 });
  const host = await hostRssWithJobs(4, quick ? 3000 : 10_000);
  log(`   host RSS: ${(host.before / MiB).toFixed(0)} MiB before, ${(host.during / MiB).toFixed(0)} MiB with 4 running jobs`);
  return [
    figure('memory.worker-rss-per-1m-keys', 'MiB', one(perMillion / MiB), {
      higherIsBetter: false,
      note: `worker RSS with ${n0(big.numKeys)} keys of window state (${(big.rssBytes / MiB).toFixed(0)} MiB) minus with 1k keys (${(base.rssBytes / MiB).toFixed(0)} MiB), scaled to 1M (median of 5 samples); memory state backend${quick ? '; quick: measured on 100k keys' : ''}`,
    }),
    figure('memory.host-rss-4-jobs', 'MiB', one(host.during / MiB), {
      higherIsBetter: false,
      note: `peak RSS of the host process (here the bench process) while 4 Nexmark q12 jobs run at 20k events/s each with checkpoints every 1 s; ${(host.before / MiB).toFixed(0)} MiB before they started`,
    }),
  ];
}
