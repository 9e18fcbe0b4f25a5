/**
 * Our RecordBatch decoder against batches encoded by kafkajs's own encoder (what its
 * producer sends to a broker), so the test does not share our reading of the format.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c, encodeRecordBatch, type EncodableRecord } from './kafkajs-internals.js';
import { encodeRecordBatch as encodeOwnBatch } from './record-batch-encoder.js';
import { ATTR_CONTROL, ATTR_LOG_APPEND_TIME, decodeRecordBatches, RecordBatchError, UnsupportedBatchError, type RecordBatch } from './record-batch.js';

const T0 = 1_764_000_000_000;

function record(i: number, extra: Partial<EncodableRecord> = {}): EncodableRecord {
  return { offsetDelta: i, timestampDelta: i * 3, key: `k${i}`, value: JSON.stringify({ i, s: 'välue' }), ...extra };
}

async function batch(firstOffset: number, records: EncodableRecord[], o: { compression?: number; transactional?: boolean; producerId?: number; maxTimestamp?: number } = {}): Promise<Buffer> {
  return encodeRecordBatch({ firstOffset, firstTimestamp: T0, lastOffsetDelta: Math.max(0, records.length - 1), records, ...o });
}

/** Sets attribute bits kafkajs's encoder never sets (control, log-append time) and re-signs the batch. */
function withAttributes(buf: Buffer, bits: number): Buffer {
  const out = Buffer.from(buf);
  out.writeInt16BE(out.readInt16BE(21) | bits, 21);
  out.writeUInt32BE(crc32c(out.subarray(21)), 17);
  return out;
}

const plain = (b: RecordBatch) =>
  b.records.map((r) => ({ offset: r.offset, timestamp: r.timestamp, key: r.key?.toString('utf8') ?? null, value: r.valueText(), headers: { ...r.headers } }));

