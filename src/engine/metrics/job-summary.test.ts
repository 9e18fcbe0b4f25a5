import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';
import { formatLatency, formatOverload, mergeLatency, mergeOverload } from './job-summary.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** Only the fields job-summary reads; the rest of a report does not matter here. */
const report = (latencyMs: number[], shed: Record<string, number> | null): WorkerMetrics => {
  const h = new LatencyHistogram();
  for (const v of latencyMs) h.record(v);
  return {
    latency: h.samples === 0 ? null : { buckets: h.buckets(), samples: h.samples, maxMs: h.maxMs },
    overload: shed === null ? null : { queued: 3, shedTotal: Object.values(shed).reduce((a, b) => a + b, 0), shedByPriority: shed },
  } as unknown as WorkerMetrics;
};

describe('job summary', () => {
  it('merges worker latency histograms before taking quantiles', () => {
    const l = mergeLatency([report(Array(99).fill(2), null), null, report([500], null)])!;
    expect(l.samples).toBe(100);
    expect(l.p50Ms).toBeCloseTo(2, 1);
    expect(l.p99Ms).toBeCloseTo(2, 1);
    expect(l.maxMs).toBe(500);
    expect(formatLatency(l)).toMatch(/^latency \(source read → sink write\): p50 2\.\d\d ms · p99 2\.\d\d ms · max 500 ms \(100 markers\)$/);
    expect(mergeLatency([report([], null)])).toBeNull();
    expect(formatLatency(null)).toBe('latency: no marker reached the sink');
  });

  it('sums shed counts per priority over workers', () => {
    const o = mergeOverload({ strategy: 'shed', priority: 'p', queueThreshold: 100, shedOutput: 'shed' }, [report([], { '0': 5, '2': 1 }), report([], { '0': 1, '-1': 4 })]);
    expect(o).toEqual({
      strategy: 'shed',
      queueThreshold: 100,
      queued: 6,
      shedTotal: 11,
      shedByPriority: [{ priority: -1, count: 4 }, { priority: 0, count: 6 }, { priority: 2, count: 1 }],
      shedOutput: 'shed',
    });
    expect(formatOverload(o)).toBe('overload: shed above 100 queued records — 11 shed (priority -1: 4 · priority 0: 6 · priority 2: 1), written to side output "shed"');
    expect(formatOverload(mergeOverload({ strategy: 'backpressure' }, [report([], null)]))).toBe('overload: backpressure (nothing shed)');
  });
});
