/**
 * Encoder of ONE Kafka RecordBatch v2 (magic 2), the at-least-once producer's format: no
 * compression, not transactional, CreateTime, no producer id (a plain, non-idempotent
 * producer: producerId / producerEpoch / baseSequence −1, as the Java client sends).
 * The layout is the one record-batch.ts decodes (see its header comment).
 *
 * Why our own: kafkajs builds an Encoder object per record, grows buffers by copying,
 * does varlong maths with Long objects and sorts the timestamps as strings for each batch.
 * Here sizes are computed first (`planRecordBatch`) and the batch is written in one pass
 * into a buffer the caller sized (`writeRecordBatch`), so a Produce request is one
 * allocation whatever its record count.
 *
 * Timestamps: a record without one gets Date.now(), read once per batch; firstTimestamp
 * and maxTimestamp are the min and max over all records (including those given "now"), so
 * every timestamp delta is ≥ 0.
 */
import { crc32c } from './crc32c.js';

export interface RecordToEncode {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  /** A null value is written as Kafka's null header value (length −1). */
  readonly headers?: Readonly<Record<string, string | null>>;
  /** ms since the epoch; Date.now() when absent */
  readonly timestamp?: number;
}

/** What `writeRecordBatch` needs: the records and every length, computed once. */
export interface RecordBatchPlan {
  readonly records: readonly RecordToEncode[];
  /** Bytes of the whole batch, baseOffset included. */
  readonly size: number;
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
  readonly now: number;
  /**
   * Per record, in write order: body length, key length, value length, header count, then
   * per header its key and value lengths (−1 = null), so no UTF-8 length is computed twice.
   */
  readonly lengths: number[];
}

/** baseOffset … recordCount. */
const HEADER_BYTES = 61;
const TWO_32 = 4294967296;
const MAGIC = 2;

/** Bytes of a zigzag varint of a 32-bit signed value. */
function varintSize(v: number): number {
  const z = ((v << 1) ^ (v >> 31)) >>> 0;
  return z < 0x80 ? 1 : z < 0x4000 ? 2 : z < 0x200000 ? 3 : z < 0x10000000 ? 4 : 5;
}

/** Bytes of a zigzag varlong of a (safe-integer) value. */
function varlongSize(v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) return varintSize(v);
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, at: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z >= 0x80) {
    buf[at++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[at++] = z;
  return at;
}

function writeVarlong(buf: Buffer, at: number, v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) return writeVarint(buf, at, v);
  // Beyond 31 bits: no bit operators (they truncate to 32 bits).
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  while (z >= 0x80) {
    buf[at++] = (z % 0x80) | 0x80;
    z = Math.floor(z / 0x80);
  }
  buf[at++] = z;
  return at;
}

function writeInt64(buf: Buffer, at: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(v - hi * TWO_32, at + 4);
}

const byteLength = (v: string | Buffer | null | undefined): number => (v === null || v === undefined ? -1 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length);

/** Writes a varint length and the bytes (nothing more for −1 = null). */
function writeBytes(buf: Buffer, at: number, v: string | Buffer | null | undefined, len: number): number {
  at = writeVarint(buf, at, len);
  if (len <= 0) return at;
  if (typeof v === 'string') buf.write(v, at, len, 'utf8');
  else (v as Buffer).copy(buf, at);
  return at + len;
}

export function planRecordBatch(records: readonly RecordToEncode[], now = Date.now()): RecordBatchPlan {
  let first = Infinity;
  let max = -Infinity;
  for (let i = 0; i < records.length; i++) {
    const ts = records[i]!.timestamp ?? now;
    if (ts < first) first = ts;
    if (ts > max) max = ts;
  }
  if (records.length === 0) first = max = now;
  const lengths: number[] = [];
  let size = HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const at = lengths.length;
    lengths.push(0);
    const keyLength = byteLength(r.key);
    const valueLength = byteLength(r.value);
    const countAt = lengths.length + 2;
    lengths.push(keyLength, valueLength, 0);
    // attributes (1 byte) + deltas + key + value + header count
    let body = 1 + varlongSize((r.timestamp ?? now) - first) + varintSize(i) + varintSize(keyLength) + Math.max(keyLength, 0) + varintSize(valueLength) + Math.max(valueLength, 0);
    let headerCount = 0;
    const h = r.headers;
    if (h !== undefined) {
      for (const k in h) {
        const hk = Buffer.byteLength(k, 'utf8');
        const hv = byteLength(h[k]);
        lengths.push(hk, hv);
        body += varintSize(hk) + hk + varintSize(hv) + Math.max(hv, 0);
        headerCount++;
      }
    }
    body += varintSize(headerCount);
    lengths[at] = body;
    lengths[countAt] = headerCount;
    size += varintSize(body) + body;
  }
  return { records, size, firstTimestamp: first, maxTimestamp: max, now, lengths };
}

/** Writes the planned batch at out[at, at + plan.size) and returns its end. */
export function writeRecordBatch(plan: RecordBatchPlan, out: Buffer, at: number): number {
  const { records, lengths, now, firstTimestamp } = plan;
  const end = at + plan.size;
  writeInt64(out, at, 0); // baseOffset: the broker assigns offsets
  out.writeInt32BE(plan.size - 12, at + 8); // batchLength: after baseOffset and itself
  out.writeInt32BE(-1, at + 12); // partitionLeaderEpoch
  out.writeInt8(MAGIC, at + 16);
  out.writeInt16BE(0, at + 21); // attributes
  out.writeInt32BE(records.length - 1, at + 23); // lastOffsetDelta
  writeInt64(out, at + 27, firstTimestamp);
  writeInt64(out, at + 35, plan.maxTimestamp);
  writeInt64(out, at + 43, -1); // producerId
  out.writeInt16BE(-1, at + 51); // producerEpoch
  out.writeInt32BE(-1, at + 53); // baseSequence
  out.writeInt32BE(records.length, at + 57);
  let pos = at + HEADER_BYTES;
  let li = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    pos = writeVarint(out, pos, lengths[li++]!);
    out[pos++] = 0; // record attributes
    pos = writeVarlong(out, pos, (r.timestamp ?? now) - firstTimestamp);
    pos = writeVarint(out, pos, i);
    pos = writeBytes(out, pos, r.key, lengths[li++]!);
    const valueLength = lengths[li++]!;
    pos = writeBytes(out, pos, r.value, valueLength);
    const count = lengths[li++]!;
    pos = writeVarint(out, pos, count);
    if (count === 0) continue;
    const h = r.headers!;
    for (const k in h) {
      pos = writeBytes(out, pos, k, lengths[li++]!);
      pos = writeBytes(out, pos, h[k], lengths[li++]!);
    }
  }
  if (pos !== end) throw new Error(`record batch encoder wrote ${pos - at} bytes, planned ${plan.size}`);
  out.writeUInt32BE(crc32c(out, at + 21, end), at + 17);
  return end;
}

/** One batch in its own Buffer (tests, and callers that send a single batch). */
export function encodeRecordBatch(records: readonly RecordToEncode[], now = Date.now()): Buffer {
  const plan = planRecordBatch(records, now);
  const out = Buffer.allocUnsafe(plan.size);
  writeRecordBatch(plan, out, 0);
  return out;
}
