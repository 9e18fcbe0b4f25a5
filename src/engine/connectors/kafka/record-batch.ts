/**
 * Decoder for Kafka's RecordBatch format (magic 2, Kafka ≥ 0.11), our own, so the source
 * reads a fetch response without kafkajs's per-record garbage (Long offsets, decimal
 * strings, a Buffer per key and value, header objects).
 *
 * Layout (big-endian; see the "Record Batch" section of Kafka's protocol docs):
 *   baseOffset int64 · batchLength int32 · partitionLeaderEpoch int32 · magic int8 · crc uint32 ·
 *   attributes int16 · lastOffsetDelta int32 · baseTimestamp int64 · maxTimestamp int64 ·
 *   producerId int64 · producerEpoch int16 · baseSequence int32 · recordCount int32 · records
 * A record: length varint · attributes int8 · timestampDelta varlong · offsetDelta varint ·
 *   key (varint length, -1 = null) · value (same) · headerCount varint · headers
 *   (key: varint length + UTF-8, value: varint length + bytes, -1 = null).
 *
 * Contracts:
 * - int64 fields are read as two 32-bit halves into JS numbers: offsets, timestamps and
 *   producer ids of real clusters stay below 2^53.
 * - A fetch response may end with a partial batch (the broker cuts at max bytes): it is
 *   ignored, never an error. Everything inside a complete batch must parse, or we throw.
 * - CRC32C is NOT verified: a consumer may skip it (librdkafka's check.crcs defaults to
 *   false, kcat does not check); TCP checksums the bytes and the broker verified the CRC
 *   when it appended the batch. A JS CRC32C over every byte would cost more than the rest
 *   of this decoder.
 * - Keys, values and headers stay views into the response buffer and are decoded only when
 *   read: the source wants the value as text, the explorer wants keys and headers too.
 * - gzip is inflated with node:zlib; snappy, lz4 and zstd, and the pre-0.11 message formats
 *   (magic 0/1), throw UnsupportedBatchError: the client then decodes that fetch with
 *   kafkajs, which knows the old formats and any codec a user registered with it.
 */
import { gunzipSync } from 'node:zlib';

export const ATTR_CODEC_MASK = 0x07;
export const ATTR_LOG_APPEND_TIME = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

/** baseOffset … recordCount: the fixed part of a batch. */
export const BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength: the part not counted in batchLength. */
const LOG_OVERHEAD = 12;
const TWO_32 = 4294967296;

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export class RecordBatchError extends Error {
  override readonly name: string = 'RecordBatchError';
}

/** A well-formed batch this decoder does not implement (a codec other than gzip, magic < 2). */
export class UnsupportedBatchError extends RecordBatchError {
  override readonly name = 'UnsupportedBatchError';
}

/** Where records came from: shared by every record of a partition's fetch. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
}

const NO_ORIGIN: RecordOrigin = { topic: '', partition: -1 };

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * One record of a batch. Offsets and timestamps are plain numbers; key, value and headers
 * are decoded from the batch's buffer on first use.
 */
export class BatchRecord {
  constructor(
    private readonly origin: RecordOrigin,
    readonly offset: number,
    readonly timestamp: number,
    private readonly buf: Buffer,
    private readonly keyStart: number,
    /** -1 = null key */
    private readonly keyLength: number,
    private readonly valueStart: number,
    /** -1 = null value */
    private readonly valueLength: number,
    /** Position of the header count varint. */
    private readonly headersStart: number,
  ) {}

  get topic(): string {
    return this.origin.topic;
  }

  get partition(): number {
    return this.origin.partition;
  }

  get key(): Buffer | null {
    return this.keyLength < 0 ? null : this.buf.subarray(this.keyStart, this.keyStart + this.keyLength);
  }

  get value(): Buffer | null {
    return this.valueLength < 0 ? null : this.buf.subarray(this.valueStart, this.valueStart + this.valueLength);
  }

  /** The value as UTF-8 text without a Buffer view in between (what the source parses). */
  valueText(): string | null {
    return this.valueLength < 0 ? null : this.buf.toString('utf8', this.valueStart, this.valueStart + this.valueLength);
  }

  /** Header values as UTF-8 text, null for a null value; a repeated key keeps its last value. */
  get headers(): Readonly<Record<string, string | null>> {
    const r = new Reader(this.buf, this.headersStart, this.buf.length);
    const n = r.varint();
    if (n <= 0) return NO_HEADERS;
    const out: Record<string, string | null> = {};
    for (let i = 0; i < n; i++) {
      const kl = r.varint();
      const k = this.buf.toString('utf8', r.pos, r.skip(kl));
      const vl = r.varint();
      if (vl < 0) {
        out[k] = null;
        continue;
      }
      out[k] = this.buf.toString('utf8', r.pos, r.skip(vl));
    }
    return out;
  }
}

export interface RecordBatch {
  readonly baseOffset: number;
  readonly lastOffsetDelta: number;
  readonly producerId: number;
  readonly transactional: boolean;
  /** A transaction marker batch: its records are control records, never data. */
  readonly control: boolean;
  readonly records: BatchRecord[];
}

