import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';

describe('LatencyHistogram', () => {
  it('reads quantiles within the bucket precision (~3 %)', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.record(i / 10); // 0.1 .. 1000 ms, uniform
    const p50 = h.quantileMs(0.5)!;
    const p99 = h.quantileMs(0.99)!;
    expect(Math.abs(p50 - 500) / 500).toBeLessThan(0.035);
    expect(Math.abs(p99 - 990) / 990).toBeLessThan(0.035);
    expect(h.maxMs).toBe(1000);
    expect(h.samples).toBe(10_000);
  });

  it('small values are exact to the microsecond', () => {
    const h = new LatencyHistogram();
    for (const v of [0.005, 0.005, 0.02]) h.record(v);
    expect(h.quantileMs(0.5)).toBe(0.005);
    expect(h.quantileMs(1)).toBe(0.02);
  });

  it('merging worker histograms gives the quantiles of all samples together', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 990; i++) a.record(1);
    for (let i = 0; i < 10; i++) b.record(200);
    const all = new LatencyHistogram();
    all.merge(a.buckets(), a.maxMs);
    all.merge(b.buckets(), b.maxMs);
    expect(all.samples).toBe(1000);
    expect(all.quantileMs(0.5)!).toBeCloseTo(1, 1);
    expect(all.quantileMs(0.99)!).toBeCloseTo(1, 1);
    expect(all.quantileMs(0.995)!).toBeGreaterThan(190);
    expect(all.summary()).toMatchObject({ samples: 1000, maxMs: 200 });
  });

  it('is empty until something is recorded', () => {
    expect(new LatencyHistogram().summary()).toBeNull();
  });
});
