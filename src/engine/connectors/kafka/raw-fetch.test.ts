/**
 * The fast fetch path without a broker: Fetch response headers of each layout we read, and
 * the consumer rules applied to decoded batches (requested offset, control batches,
 * aborted transactions). test/kafka/fetch-decoder.test.ts compares both paths on a broker.
 */
import { describe, expect, it } from 'vitest';
import { decodeFetchResponse, FetchResponseError, type FetchResponsePartition } from './fetch-response.js';
import { crc32c, encodeRecordBatch } from './kafkajs-internals.js';
import { toFetchedPartition } from './raw-fetch.js';
import { ATTR_CONTROL, decodeRecordBatches } from './record-batch.js';

/** Big-endian writer for hand-built responses. */
class W {
  private parts: Buffer[] = [];
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  i64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    this.i16(Buffer.byteLength(s));
    this.parts.push(Buffer.from(s));
    return this;
  }
  bytes(b: Buffer | null): this {
    if (b === null) return this.i32(-1);
    this.i32(b.length);
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function response(version: number, records: Buffer | null, o: { errorCode?: number; aborted?: [number, number][] } = {}): Buffer {
  const w = new W().i32(7); // throttle
  if (version >= 7) w.i16(0).i32(0);
  w.i32(1).str('orders').i32(1);
  w.i32(2).i16(o.errorCode ?? 0).i64(2 ** 33 + 5).i64(2 ** 33 + 4);
  if (version >= 5) w.i64(0);
  const aborted = o.aborted ?? [];
  w.i32(aborted.length);
  for (const [pid, first] of aborted) w.i64(pid).i64(first);
  if (version >= 11) w.i32(-1);
  return w.bytes(records).done();
}

const T0 = 1_764_000_000_000;
const rec = (i: number) => ({ offsetDelta: i, timestampDelta: i, key: null, value: `{"n":${i}}` });

async function batch(firstOffset: number, n: number, o: { producerId?: number; transactional?: boolean; control?: boolean } = {}): Promise<Buffer> {
  const b = await encodeRecordBatch({ firstOffset, firstTimestamp: T0, lastOffsetDelta: n - 1, producerId: o.producerId ?? -1, transactional: o.transactional ?? false, records: Array.from({ length: n }, (_, i) => rec(i)) });
  if (!o.control) return b;
  b.writeInt16BE(b.readInt16BE(21) | ATTR_CONTROL, 21);
  b.writeUInt32BE(crc32c(b.subarray(21)), 17);
  return b;
}

describe('decodeFetchResponse', () => {
  it.each([4, 5, 7, 11])('reads partition headers, aborted transactions and the record set of version %i', async (v) => {
    const records = await batch(10, 3);
    const res = decodeFetchResponse(response(v, records, { aborted: [[3, 8], [2 ** 35, 9]] }), v);
    expect(res.clientSideThrottleTime).toBe(7);
    const [t] = res.topics;
    expect(t!.topic).toBe('orders');
    const p = t!.partitions[0]!;
    expect(p).toMatchObject({ partition: 2, errorCode: 0, highWatermark: 2 ** 33 + 5, lastStableOffset: 2 ** 33 + 4 });
    expect(p.abortedTransactions).toEqual([
      { producerId: 3, firstOffset: 8 },
      { producerId: 2 ** 35, firstOffset: 9 },
    ]);
    expect(res.buf.subarray(p.recordsStart, p.recordsEnd).equals(records)).toBe(true);
  });

  it('reads a null record set and a partition error code', () => {
    const p = decodeFetchResponse(response(11, null, { errorCode: 1 }), 11).topics[0]!.partitions[0]!;
    expect(p.errorCode).toBe(1);
    expect(p.recordsEnd - p.recordsStart).toBe(0);
  });

  it('fails clearly on a truncated response or a version it does not read', () => {
    const full = response(11, Buffer.alloc(100));
    expect(() => decodeFetchResponse(full.subarray(0, full.length - 1), 11)).toThrow(FetchResponseError);
    expect(() => decodeFetchResponse(full, 12)).toThrow(/version 12/);
  });
});

function partition(aborted: [number, number][] = []): FetchResponsePartition {
  return { partition: 0, errorCode: 0, highWatermark: 100, lastStableOffset: 100, abortedTransactions: aborted.map(([producerId, firstOffset]) => ({ producerId, firstOffset })), recordsStart: 0, recordsEnd: 0 };
}

describe('toFetchedPartition', () => {
  it('starts at the requested offset inside a batch and ends past the last batch, control batches included', async () => {
    const bs = decodeRecordBatches(Buffer.concat([await batch(0, 5), await batch(5, 1, { producerId: 1, transactional: true, control: true })]), 0, undefined, { topic: 't', partition: 0 });
    const f = toFetchedPartition('t', 3, partition(), bs);
    expect(f.records.map((r) => r.offset)).toEqual([3, 4]);
    expect(f.records.map((r) => r.valueText())).toEqual(['{"n":3}', '{"n":4}']);
    expect(f.nextOffset).toBe(6);
    expect(f).toMatchObject({ topic: 't', partition: 0, highWatermark: 100, lastStableOffset: 100 });
  });

  it('keeps the requested offset when nothing came back', () => {
    expect(toFetchedPartition('t', 42, partition(), [])).toMatchObject({ records: [], nextOffset: 42 });
  });

  it('drops an aborted transaction up to its marker, keeps a committed one and non-transactional records', async () => {
    // offsets 0–1 producer 7 (aborted), 2–3 producer 8 (committed), 4 plain, 5 marker of 7, 6 marker of 8, 7–8 producer 7 again (a later, committed transaction)
    const bytes = Buffer.concat([
      await batch(0, 2, { producerId: 7, transactional: true }),
      await batch(2, 2, { producerId: 8, transactional: true }),
      await batch(4, 1),
      await batch(5, 1, { producerId: 7, transactional: true, control: true }),
      await batch(6, 1, { producerId: 8, transactional: true, control: true }),
      await batch(7, 2, { producerId: 7, transactional: true }),
    ]);
    const bs = decodeRecordBatches(bytes);
    const committed = toFetchedPartition('t', 0, partition([[7, 0]]), bs);
    expect(committed.records.map((r) => r.offset)).toEqual([2, 3, 4, 7, 8]);
    expect(committed.nextOffset).toBe(9);
    // read_uncommitted: the broker lists no aborted transactions; only markers are dropped.
    expect(toFetchedPartition('t', 0, partition(), bs).records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 7, 8]);
    // Starting after the aborted records: the transaction still opens, nothing left to drop.
    expect(toFetchedPartition('t', 3, partition([[7, 0]]), bs).records.map((r) => r.offset)).toEqual([3, 4, 7, 8]);
  });
});