/** A cursor over buf[pos, end) that throws on reading past `end`. */
class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  /** Advances past `n` bytes and returns the new position. */
  skip(n: number): number {
    const p = this.pos + n;
    if (n < 0 || p > this.end) throw new RecordBatchError(`record extends past the end of its batch (needs ${n} bytes at ${this.pos}, batch ends at ${this.end})`);
    return (this.pos = p);
  }

  int8(): number {
    this.skip(1);
    return this.buf.readInt8(this.pos - 1);
  }

  /** Zigzag varint (≤ 5 bytes) as a 32-bit signed number. */
  varint(): number {
    const buf = this.buf;
    let raw = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new RecordBatchError(`varint runs past the end of its batch at ${this.pos}`);
      const b = buf[this.pos++]!;
      raw |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new RecordBatchError(`varint longer than 5 bytes at ${this.pos}`);
    }
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Zigzag varlong (≤ 10 bytes) as a number; exact while |value| < 2^53. */
  varlong(): number {
    const buf = this.buf;
    let raw = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) throw new RecordBatchError(`varlong runs past the end of its batch at ${this.pos}`);
      if (i >= 10) throw new RecordBatchError(`varlong longer than 10 bytes at ${this.pos}`);
      const b = buf[this.pos++]!;
      raw += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 128;
    }
    // zigzag: even → raw / 2, odd → -(raw + 1) / 2 (no bit operators: raw may exceed 32 bits)
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }
}

function int64(buf: Buffer, at: number): number {
  return buf.readInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4);
}

/**
 * Decodes the record batches in buf[start, end) (a partition's record set in a fetch
 * response). A trailing partial batch is left out. Throws RecordBatchError on a malformed
 * complete batch, UnsupportedBatchError on a codec other than gzip or magic < 2.
 */
export function decodeRecordBatches(buf: Buffer, start = 0, end = buf.length, origin: RecordOrigin = NO_ORIGIN): RecordBatch[] {
  const batches: RecordBatch[] = [];
  let pos = start;
  while (end - pos >= LOG_OVERHEAD) {
    const batchLength = buf.readInt32BE(pos + 8);
    const batchEnd = pos + LOG_OVERHEAD + batchLength;
    if (batchEnd > end) break; // partial last batch: the broker cut the response at max bytes
    // The magic byte sits at the same place in every format (old message sets included).
    const magic = batchLength >= 5 ? buf.readInt8(pos + 16) : -1;
    if (magic !== 2) throw new (magic === 0 || magic === 1 ? UnsupportedBatchError : RecordBatchError)(`record batch at byte ${pos - start} has magic ${magic}: only the v2 format (Kafka ≥ 0.11) is decoded`);
    if (batchLength < BATCH_HEADER_BYTES - LOG_OVERHEAD) throw new RecordBatchError(`record batch at byte ${pos - start} is ${batchLength} bytes long, shorter than a batch header`);
    batches.push(decodeBatch(buf, pos, batchEnd, origin));
    pos = batchEnd;
  }
  return batches;
}

function decodeBatch(buf: Buffer, pos: number, batchEnd: number, origin: RecordOrigin): RecordBatch {
  const baseOffset = int64(buf, pos);
  const attributes = buf.readInt16BE(pos + 21);
  const lastOffsetDelta = buf.readInt32BE(pos + 23);
  const baseTimestamp = int64(buf, pos + 27);
  const maxTimestamp = int64(buf, pos + 35);
  const producerId = int64(buf, pos + 43);
  const count = buf.readInt32BE(pos + 57);
  if (count < 0) throw new RecordBatchError(`record batch at offset ${baseOffset} has a negative record count ${count}`);
  const codec = attributes & ATTR_CODEC_MASK;
  let data = buf;
  let from = pos + BATCH_HEADER_BYTES;
  let to = batchEnd;
  if (codec !== 0) {
    if (codec !== 1) throw new UnsupportedBatchError(`record batch at offset ${baseOffset} is compressed with ${CODEC_NAMES[codec] ?? `codec ${codec}`}, which Sluice's decoder does not implement`);
    try {
      data = gunzipSync(buf.subarray(from, to));
    } catch (e) {
      throw new RecordBatchError(`record batch at offset ${baseOffset}: gzip data is corrupt (${e instanceof Error ? e.message : String(e)})`);
    }
    from = 0;
    to = data.length;
  }
  // Log-append time: the broker's time is the batch's max timestamp, for every record.
  const logAppendTime = (attributes & ATTR_LOG_APPEND_TIME) !== 0;
  const r = new Reader(data, from, to);
  const records = new Array<BatchRecord>(count);
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    const recordEnd = r.pos + length;
    if (length < 0 || recordEnd > to) throw new RecordBatchError(`record ${i} of the batch at offset ${baseOffset} extends past the batch`);
    r.pos += 1; // record attributes: unused
    const tsDelta = r.varlong();
    const offsetDelta = r.varint();
    const keyLength = r.varint();
    const keyStart = r.pos;
    if (keyLength > 0) r.skip(keyLength);
    const valueLength = r.varint();
    const valueStart = r.pos;
    if (valueLength > 0) r.skip(valueLength);
    if (r.pos >= recordEnd) throw new RecordBatchError(`record ${i} of the batch at offset ${baseOffset} has no header count`);
    records[i] = new BatchRecord(origin, baseOffset + offsetDelta, logAppendTime ? maxTimestamp : baseTimestamp + tsDelta, data, keyStart, keyLength, valueStart, valueLength, r.pos);
    r.pos = recordEnd;
  }
  return {
    baseOffset,
    lastOffsetDelta,
    producerId,
    transactional: (attributes & ATTR_TRANSACTIONAL) !== 0,
    control: (attributes & ATTR_CONTROL) !== 0,
    records,
  };
}
