/** The Produce request body we write and the responses (v3–v8) we read, byte by byte. */
import { describe, expect, it } from 'vitest';
import { decodeRecordBatches } from './record-batch.js';
import { decodeProduceResponse, encodeProduceRequest, ProduceResponseError } from './raw-produce.js';

const i16 = (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
const i32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
const i64 = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
};
const str = (s: string | null) => (s === null ? i16(-1) : Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]));

/** One topic with partitions (partition, error, base offset), as a broker answers `version`. */
function response(version: number, parts: [number, number, number][], message: string | null = null): Buffer {
  const partitions = parts.map(([p, err, base]) =>
    Buffer.concat([
      i32(p),
      i16(err),
      i64(base),
      i64(-1),
      ...(version >= 5 ? [i64(0)] : []),
      ...(version >= 8 ? [i32(1), i32(0), str('bad record'), str(err === 0 ? null : message)] : []),
    ]),
  );
  return Buffer.concat([i32(1), str('tøpic'), i32(parts.length), ...partitions, i32(250)]);
}

describe('encodeProduceRequest', () => {
  it('writes null transactional id, acks, timeout, topics, partitions and their batches', () => {
    const body = encodeProduceRequest({
      acks: -1,
      timeoutMs: 30_000,
      topics: [{ topic: 'tøpic', partitions: [{ partition: 2, records: [{ key: 'k', value: 'v', timestamp: 5 }] }, { partition: 0, records: [{ value: 'x' }, { value: 'y' }] }] }],
    });
    expect(body.readInt16BE(0)).toBe(-1);
    expect(body.readInt16BE(2)).toBe(-1);
    expect(body.readInt32BE(4)).toBe(30_000);
    expect(body.readInt32BE(8)).toBe(1);
    const nameLength = body.readInt16BE(12);
    expect(body.toString('utf8', 14, 14 + nameLength)).toBe('tøpic');
    let pos = 14 + nameLength;
    expect(body.readInt32BE(pos)).toBe(2);
    pos += 4;
    const seen: [number, (string | null)[]][] = [];
    for (let i = 0; i < 2; i++) {
      const partition = body.readInt32BE(pos);
      const size = body.readInt32BE(pos + 4);
      const [batch] = decodeRecordBatches(body, pos + 8, pos + 8 + size);
      seen.push([partition, batch!.records.map((r) => r.valueText())]);
      pos += 8 + size;
    }
    expect(pos).toBe(body.length);
    expect(seen).toEqual([
      [2, ['v']],
      [0, ['x', 'y']],
    ]);
  });
});

describe('decodeProduceResponse', () => {
  for (const version of [3, 4, 5, 6, 7, 8]) {
    it(`v${version}: base offsets, partition errors, throttle time`, () => {
      const res = decodeProduceResponse(response(version, [[0, 0, 12_345_678_901], [1, 6, -1]], 'leader moved'), version);
      expect(res.clientSideThrottleTime).toBe(version >= 6 ? 250 : 0);
      expect(res.partitions.map(({ error: _e, ...p }) => p)).toEqual([
        { topic: 'tøpic', partition: 0, errorCode: 0, baseOffset: 12_345_678_901 },
        { topic: 'tøpic', partition: 1, errorCode: 6, baseOffset: -1 },
      ]);
      expect(res.partitions[0]!.error).toBeNull();
      const err = res.partitions[1]!.error as Error & { type: string; retriable: boolean };
      expect(err.type).toBe('NOT_LEADER_FOR_PARTITION');
      expect(err.retriable).toBe(true);
      if (version >= 8) expect(err.message).toContain('leader moved');
    });
  }

  it('rejects a truncated response and versions it does not read', () => {
    const full = response(5, [[0, 0, 1]]);
    expect(() => decodeProduceResponse(full.subarray(0, full.length - 3), 5)).toThrow(ProduceResponseError);
    expect(() => decodeProduceResponse(full, 9)).toThrow(ProduceResponseError);
  });
});
