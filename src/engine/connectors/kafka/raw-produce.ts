/**
 * The fast produce path (at-least-once, non-transactional): one Produce request encoded by
 * Sluice (record-batch-encoder.ts writes every batch straight into the request body) and
 * sent on kafkajs's connection to the broker, which keeps SASL/TLS, correlation ids,
 * request timeouts and KIP-219 throttling.
 *
 *   Request v3–v8: transactional_id (nullable string, always null here) acks int16
 *     timeout int32 [topic string [partition int32 records bytes]]
 *   Response v3–v8: [topic string [partition int32 error_code int16 base_offset int64
 *     log_append_time int64 (v5+) log_start_offset int64 (v8+) [batch_index int32
 *     batch_index_error_message nullable string] error_message nullable string]]
 *     throttle_time_ms int32
 * v9+ are flexible versions (compact strings, tagged fields): kafkajs 2.2.4 never
 * negotiates them, and `sendRawProduce` returns null for any version outside 3–8.
 */
import { kafkaProtocolError, PRODUCE_API_KEY, PRODUCE_REQUESTS, type RawBroker, type RawProtocolRequest } from './kafkajs-internals.js';
import { planRecordBatch, writeRecordBatch, type RecordBatchPlan, type RecordToEncode } from './record-batch-encoder.js';

export const MIN_PRODUCE_VERSION = 3;
export const MAX_PRODUCE_VERSION = 8;

const TWO_32 = 4294967296;

export interface ProduceTopic {
  readonly topic: string;
  readonly partitions: { readonly partition: number; readonly records: readonly RecordToEncode[] }[];
}

export interface RawProduceRequest {
  /** −1 (all in-sync replicas) or 1 (leader only); 0 (no response) is not supported. */
  readonly acks: -1 | 1;
  /** How long the broker waits for the replicas' acks, ms. */
  readonly timeoutMs: number;
  readonly topics: readonly ProduceTopic[];
}

/** One partition's outcome; `error` is the error kafkajs would throw for its code. */
export interface ProducedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly error: Error | null;
  /** Offset of the batch's first record (−1 on error). */
  readonly baseOffset: number;
}

export interface ProduceResponse {
  readonly clientSideThrottleTime: number;
  readonly partitions: ProducedPartition[];
}

export class ProduceResponseError extends Error {
  override readonly name = 'ProduceResponseError';
}

/**
 * Sends one Produce to `broker` with every partition of `req` (all of them led by it), or
 * returns null when kafkajs negotiated a version this module does not encode (the caller
 * then sends through kafkajs's producer). Partition errors do not throw: each partition's
 * result carries its error, so a caller can retry the failed partitions alone.
 */
export async function sendRawProduce(broker: RawBroker, req: RawProduceRequest): Promise<ProduceResponse | null> {
  const version = rawProduceVersion(broker);
  if (version === null) return null;
  const body = encodeProduceRequest(req);
  const request: RawProtocolRequest<ProduceResponse> = {
    request: {
      apiKey: PRODUCE_API_KEY,
      apiVersion: version,
      apiName: 'Produce',
      // kafkajs's request framing takes an Encoder: it checks `buf` and copies `buffer`.
      encode: async () => ({ buf: body, buffer: body }),
    },
    response: {
      decode: async (payload: Buffer) => decodeProduceResponse(payload, version),
      parse: async (res: ProduceResponse) => res,
    },
  };
  try {
    return await broker.connectionPool.send(request);
  } catch (e) {
    // As kafkajs's broker does: a closed connection is reopened by the next request.
    if ((e as { name?: string })?.name === 'KafkaJSConnectionClosedError') await broker.disconnect();
    throw e;
  }
}

/** The Produce version kafkajs negotiated with `broker`, or null when this module does not encode it. */
export function rawProduceVersion(broker: RawBroker): number | null {
  // kafkajs's request object is built only to read its version; it is never encoded.
  const version = broker.lookupRequest(PRODUCE_API_KEY, PRODUCE_REQUESTS)({ acks: -1, timeout: 0, topicData: [] }).request.apiVersion;
  return version >= MIN_PRODUCE_VERSION && version <= MAX_PRODUCE_VERSION ? version : null;
}

