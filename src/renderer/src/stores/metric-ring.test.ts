import { describe, expect, it } from 'vitest';
import { MetricRing } from './metric-ring';

const row = (v: Record<string, number | null>): [string, number | null][] => Object.entries(v);

describe('MetricRing', () => {
  it('keeps rows oldest first and reads a missing value back as null', () => {
    const r = new MetricRing(4, 60_000);
    r.push(1000, row({ in: 10, lag: null }));
    r.push(2000, row({ in: 20, lag: 5 }));
    expect(r.length).toBe(2);
    expect(r.points('in')).toEqual([
      [1000, 10],
      [2000, 20],
    ]);
    expect(r.points('lag')).toEqual([
      [1000, null],
      [2000, 5],
    ]);
    expect(r.points('never')).toEqual([
      [1000, null],
      [2000, null],
    ]);
  });

  it('gives a series as one flat [ts, value, …] array for the chart, NaN where not reported', () => {
    const r = new MetricRing(2, 60_000);
    r.push(1000, row({ v: 1 }));
    r.push(2000, row({ v: null }));
    r.push(3000, row({ v: 3 }));
    expect([...r.interleaved('v')]).toEqual([2000, NaN, 3000, 3]);
    expect([...r.interleaved('never')]).toEqual([2000, NaN, 3000, NaN]);
    expect(new MetricRing(2, 1000).interleaved('v')).toHaveLength(0);
  });

  it('overwrites the oldest slot once full, so the length stays at the capacity', () => {
    const r = new MetricRing(3, 60_000);
    for (let t = 1; t <= 7; t++) r.push(t * 1000, row({ v: t }));
    expect(r.length).toBe(3);
    expect(r.points('v')).toEqual([
      [5000, 5],
      [6000, 6],
      [7000, 7],
    ]);
    expect(r.oldestTs).toBe(5000);
    expect(r.newestTs).toBe(7000);
    expect(r.at(0, 'v')).toEqual({ ts: 5000, value: 5 });
    expect(() => r.at(3, 'v')).toThrow(/row 3 is outside 0..2/);
  });

  it('drops rows older than the window before the newest one', () => {
    const r = new MetricRing(100, 10_000);
    r.push(0, row({ v: 0 }));
    r.push(5_000, row({ v: 1 }));
    r.push(12_000, row({ v: 2 }));
    expect(r.points('v').map((p) => p[0])).toEqual([5_000, 12_000]);
    r.push(30_000, row({ v: 3 }));
    expect(r.points('v')).toEqual([[30_000, 3]]);
  });

  it('refuses a timestamp that is not newer than the newest row', () => {
    const r = new MetricRing(4, 60_000);
    expect(r.push(2000, row({ v: 1 }))).toBe(true);
    expect(r.push(2000, row({ v: 2 }))).toBe(false);
    expect(r.push(1000, row({ v: 3 }))).toBe(false);
    expect(r.points('v')).toEqual([[2000, 1]]);
    expect(() => r.push(NaN, row({ v: 1 }))).toThrow(/finite/);
  });

  it('gives a series that appears later no values for the rows before it, and clears stale slots on reuse', () => {
    const r = new MetricRing(2, 60_000);
    r.push(1000, row({ a: 1, b: 9 }));
    r.push(2000, row({ a: 2 }));
    r.push(3000, row({ a: 3, c: 7 }));
    expect(r.points('b')).toEqual([
      [2000, null],
      [3000, null],
    ]);
    expect(r.points('c')).toEqual([
      [2000, null],
      [3000, 7],
    ]);
  });

  it('forgets a series that had no value in the whole kept window', () => {
    const r = new MetricRing(3, 60_000);
    r.push(1000, row({ 'worker.0.heap': 1, 'worker.1.heap': 1 }));
    for (let t = 2; t <= 4; t++) r.push(t * 1000, row({ 'worker.0.heap': t }));
    expect(r.seriesNames()).toEqual(['worker.0.heap']);
  });

  it('rejects a nonsensical capacity or window', () => {
    expect(() => new MetricRing(0, 1000)).toThrow(/capacity/);
    expect(() => new MetricRing(2.5, 1000)).toThrow(/capacity/);
    expect(() => new MetricRing(10, 0)).toThrow(/windowMs/);
  });

  it('clear() empties it', () => {
    const r = new MetricRing(3, 60_000);
    r.push(1000, row({ v: 1 }));
    r.clear();
    expect(r.length).toBe(0);
    expect(r.newestTs).toBeNull();
    expect(r.push(500, row({ v: 2 }))).toBe(true);
  });
});