describe('decodeRecordBatches', () => {
  it('decodes many records: offsets, timestamps, keys, values as numbers and text', async () => {
    const n = 2000;
    const [b, ...rest] = decodeRecordBatches(await batch(1_000_000, Array.from({ length: n }, (_, i) => record(i))));
    expect(rest).toHaveLength(0);
    expect(b!.baseOffset).toBe(1_000_000);
    expect(b!.lastOffsetDelta).toBe(n - 1);
    expect(b!.control).toBe(false);
    expect(b!.records).toHaveLength(n);
    for (let i = 0; i < n; i += 97) {
      const r = b!.records[i]!;
      expect(r.offset).toBe(1_000_000 + i);
      expect(r.timestamp).toBe(T0 + i * 3);
      expect(r.key!.toString('utf8')).toBe(`k${i}`);
      expect(JSON.parse(r.valueText()!)).toEqual({ i, s: 'välue' });
      expect(r.value!.toString('utf8')).toBe(r.valueText());
    }
  });

  it('keeps null keys and values apart from empty ones, and decodes headers (last value of a repeated key)', async () => {
    const buf = await batch(5, [
      { offsetDelta: 0, timestampDelta: 0, key: null, value: null },
      { offsetDelta: 1, timestampDelta: 1, key: '', value: '', headers: { a: '1', trace: ['x', 'y'], bin: Buffer.from('été'), empty: '' } },
    ]);
    const [b] = decodeRecordBatches(buf, 0, buf.length, { topic: 't', partition: 3 });
    const [r0, r1] = b!.records;
    expect(r0!.key).toBeNull();
    expect(r0!.value).toBeNull();
    expect(r0!.valueText()).toBeNull();
    expect(r0!.headers).toEqual({});
    expect(r1!.key).toEqual(Buffer.alloc(0));
    expect(r1!.valueText()).toBe('');
    expect(r1!.headers).toEqual({ a: '1', trace: 'y', bin: 'été', empty: '' });
    expect(r1!.topic).toBe('t');
    expect(r1!.partition).toBe(3);
  });

  it('keeps a header whose value is null as null (kafkajs cannot write one; our encoder and librdkafka can)', () => {
    const buf = encodeOwnBatch([{ key: 'k', value: '{}', headers: { trace: null, h: 'x' }, timestamp: 1_000 }], 1_000);
    const [b] = decodeRecordBatches(buf, 0, buf.length, { topic: 't', partition: 0 });
    expect(b!.records[0]!.headers).toEqual({ trace: null, h: 'x' });
  });

  it('decodes several batches in a row, including offsets past 2^32 and producer ids', async () => {
    const big = 2 ** 40 + 7;
    const buf = Buffer.concat([await batch(big, [record(0), record(1)], { producerId: 42, transactional: true }), await batch(big + 2, [record(0)])]);
    const bs = decodeRecordBatches(buf);
    expect(bs.map((b) => [b.baseOffset, b.records.map((r) => r.offset), b.producerId, b.transactional])).toEqual([
      [big, [big, big + 1], 42, true],
      [big + 2, [big + 2], -1, false],
    ]);
  });

  it('ignores a partial batch at the end of a fetch response, wherever it is cut', async () => {
    const first = await batch(0, [record(0), record(1)]);
    const second = await batch(2, [record(0), record(1), record(2)]);
    const whole = Buffer.concat([first, second]);
    for (const cut of [first.length + 1, first.length + 11, first.length + 12, first.length + 40, whole.length - 1]) {
      const bs = decodeRecordBatches(whole, 0, cut);
      expect(bs.map((b) => b.baseOffset)).toEqual([0]);
    }
    expect(decodeRecordBatches(whole, 0, 7)).toEqual([]);
    expect(decodeRecordBatches(whole).map((b) => b.records.length)).toEqual([2, 3]);
  });

  it('reads only the given byte range of a larger buffer (a partition inside a fetch response)', async () => {
    const b = await batch(9, [record(0)]);
    const framed = Buffer.concat([Buffer.from('garbage!'), b, Buffer.from([1, 2, 3])]);
    const [d] = decodeRecordBatches(framed, 8, 8 + b.length);
    expect(d!.records[0]!.offset).toBe(9);
    expect(d!.records[0]!.key!.toString()).toBe('k0');
  });

  it('flags control batches and keeps their producer id (the caller skips them but advances past them)', async () => {
    // A transaction marker: one record whose key is (version 0, type 0 = abort).
    const marker = await batch(17, [{ offsetDelta: 0, timestampDelta: 0, key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }], { producerId: 9, transactional: true });
    const [b] = decodeRecordBatches(withAttributes(marker, ATTR_CONTROL));
    expect(b!.control).toBe(true);
    expect(b!.transactional).toBe(true);
    expect(b!.producerId).toBe(9);
    expect(b!.baseOffset + b!.lastOffsetDelta + 1).toBe(18);
  });

  it('gives every record the batch max timestamp under log-append time', async () => {
    const buf = withAttributes(await batch(0, [record(0), record(1)], { maxTimestamp: T0 + 5000 }), ATTR_LOG_APPEND_TIME);
    expect(decodeRecordBatches(buf)[0]!.records.map((r) => r.timestamp)).toEqual([T0 + 5000, T0 + 5000]);
  });

  it('inflates gzip batches', async () => {
    const records = Array.from({ length: 300 }, (_, i) => record(i, { headers: { h: `v${i}` } }));
    const buf = Buffer.concat([await batch(100, records, { compression: 1 }), await batch(400, [record(0)])]);
    const [g, p] = decodeRecordBatches(buf);
    expect(g!.records).toHaveLength(300);
    expect(g!.records[299]!.offset).toBe(399);
    expect(JSON.parse(g!.records[150]!.valueText()!)).toEqual({ i: 150, s: 'välue' });
    expect(g!.records[150]!.headers).toEqual({ h: 'v150' });
    expect(p!.records[0]!.offset).toBe(400);
  });

  it('refuses codecs it does not implement with an error naming the codec, never by dropping records', async () => {
    const snappy = withAttributes(await batch(0, [record(0)]), 2);
    expect(() => decodeRecordBatches(snappy)).toThrow(UnsupportedBatchError);
    expect(() => decodeRecordBatches(snappy)).toThrow(/snappy/);
    const zstd = withAttributes(await batch(0, [record(0)]), 4);
    expect(() => decodeRecordBatches(zstd)).toThrow(/zstd/);
  });

  it('throws a clear error for a corrupt complete batch', async () => {
    const buf = await batch(0, [record(0), record(1)]);
    const truncatedRecords = Buffer.from(buf);
    truncatedRecords.writeInt32BE(3, 57); // claims 3 records, holds 2
    expect(() => decodeRecordBatches(truncatedRecords)).toThrow(RecordBatchError);
    const badMagic = Buffer.from(buf);
    badMagic.writeInt8(7, 16);
    expect(() => decodeRecordBatches(badMagic)).toThrow(/magic 7/);
    const oldFormat = Buffer.from(buf);
    oldFormat.writeInt8(1, 16);
    expect(() => decodeRecordBatches(oldFormat)).toThrow(UnsupportedBatchError);
  });

  it('decode(encode(records)) = records (property)', async () => {
    const rec = fc.record({
      key: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
      value: fc.option(fc.string({ unit: 'grapheme', maxLength: 200 }), { nil: null }),
      headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
      tsDelta: fc.integer({ min: -1_000_000, max: 2 ** 40 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(rec, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 50 }), fc.boolean(), async (rs, base, gzip) => {
        const encoded = rs.map((r, i) => ({ offsetDelta: i, timestampDelta: r.tsDelta, key: r.key, value: r.value, headers: r.headers }));
        const [b] = decodeRecordBatches(await batch(base, encoded, { compression: gzip ? 1 : 0 }));
        expect(plain(b!)).toEqual(rs.map((r, i) => ({ offset: base + i, timestamp: T0 + r.tsDelta, key: r.key, value: r.value, headers: r.headers })));
      }),
      { numRuns: 150 },
    );
  });
});
