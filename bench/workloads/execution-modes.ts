/**
 * Continuous vs micro-batch execution on the same job (issue 8, part 1): throughput with
 * the source unthrottled, and end-to-end latency (latency markers, source read → sink
 * write) at a fixed input rate well below saturation, so latency shows the execution
 * mode and not queueing. Numbers only — nothing here asserts a time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { mergeLatency } from '../../src/engine/metrics/job-summary.js';
import type { LatencySummary } from '../../src/engine/metrics/latency-histogram.js';
import type { WorkerMetrics } from '../../src/engine/metrics/worker-metrics.js';
import { figure, measure, type Figure } from '../harness.js';
import { benchSpec } from './runtime.js';

export const MICRO_BATCH_TRIGGER = '1s';

type Execution = { mode: 'continuous' } | { mode: 'micro-batch'; trigger: string };

const MODES: { label: string; execution: Execution }[] = [
  { label: 'continuous', execution: { mode: 'continuous' } },
  { label: `micro-batch-${MICRO_BATCH_TRIGGER}`, execution: { mode: 'micro-batch', trigger: MICRO_BATCH_TRIGGER } },
];

interface RunResult {
  readonly eventsPerSec: number;
  readonly latency: LatencySummary | null;
}

/** One keyed tumbling count through `parallelism` workers. */
async function runOnce(execution: Execution, o: { parallelism: number; events: number; eventsPerSecond: number | null }): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-exec-'));
  try {
    const spec = benchSpec(
      {
        name: 'bench-execution-modes',
        parallelism: o.parallelism,
        source: { type: 'generator', seed: 1, count: o.events, keys: 10_000, eventsPerSecond: o.eventsPerSecond, eventTimeRate: 1_000_000 },
        execution,
        pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '1s' } }, { aggregate: { count: true } }],
        checkpoint: { interval: '1s' },
        sink: { type: 'file', path: 'out.jsonl' },
      },
      dir,
    );
    const jm = new JobManager(spec, { stateDir: path.join(dir, 'state') });
    const latest = new Map<number, WorkerMetrics>();
    jm.on('metrics', (m) => latest.set(m.worker, m));
    await jm.start();
    const t0 = performance.now();
    const r = await jm.done;
    const s = (performance.now() - t0) / 1000;
    if (r.state !== 'FINISHED') throw new Error(`bench job ${r.state}: ${r.error}`);
    return { eventsPerSec: o.events / s, latency: mergeLatency(latest.values()) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function executionModeFigures(o: { quick: boolean; log: (s: string) => void }): Promise<Figure[]> {
  const figures: Figure[] = [];
  const parallelism = 2;
  const events = o.quick ? 500_000 : 2_000_000;
  // Latency at a steady 50k events/s: 5 s of input in quick mode, 10 s in full.
  const rate = 50_000;
  const latencyEvents = o.quick ? 250_000 : 500_000;
  const runs = o.quick ? 1 : 3;
  let continuous: { tput: number; p50: number | null; p99: number | null } | null = null;
  for (const { label, execution } of MODES) {
    const tput = await measure(async () => (await runOnce(execution, { parallelism, events, eventsPerSecond: null })).eventsPerSec, { runs, warmup: 0 });
    const lat: LatencySummary[] = [];
    for (let i = 0; i < runs; i++) {
      const l = (await runOnce(execution, { parallelism, events: latencyEvents, eventsPerSecond: rate })).latency;
      if (l !== null) lat.push(l);
    }
    const med = (f: (l: LatencySummary) => number) => {
      if (lat.length === 0) return null;
      const xs = lat.map(f).sort((a, b) => a - b);
      return { value: xs[xs.length >> 1]!, min: xs[0]!, max: xs[xs.length - 1]!, runs: xs.length };
    };
    const p50 = med((l) => l.p50Ms);
    const p99 = med((l) => l.p99Ms);
    const base = continuous;
    const peer = base === null ? {} : { peer: 'execution.continuous' };
    figures.push(figure(`execution.${label}.p${parallelism}`, 'events/s', tput, { ...peer, peerValue: base?.tput ?? null, note: 'keyed tumbling count, source unthrottled' }));
    figures.push(figure(`execution.${label}.p${parallelism}.latency-p50`, 'ms', p50, { ...peer, peerValue: base?.p50 ?? null, higherIsBetter: false, note: `end-to-end, source read → sink write, at ${rate.toLocaleString('en-US')} events/s` }));
    figures.push(figure(`execution.${label}.p${parallelism}.latency-p99`, 'ms', p99, { ...peer, peerValue: base?.p99 ?? null, higherIsBetter: false, note: `end-to-end, source read → sink write, at ${rate.toLocaleString('en-US')} events/s` }));
    o.log(`   ${label} p${parallelism}: ${Math.round(tput.value).toLocaleString('en-US')} events/s; latency at ${rate.toLocaleString('en-US')} events/s p50 ${p50?.value.toFixed(1) ?? '—'} ms, p99 ${p99?.value.toFixed(1) ?? '—'} ms`);
    if (continuous === null) continuous = { tput: tput.value, p50: p50?.value ?? null, p99: p99?.value ?? null };
  }
  return figures;
}
