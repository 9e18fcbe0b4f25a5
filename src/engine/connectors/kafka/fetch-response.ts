/**
 * Decoder for the body of a Fetch response, versions 4–11 (the versions kafkajs can
 * negotiate that carry last stable offsets and aborted transactions). Records stay raw:
 * each partition points at its record-set bytes, decoded by record-batch.ts.
 *
 *   v4:  throttle_time_ms [topic [partition error_code high_watermark last_stable_offset
 *        [aborted: producer_id first_offset] records]]
 *   v5+: log_start_offset after last_stable_offset
 *   v7+: error_code session_id after throttle_time_ms
 *   v11: preferred_read_replica after the aborted transactions
 * Strings are int16-length prefixed, arrays int32-count prefixed (-1 = null), records
 * int32-length prefixed bytes (-1 = null).
 */
export const MIN_FETCH_VERSION = 4;
export const MAX_FETCH_VERSION = 11;

const TWO_32 = 4294967296;

export interface AbortedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
}

export interface FetchResponsePartition {
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly abortedTransactions: AbortedTransaction[];
  /** The record set is buf[recordsStart, recordsEnd) (empty when the broker sent null). */
  readonly recordsStart: number;
  readonly recordsEnd: number;
}

export interface FetchResponse {
  readonly clientSideThrottleTime: number;
  /** Top-level error (v7+; 0 before). */
  readonly errorCode: number;
  readonly buf: Buffer;
  readonly topics: { readonly topic: string; readonly partitions: FetchResponsePartition[] }[];
}

export class FetchResponseError extends Error {
  override readonly name = 'FetchResponseError';
}

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new FetchResponseError(`fetch response ends at byte ${this.buf.length}, needs ${n} more bytes at ${this.pos}`);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = this.buf.readInt32BE(this.pos) * TWO_32 + this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return v;
  }
  string(): string {
    const n = this.int16();
    if (n < 0) return '';
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

export function decodeFetchResponse(buf: Buffer, version: number): FetchResponse {
  if (version < MIN_FETCH_VERSION || version > MAX_FETCH_VERSION) throw new FetchResponseError(`Fetch response version ${version} is not decoded (${MIN_FETCH_VERSION}–${MAX_FETCH_VERSION} are)`);
  const c = new Cursor(buf);
  const clientSideThrottleTime = c.int32();
  let errorCode = 0;
  if (version >= 7) {
    errorCode = c.int16();
    c.int32(); // session id: we never open fetch sessions
  }
  const topics: FetchResponse['topics'] = [];
  const topicCount = c.int32();
  for (let t = 0; t < topicCount; t++) {
    const topic = c.string();
    const partitions: FetchResponsePartition[] = [];
    const partitionCount = c.int32();
    for (let p = 0; p < partitionCount; p++) {
      const partition = c.int32();
      const partitionError = c.int16();
      const highWatermark = c.int64();
      const lastStableOffset = c.int64();
      if (version >= 5) c.int64(); // log start offset
      const abortedTransactions: AbortedTransaction[] = [];
      const abortedCount = c.int32();
      for (let a = 0; a < abortedCount; a++) abortedTransactions.push({ producerId: c.int64(), firstOffset: c.int64() });
      if (version >= 11) c.int32(); // preferred read replica
      const size = c.int32();
      const recordsStart = c.pos;
      if (size > 0) {
        c.need(size);
        c.pos += size;
      }
      partitions.push({ partition, errorCode: partitionError, highWatermark, lastStableOffset, abortedTransactions, recordsStart, recordsEnd: c.pos });
    }
    topics.push({ topic, partitions });
  }
  return { clientSideThrottleTime, errorCode, buf, topics };
}
