import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Rec } from '../core/types.js';
import { GeneratorSource, generatedRecord, type GeneratorOptions } from './generator.js';
import type { SourcePosition, SplitReader } from './source.js';

const base: GeneratorOptions = {
  seed: 7,
  count: 1000,
  keys: 50,
  eventsPerSecond: null,
  skew: 0,
  startTs: 1_700_000_000_000,
  eventTimeRate: 300,
  splits: 1,
};

async function drain(r: SplitReader, batch = 97): Promise<{ records: Rec[]; timestamps: number[] }> {
  const records: Rec[] = [];
  const timestamps: number[] = [];
  for (;;) {
    const p = await r.poll(batch);
    if (p.kind === 'end') return { records, timestamps };
    if (p.kind === 'idle') throw new Error('unexpected idle');
    records.push(...p.records);
    timestamps.push(...(p.timestamps ?? []));
  }
}

async function all(opts: GeneratorOptions): Promise<Rec[][]> {
  const src = new GeneratorSource(opts);
  const out: Rec[][] = [];
  for (const s of src.listSplits()) out.push((await drain(src.openReader(s, undefined))).records);
  return out;
}

describe('GeneratorSource', () => {
  it('emits {key, value, ts} in that field order, with timestamps beside them', async () => {
    const src = new GeneratorSource(base);
    const { records, timestamps } = await drain(src.openReader(src.listSplits()[0]!, undefined));
    expect(records).toHaveLength(1000);
    for (let j = 0; j < records.length; j++) {
      const r = records[j]!;
      expect(Object.keys(r)).toEqual(['key', 'value', 'ts']);
      expect(r['key']).toMatch(/^k\d+$/);
      const n = Number((r['key'] as string).slice(1));
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(50);
      expect(Number.isInteger(r['value'])).toBe(true);
      expect(r['value']).toBeGreaterThanOrEqual(0);
      expect(r['value']).toBeLessThan(100);
      expect(r['ts']).toBe(base.startTs + Math.floor((j * 1000) / 300));
      expect(timestamps[j]).toBe(r['ts']);
    }
  });

  it('is deterministic per seed and differs between seeds', async () => {
    const a = await all(base);
    const b = await all({ ...base });
    const c = await all({ ...base, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('record j is a pure function of (seed, j): generatedRecord matches every split', async () => {
    const opts = { ...base, splits: 3, skew: 1.2 };
    const parts = await all(opts);
    parts.forEach((recs, s) => recs.forEach((r, i) => expect(r).toEqual(generatedRecord(opts, s + i * 3))));
  });

  it('the union of the splits is the whole sequence, for any split count', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 300 }), async (splits, count) => {
        const opts = { ...base, count, splits };
        const src = new GeneratorSource(opts);
        const expected = src.listSplits().reduce((n, s) => n + (s.expectedRecords ?? 0), 0);
        expect(expected).toBe(count);
        const union = (await all(opts)).flat();
        const whole = Array.from({ length: count }, (_, j) => generatedRecord(opts, j));
        expect(union).toHaveLength(count);
        // Compare as multisets of serialized records.
        const ser = (rs: Rec[]) => rs.map((r) => JSON.stringify(r)).sort();
        expect(ser(union)).toEqual(ser(whole));
      }),
      { numRuns: 40 },
    );
  });

  it('resuming at a position returns exactly the rest of the split', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 50 }), async (splits, cut, batch) => {
        const opts = { ...base, count: 200, splits, skew: 0.8 };
        const src = new GeneratorSource(opts);
        for (const split of src.listSplits()) {
          const whole = (await drain(src.openReader(split, undefined))).records;
          const r1 = src.openReader(split, undefined);
          const head: Rec[] = [];
          while (head.length < Math.min(cut, whole.length)) {
            const p = r1.poll(Math.min(batch, cut - head.length));
            if (p.kind !== 'records') break;
            head.push(...p.records);
          }
          const pos: SourcePosition = JSON.parse(JSON.stringify(r1.position()));
          const tail = (await drain(src.openReader(split, pos), batch)).records;
          expect([...head, ...tail]).toEqual(whole);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('keeps returning end once exhausted and reports backlog', () => {
    const src = new GeneratorSource({ ...base, count: 5, splits: 2 });
    const r = src.openReader({ id: 'gen-1' }, undefined);
    expect(r.backlog()).toBe(2);
    const p = r.poll(10);
    expect(p.kind === 'records' && p.records.length).toBe(2);
    expect(r.position()).toEqual({ next: 5 });
    expect(r.backlog()).toBe(0);
    expect(r.poll(10).kind).toBe('end');
    expect(r.poll(10).kind).toBe('end');
  });

  it('is unbounded when count is null', () => {
    const src = new GeneratorSource({ ...base, count: null });
    expect(src.bounded).toBe(false);
    const r = src.openReader(src.listSplits()[0]!, { next: 1_000_000_000_000 });
    const p = r.poll(3);
    expect(p.kind).toBe('records');
    if (p.kind === 'records') expect(p.records[0]).toEqual(generatedRecord(base, 1_000_000_000_000));
    expect(r.backlog()).toBeUndefined();
  });

  it('skew > 0 concentrates keys on the low ranks; skew = 0 spreads them evenly', () => {
    const counts = (skew: number) => {
      const opts = { ...base, keys: 100, skew };
      const c = new Array<number>(100).fill(0);
      for (let j = 0; j < 50_000; j++) c[Number((generatedRecord(opts, j)['key'] as string).slice(1))]!++;
      return c;
    };
    const uniform = counts(0);
    expect(Math.min(...uniform)).toBeGreaterThan(350);
    expect(Math.max(...uniform)).toBeLessThan(650);
    const zipf = counts(1.5);
    // P(k0) = 1/H(100,1.5) ≈ 0.42; P(k1)/P(k0) = 2^-1.5 ≈ 0.354
    expect(zipf[0]! / 50_000).toBeGreaterThan(0.39);
    expect(zipf[0]! / 50_000).toBeLessThan(0.45);
    expect(zipf[1]! / zipf[0]!).toBeGreaterThan(0.3);
    expect(zipf[1]! / zipf[0]!).toBeLessThan(0.41);
  });

  it('values cover [0, 100) roughly uniformly', () => {
    const c = new Array<number>(100).fill(0);
    for (let j = 0; j < 100_000; j++) c[generatedRecord(base, j)['value'] as number]!++;
    expect(Math.min(...c)).toBeGreaterThan(850);
    expect(Math.max(...c)).toBeLessThan(1150);
  });

  it('paces to eventsPerSecond (divided over splits) from when the reader opens', () => {
    let now = 1000;
    const src = new GeneratorSource({ ...base, count: null, eventsPerSecond: 400, splits: 2, clock: () => now });
    const r = src.openReader({ id: 'gen-0' }, undefined);
    const first = r.poll(100);
    expect(first.kind).toBe('idle');
    if (first.kind === 'idle') expect(first.retryAfterMs).toBe(5); // 200/s per split → one every 5 ms
    now += 50; // 10 records due
    const p = r.poll(100);
    expect(p.kind === 'records' && p.records.length).toBe(10);
    expect(r.poll(100).kind).toBe('idle');
    now += 1000; // 200 more due, but the poll asks for at most 64
    const q = r.poll(64);
    expect(q.kind === 'records' && q.records.length).toBe(64);
    expect(r.position()).toEqual({ next: 2 * 74 });
  });

  it('rejects bad options, foreign splits and positions', () => {
    expect(() => new GeneratorSource({ ...base, keys: 0 })).toThrow(/keys/);
    expect(() => new GeneratorSource({ ...base, eventTimeRate: 0 })).toThrow(/eventTimeRate/);
    const src = new GeneratorSource({ ...base, splits: 2 });
    expect(() => src.openReader({ id: 'gen-2' }, undefined)).toThrow(/unknown split/);
    expect(() => src.openReader({ id: 'gen-1' }, { next: 4 })).toThrow(/does not belong/);
    expect(() => generatedRecord(base, -1)).toThrow(/index/);
  });
});