/** The request body (after the request header) in one Buffer: sizes first, then one write pass. */
export function encodeProduceRequest(req: RawProduceRequest): Buffer {
  const plans: RecordBatchPlan[] = [];
  let size = 2 + 2 + 4 + 4; // null transactional id, acks, timeout, topic count
  for (const t of req.topics) {
    size += 2 + Buffer.byteLength(t.topic, 'utf8') + 4;
    for (const p of t.partitions) {
      const plan = planRecordBatch(p.records);
      plans.push(plan);
      size += 4 + 4 + plan.size;
    }
  }
  const out = Buffer.allocUnsafe(size);
  out.writeInt16BE(-1, 0);
  out.writeInt16BE(req.acks, 2);
  out.writeInt32BE(req.timeoutMs, 4);
  out.writeInt32BE(req.topics.length, 8);
  let pos = 12;
  let plan = 0;
  for (const t of req.topics) {
    const n = out.write(t.topic, pos + 2, 'utf8');
    out.writeInt16BE(n, pos);
    pos += 2 + n;
    out.writeInt32BE(t.partitions.length, pos);
    pos += 4;
    for (const p of t.partitions) {
      const batch = plans[plan++]!;
      out.writeInt32BE(p.partition, pos);
      out.writeInt32BE(batch.size, pos + 4);
      pos = writeRecordBatch(batch, out, pos + 8);
    }
  }
  if (pos !== size) throw new Error(`produce request encoder wrote ${pos} bytes, planned ${size}`);
  return out;
}

export function decodeProduceResponse(buf: Buffer, version: number): ProduceResponse {
  if (version < MIN_PRODUCE_VERSION || version > MAX_PRODUCE_VERSION) throw new ProduceResponseError(`Produce response version ${version} is not decoded (${MIN_PRODUCE_VERSION}–${MAX_PRODUCE_VERSION} are)`);
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > buf.length) throw new ProduceResponseError(`produce response ends at byte ${buf.length}, needs ${n} more bytes at ${pos}`);
  };
  const int16 = () => (need(2), (pos += 2), buf.readInt16BE(pos - 2));
  const int32 = () => (need(4), (pos += 4), buf.readInt32BE(pos - 4));
  const int64 = () => (need(8), (pos += 8), buf.readInt32BE(pos - 8) * TWO_32 + buf.readUInt32BE(pos - 4));
  const string = (): string | null => {
    const n = int16();
    if (n < 0) return null;
    need(n);
    pos += n;
    return buf.toString('utf8', pos - n, pos);
  };
  const partitions: ProducedPartition[] = [];
  const topics = int32();
  for (let t = 0; t < topics; t++) {
    const topic = string() ?? '';
    const count = int32();
    for (let i = 0; i < count; i++) {
      const partition = int32();
      const errorCode = int16();
      const baseOffset = int64();
      int64(); // log append time: −1 under CreateTime
      if (version >= 5) int64(); // log start offset
      let message: string | null = null;
      if (version >= 8) {
        const recordErrors = int32();
        for (let r = 0; r < recordErrors; r++) {
          int32(); // batch index
          string(); // its message: the partition's error message says the same
        }
        message = string();
      }
      let error: Error | null = null;
      if (errorCode !== 0) {
        error = kafkaProtocolError(errorCode, { topic, partition });
        if (message !== null && message !== '') error.message = `${error.message} (${message})`;
      }
      partitions.push({ topic, partition, errorCode, error, baseOffset });
    }
  }
  const throttle = int32();
  // Before v6 the broker delays its answer itself; from v6 on the client must wait (KIP-219).
  return { clientSideThrottleTime: version >= 6 ? throttle : 0, partitions };
}
