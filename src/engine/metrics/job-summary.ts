/**
 * Job-wide end-to-end latency and shedding from the workers' latest reports: latency
 * histograms are merged bucket by bucket before quantiles are read (quantiles of workers
 * cannot be averaged), shed counts are summed per priority. Used by the console snapshots
 * and by `sluice run`'s summary.
 */
import type { OverloadSpec } from '../job/spec.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface OverloadSummary {
  readonly strategy: OverloadSpec['strategy'];
  readonly queueThreshold: number | null;
  readonly queued: number;
  readonly shedTotal: number;
  /** Ascending priority. */
  readonly shedByPriority: { readonly priority: number; readonly count: number }[];
  readonly shedOutput: string | null;
}

export function mergeLatency(reports: Iterable<WorkerMetrics | null>): LatencySummary | null {
  const h = new LatencyHistogram();
  for (const m of reports) if (m?.latency) h.merge(m.latency.buckets, m.latency.maxMs);
  return h.summary();
}

export function mergeOverload(spec: OverloadSpec, reports: Iterable<WorkerMetrics | null>): OverloadSummary {
  const byPriority = new Map<number, number>();
  let queued = 0;
  let shedTotal = 0;
  for (const m of reports) {
    if (!m?.overload) continue;
    queued += m.overload.queued;
    shedTotal += m.overload.shedTotal;
    for (const [p, c] of Object.entries(m.overload.shedByPriority)) byPriority.set(Number(p), (byPriority.get(Number(p)) ?? 0) + c);
  }
  return {
    strategy: spec.strategy,
    queueThreshold: spec.strategy === 'shed' ? spec.queueThreshold : null,
    queued,
    shedTotal,
    shedByPriority: [...byPriority].sort((a, b) => a[0] - b[0]).map(([priority, count]) => ({ priority, count })),
    shedOutput: spec.strategy === 'shed' ? spec.shedOutput : null,
  };
}

const fmtMs = (v: number): string => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toString());

/** One line for a terminal: `latency p50 1.2 ms · p99 8.4 ms · max 12 ms (2,340 markers)`. */
export function formatLatency(l: LatencySummary | null): string {
  if (l === null) return 'latency: no marker reached the sink';
  return `latency (source read → sink write): p50 ${fmtMs(l.p50Ms)} ms · p99 ${fmtMs(l.p99Ms)} ms · max ${fmtMs(l.maxMs)} ms (${l.samples.toLocaleString('en-US')} markers)`;
}

/** `shed 1,234 records (priority 0: 1,200 · priority 1: 34) → side output "shed"`. */
export function formatOverload(o: OverloadSummary): string {
  if (o.strategy === 'backpressure') return 'overload: backpressure (nothing shed)';
  const parts = o.shedByPriority.map((p) => `priority ${p.priority}: ${p.count.toLocaleString('en-US')}`).join(' · ');
  const where = o.shedOutput === null ? 'counted only' : `written to side output "${o.shedOutput}"`;
  return `overload: shed above ${o.queueThreshold!.toLocaleString('en-US')} queued records — ${o.shedTotal.toLocaleString('en-US')} shed${parts ? ` (${parts})` : ''}, ${where}`;
}
