/**
 * The fast fetch path: the Fetch request is built and sent by kafkajs (its encoder for the
 * version it negotiated with the broker, its connection, SASL/TLS and throttling), but the
 * response is decoded here (fetch-response.ts + record-batch.ts) instead of by kafkajs.
 *
 * The result is what the kafkajs path (`toFetched` in client.ts) returns for the same
 * bytes: the same errors per partition code, records from the requested offset on, control
 * records and aborted transactions' records removed, and the next offset past the last
 * complete batch.
 */
import type { FetchedPartition, KafkaRecord, TopicPartitionOffset } from './client.js';
import { AbortedTransactionFilter } from './aborted-transactions.js';
import { decodeFetchResponse, MAX_FETCH_VERSION, MIN_FETCH_VERSION, type FetchResponse, type FetchResponsePartition } from './fetch-response.js';
import { FETCH_API_KEY, FETCH_REQUESTS, kafkaProtocolError, type RawBroker, type RawProtocolRequest } from './kafkajs-internals.js';
import { decodeRecordBatches, UnsupportedBatchError, type RecordBatch } from './record-batch.js';

export interface RawFetchRequest {
  readonly isolationLevel: number;
  readonly maxWaitTime: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
}

/**
 * Sends one Fetch to `broker` and returns the undecoded-records response, or null when
 * kafkajs negotiated a Fetch version this decoder does not read (the caller then uses
 * kafkajs's own `broker.fetch`). Partition errors throw the errors kafkajs would throw.
 */
export async function sendRawFetch(broker: RawBroker, req: RawFetchRequest): Promise<FetchResponse | null> {
  const built = broker.lookupRequest(FETCH_API_KEY, FETCH_REQUESTS)({ ...req, rackId: '' });
  const version = built.request.apiVersion;
  if (version < MIN_FETCH_VERSION || version > MAX_FETCH_VERSION) return null;
  const request: RawProtocolRequest<FetchResponse> = {
    ...built,
    response: {
      decode: async (payload: Buffer) => decodeFetchResponse(payload, version),
      parse: async (res: FetchResponse) => throwOnError(res),
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

/**
 * One Fetch decoded by Sluice's own decoder; null when this response needs kafkajs's (a
 * Fetch version we do not read, a codec other than gzip, the pre-0.11 message format):
 * the caller then sends the fetch again through kafkajs, so no record is ever dropped.
 */
export async function fetchDecoded(broker: RawBroker, req: RawFetchRequest, reqs: TopicPartitionOffset[]): Promise<FetchedPartition[] | null> {
  const res = await sendRawFetch(broker, req);
  if (res === null) return null;
  const out: FetchedPartition[] = [];
  for (const t of res.topics) {
    for (const p of t.partitions) {
      const r = reqs.find((x) => x.topic === t.topic && x.partition === p.partition);
      if (r === undefined) continue;
      let batches: RecordBatch[];
      try {
        batches = partitionBatches(res, t.topic, p);
      } catch (e) {
        if (e instanceof UnsupportedBatchError) return null;
        throw e;
      }
      out.push(toFetchedPartition(t.topic, r.offset, p, batches));
    }
  }
  return out;
}

/** The first failed partition's error, as kafkajs's fetch parser reports it. */
function throwOnError(res: FetchResponse): FetchResponse {
  for (const t of res.topics) {
    for (const p of t.partitions) if (p.errorCode !== 0) throw kafkaProtocolError(p.errorCode, { topic: t.topic, partition: p.partition });
  }
  if (res.errorCode !== 0) throw kafkaProtocolError(res.errorCode, null);
  return res;
}

/** Decodes a partition's record batches (throws UnsupportedBatchError for what we do not decode). */
export function partitionBatches(res: FetchResponse, topic: string, p: FetchResponsePartition): RecordBatch[] {
  return decodeRecordBatches(res.buf, p.recordsStart, p.recordsEnd, { topic, partition: p.partition });
}

/**
 * Records of `batches` a consumer should see when it asked for `fetchedOffset`: none
 * before it (a batch may start earlier), no control records, and under read_committed
 * (the broker then lists aborted transactions) none of an aborted transaction — a
 * producer's records count as aborted from the transaction's first offset until its
 * control record, the rule of kafkajs's consumer and the Java client.
 */
export function toFetchedPartition(topic: string, fetchedOffset: number, p: FetchResponsePartition, batches: RecordBatch[]): FetchedPartition {
  let next = fetchedOffset;
  for (const b of batches) {
    const end = b.baseOffset + b.lastOffsetDelta + 1;
    if (end > next) next = end;
  }
  const aborted = new AbortedTransactionFilter(p.abortedTransactions);
  const records: KafkaRecord[] = [];
  for (const b of batches) {
    const rs = b.records;
    if (aborted.none) {
      if (b.control) continue;
      // Most batches: all records at or after the requested offset, nothing to filter.
      if (rs.length > 0 && rs[0]!.offset >= fetchedOffset) {
        for (let i = 0; i < rs.length; i++) records.push(rs[i]!);
        continue;
      }
      for (const r of rs) if (r.offset >= fetchedOffset) records.push(r);
      continue;
    }
    for (const r of rs) {
      if (r.offset >= fetchedOffset && aborted.visible(r.offset, b.producerId, b.control, b.transactional)) records.push(r);
    }
  }
  return { topic, partition: p.partition, records, nextOffset: next, highWatermark: p.highWatermark, lastStableOffset: p.lastStableOffset };
}
