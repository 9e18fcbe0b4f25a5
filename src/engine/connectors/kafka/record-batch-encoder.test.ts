/**
 * Our RecordBatch encoder against our decoder (round trip) and against kafkajs's own
 * encoder byte for byte (the same records, timestamps and header fields).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c, encodeRecordBatch as kafkajsEncode } from './kafkajs-internals.js';
import { decodeRecordBatches } from './record-batch.js';
import { encodeRecordBatch, planRecordBatch, writeRecordBatch, type RecordToEncode } from './record-batch-encoder.js';

const T0 = 1_764_000_000_000;

/** kafkajs's bytes for the same records, with the header fields a plain producer sends. */
async function reference(records: RecordToEncode[], now: number): Promise<Buffer> {
  const ts = records.map((r) => r.timestamp ?? now);
  const first = Math.min(...ts);
  return kafkajsEncode({
    firstOffset: 0,
    firstTimestamp: first,
    maxTimestamp: Math.max(...ts),
    lastOffsetDelta: records.length - 1,
    producerId: -1,
    producerEpoch: -1,
    firstSequence: -1,
    partitionLeaderEpoch: -1,
    records: records.map((r, i) => ({ offsetDelta: i, timestampDelta: ts[i]! - first, key: r.key ?? null, value: r.value, ...(r.headers !== undefined ? { headers: { ...(r.headers as Record<string, string>) } } : {}) })), // the cases given to kafkajs have no null header values (it cannot write one)
  });
}

const plain = (buf: Buffer) =>
  decodeRecordBatches(buf).flatMap((b) =>
    b.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key?.toString('utf8') ?? null, value: r.valueText(), headers: { ...r.headers } })),
  );

const CASES: Record<string, RecordToEncode[]> = {
  'one keyed record': [{ key: 'k', value: 'v', timestamp: T0 }],
  'null key, null value, empty strings': [
    { key: null, value: 'a', timestamp: T0 },
    { key: 'b', value: null, timestamp: T0 + 1 },
    { key: '', value: '', timestamp: T0 + 2 },
    { value: 'no key at all', timestamp: T0 + 3 },
  ],
  'multi-byte UTF-8 and Buffers': [
    { key: 'ключ', value: 'välue ✓ 𝄞', timestamp: T0 },
    { key: Buffer.from([0, 255, 1]), value: Buffer.from('raw bytes'), timestamp: T0 },
  ],
  headers: [
    { key: 'h', value: 'x', headers: { trace: 'abc', 'ünï': 'çødé', empty: '' }, timestamp: T0 },
    { key: 'h2', value: 'y', headers: {}, timestamp: T0 + 5 },
  ],
  'timestamps out of order (and far apart)': [
    { key: 'a', value: '1', timestamp: T0 + 500 },
    { key: 'b', value: '2', timestamp: T0 },
    { key: 'c', value: '3', timestamp: T0 + 40 * 86_400_000 },
    { key: 'd', value: '4', timestamp: T0 - 3 },
  ],
  'many records': Array.from({ length: 3000 }, (_, i) => ({ key: `key-${i % 97}`, value: JSON.stringify({ i, s: 'x'.repeat(i % 300) }), timestamp: T0 + ((i * 7919) % 1000) })),
  'records without a timestamp': [
    { key: 'a', value: '1' },
    { key: 'b', value: '2', timestamp: T0 - 10 },
  ],
};

describe('encodeRecordBatch', () => {
  for (const [name, records] of Object.entries(CASES)) {
    it(`${name}: decodes back and equals kafkajs's bytes`, async () => {
      const now = T0 + 77;
      const ours = encodeRecordBatch(records, now);
      expect(ours.equals(await reference(records, now))).toBe(true);
      const [b, ...rest] = decodeRecordBatches(ours);
      expect(rest).toHaveLength(0);
      expect(b!.baseOffset).toBe(0);
      expect(b!.lastOffsetDelta).toBe(records.length - 1);
      expect(b!.producerId).toBe(-1);
      expect(b!.transactional).toBe(false);
      expect(plain(ours)).toEqual(
        records.map((r, i) => ({
          offset: i,
          timestamp: r.timestamp ?? now,
          key: r.key === undefined || r.key === null ? null : r.key.toString('utf8'),
          value: r.value === null ? null : r.value.toString('utf8'),
          headers: { ...r.headers },
        })),
      );
    });
  }

  it('writes a valid CRC32C over attributes … end, and the fixed header fields', () => {
    const buf = encodeRecordBatch(CASES['headers']!, T0);
    expect(buf.readUInt32BE(17)).toBe(crc32c(buf.subarray(21)));
    expect(buf.readInt32BE(8)).toBe(buf.length - 12);
    expect(buf.readInt32BE(12)).toBe(-1); // partition leader epoch
    expect(buf.readInt8(16)).toBe(2); // magic
    expect(buf.readInt16BE(21)).toBe(0); // attributes
    expect(buf.readInt16BE(51)).toBe(-1); // producer epoch
    expect(buf.readInt32BE(53)).toBe(-1); // base sequence
    expect(buf.readInt32BE(57)).toBe(2);
  });

  it('writes at an offset inside a larger buffer, touching nothing else', () => {
    const plan = planRecordBatch(CASES['one keyed record']!, T0);
    const out = Buffer.alloc(plan.size + 20, 0xab);
    expect(writeRecordBatch(plan, out, 7)).toBe(7 + plan.size);
    expect(out.subarray(7, 7 + plan.size).equals(encodeRecordBatch(CASES['one keyed record']!, T0))).toBe(true);
    expect([...out.subarray(0, 7), ...out.subarray(7 + plan.size)].every((b) => b === 0xab)).toBe(true);
  });

  it('equals kafkajs on arbitrary records', async () => {
    const rec = fc.record(
      {
        key: fc.option(fc.string({ unit: 'grapheme', maxLength: 20 })),
        value: fc.option(fc.string({ unit: 'grapheme', maxLength: 200 })),
        headers: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 20 }), { maxKeys: 3 }),
        timestamp: fc.integer({ min: T0 - 10_000_000_000, max: T0 + 10_000_000_000 }),
      },
      { requiredKeys: ['value', 'timestamp'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(rec, { minLength: 1, maxLength: 30 }), async (records) => {
        expect(encodeRecordBatch(records, T0).toString('hex')).toBe((await reference(records, T0)).toString('hex'));
      }),
      { numRuns: 200 },
    );
  });
});
