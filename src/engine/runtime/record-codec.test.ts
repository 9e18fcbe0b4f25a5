import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Rec } from '../core/types.js';
import type { Batch } from '../operators/operator.js';
import { decodeBatch, encodeBatch, MAX_SHAPES } from './record-codec.js';
import { encodeData, FrameDecoder, FrameKind, type Frame } from './wire.js';

const roundTrip = (b: Batch): Batch => {
  const buf = encodeBatch(b);
  return decodeBatch(buf, 0, buf.length);
};
const layoutOf = (b: Batch): number => encodeBatch(b)[0]!;

const bid = (i: number): Rec => ({ type: 'bid', auction: 1000 + (i % 7), bidder: 2000 + i, price: i * 1.5, channel: ['Apple', 'Baidu'][i % 2], url: `https://x/${i}`, dateTime: 1_700_000_000_000 + i, extra: '' });
const person = (i: number): Rec => ({ type: 'person', id: i, name: `p${i}`, emailAddress: null, dateTime: 1_700_000_000_000 + i });

describe('record codec', () => {
  it('carries records of several shapes by column, in their order, with timestamps and keys', () => {
    const records = Array.from({ length: 300 }, (_, i) => (i % 10 === 3 ? person(i) : bid(i)));
    const batch: Batch = { records, timestamps: records.map((r) => r['dateTime'] as number), keys: records.map((r, i) => (i % 2 === 0 ? `k${i % 5}` : (r['dateTime'] as number))) };
    expect(layoutOf(batch)).toBe(1);
    expect(roundTrip(batch)).toStrictEqual(batch);
    // Field order survives (a sink writing JSON lines prints the fields as the source made them).
    expect(Object.keys(roundTrip(batch).records[3]!)).toEqual(['type', 'id', 'name', 'emailAddress', 'dateTime']);
  });

  it('keeps NaN, ±Infinity and −0 in number columns and timestamps, like the loopback path', () => {
    const batch: Batch = { records: [{ v: Number.NaN }, { v: -0 }, { v: Infinity }, { v: -Infinity }], timestamps: [Number.NaN, 1, -0, 2], keys: null };
    const back = roundTrip(batch);
    expect(back.records.map((r) => r['v'])).toStrictEqual([Number.NaN, -0, Infinity, -Infinity]);
    expect(Object.is(back.timestamps[2], -0)).toBe(true);
    expect(back.timestamps[0]).toBeNaN();
  });

  it('sends JSON when columns cannot carry a batch exactly', () => {
    const many = Array.from({ length: MAX_SHAPES + 1 }, (_, i) => ({ [`f${i}`]: i }));
    const cases: Rec[][] = [many, [{ a: 1, b: undefined }], [JSON.parse('{"__proto__": {"x": 1}}') as Rec]];
    for (const records of cases) {
      const batch: Batch = { records, timestamps: records.map(() => 5), keys: null };
      expect(layoutOf(batch)).toBe(0);
      expect(roundTrip(batch)).toStrictEqual(JSON.parse(JSON.stringify(batch)));
    }
    // The own "__proto__" field stays a field; it never becomes the record's prototype.
    const back = roundTrip({ records: cases[2]!, timestamps: [1], keys: null }).records[0]!;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(back, '__proto__')).toBe(true);
  });

  it('carries nested values, nulls, booleans, and strings that do not repeat', () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ s: `unique-${i}-é✓`, n: { a: [i, null, true] }, b: i % 2 === 0, z: null }));
    const batch: Batch = { records, timestamps: records.map((_, i) => i), keys: null };
    expect(roundTrip(batch)).toStrictEqual(batch);
  });

  it('round-trips any batch of JSON records as JSON would (property)', () => {
    const record = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }) as fc.Arbitrary<Rec>;
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), fc.boolean(), (records, withKeys) => {
        const batch: Batch = { records, timestamps: records.map((_, i) => i * 10), keys: withKeys ? records.map((_, i) => (i % 3 === 0 ? i : `k${i}`)) : null };
        // JSON has no −0; the columns keep it, so compare through JSON on both sides.
        expect(JSON.parse(JSON.stringify(roundTrip(batch)))).toStrictEqual(JSON.parse(JSON.stringify(batch)));
      }),
      { numRuns: 300 },
    );
  });

  it('reassembles data frames split across socket chunks at any byte', () => {
    const records = Array.from({ length: 50 }, (_, i) => bid(i));
    const batch: Batch = { records, timestamps: records.map((r) => r['dateTime'] as number), keys: null };
    const bytes = Buffer.concat([encodeData(3, batch), encodeData(4, { records: [{ x: 1 }], timestamps: [1], keys: null })]);
    for (const cut of [1, 5, 6, 7, 100, bytes.length - 1]) {
      const frames: Frame[] = [];
      const d = new FrameDecoder();
      d.push(bytes.subarray(0, cut), (f) => frames.push(f));
      d.push(bytes.subarray(cut), (f) => frames.push(f));
      expect(frames.map((f) => [f.kind, f.exchange])).toEqual([
        [FrameKind.Data, 3],
        [FrameKind.Data, 4],
      ]);
      expect(frames[0]!.kind === FrameKind.Data && frames[0]!.batch).toStrictEqual(batch);
    }
  });

  it('rejects a truncated frame with a protocol error instead of reading garbage', () => {
    const buf = encodeBatch({ records: [bid(1), bid(2)], timestamps: [1, 2], keys: null });
    expect(() => decodeBatch(buf, 0, buf.length - 9)).toThrow(/shorter than its columns/);
  });
});
