/**
 * The Kafka source. Each topic-partition is a split (`topic/partition`), so the runtime's
 * deterministic split assignment, per-split watermarks and idleness apply per partition.
 *
 * Assignment without `assign()`: kafkajs only consumes through group membership, so we do
 * not use its consumer. Each reader fetches its partition from the partition leader with
 * kafkajs's own Cluster/Broker (see kafkajs-internals.ts): no group, no rebalance, no
 * partition ever read by two workers. The position (next offset to read) lives in the
 * checkpoint; recovery opens readers at the checkpointed offsets. The consumer group —
 * when `groupId` is set — only receives the offsets of completed checkpoints
 * (`notifyCheckpointComplete`), so `kafka-consumer-groups` shows the job's real lag.
 *
 * Failures: leader changes, broker restarts and connection errors are retried with
 * backoff (metadata refreshed) without losing the position; an offset that no longer
 * exists (retention) or a topic that vanished fails the job with a clear error.
 */
import type { DeadLetter, Rec } from '../../core/types.js';
import type { SaslSpec } from '../../job/spec.js';
import type { PollResult, Source, SourcePosition, SplitInfo, SplitReader } from '../source.js';
import { KafkaClient, type FetchedPartition, type KafkaRecord } from './client.js';
import { describeKafkaError, isRetriableFetchError, KafkaError, rootCause } from './errors.js';

export interface KafkaSourceOptions {
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  readonly groupId: string | null;
  readonly startFrom: 'earliest' | 'latest' | 'group' | { readonly timestamp: number };
  readonly isolation: 'read_committed' | 'read_uncommitted';
  readonly ssl: boolean;
  readonly sasl: SaslSpec | null;
  /** Read up to the end offsets seen when a split is first opened, then end. */
  readonly bounded: boolean;
  readonly clientId?: string;
  /** How long to keep retrying an unreachable cluster before failing the job (default 120 s). */
  readonly reconnectTimeoutMs?: number;
}

const splitId = (topic: string, partition: number): string => `${topic}/${partition}`;

function parseSplit(id: string): { topic: string; partition: number } {
  const i = id.lastIndexOf('/');
  return { topic: id.slice(0, i), partition: Number(id.slice(i + 1)) };
}

export class KafkaSource implements Source {
  readonly bounded: boolean;
  private client: KafkaClient | null = null;
  private readonly readers = new Set<KafkaSplitReader>();

  constructor(private readonly opts: KafkaSourceOptions) {
    this.bounded = opts.bounded;
  }

  private clientFor(): KafkaClient {
    this.client ??= new KafkaClient({
      brokers: this.opts.brokers,
      clientId: this.opts.clientId ?? 'sluice-source',
      ssl: this.opts.ssl,
      sasl: this.opts.sasl,
      retries: 2,
    });
    return this.client;
  }

  async listSplits(): Promise<SplitInfo[]> {
    const client = this.clientFor();
    const known = new Set(await client.listTopics());
    const missing = this.opts.topics.filter((t) => !known.has(t));
    if (missing.length > 0) throw new KafkaError('unknown-topic', `kafka source: topic ${missing.map((t) => `"${t}"`).join(', ')} does not exist on ${client.brokers.join(',')}`);
    const md = await client.topicMetadata([...this.opts.topics]);
    const out: SplitInfo[] = [];
    for (const t of [...this.opts.topics].sort()) {
      const m = md.find((x) => x.name === t);
      for (const p of m?.partitions ?? []) out.push({ id: splitId(t, p.partition) });
    }
    return out;
  }

  async openReader(split: SplitInfo, position: SourcePosition | undefined): Promise<SplitReader> {
    const { topic, partition } = parseSplit(split.id);
    const client = this.clientFor();
    let offset: number;
    let end: number | null = null;
    if (position !== undefined && typeof position['offset'] === 'number') {
      offset = position['offset'];
      end = typeof position['end'] === 'number' ? position['end'] : null;
    } else {
      offset = await this.startOffset(client, topic, partition);
    }
    if (this.opts.bounded && end === null) {
      const ends = await client.topicOffsets(topic);
      end = ends.find((e) => e.partition === partition)?.high ?? 0;
    }
    const r = new KafkaSplitReader(split, client, topic, partition, offset, end, this.opts.isolation, this.opts.reconnectTimeoutMs ?? 120_000, () => this.readers.delete(r));
    this.readers.add(r);
    return r;
  }

  private async startOffset(client: KafkaClient, topic: string, partition: number): Promise<number> {
    const ends = (await client.topicOffsets(topic)).find((e) => e.partition === partition);
    if (ends === undefined) throw new KafkaError('unknown-topic', `kafka source: topic "${topic}" has no partition ${partition}`);
    const from = this.opts.startFrom;
    if (from === 'earliest') return ends.low;
    if (from === 'latest') return ends.high;
    if (from === 'group') {
      if (this.opts.groupId === null) throw new KafkaError('invalid', 'kafka source: startFrom "group" needs a groupId');
      const committed = (await client.groupOffsets(this.opts.groupId, [topic])).find((o) => o.partition === partition)?.offset ?? -1;
      // No committed offset for this partition yet: start at the earliest record (Kafka's auto.offset.reset=earliest).
      return committed >= 0 ? Math.min(Math.max(committed, ends.low), ends.high) : ends.low;
    }
    const byTime = (await client.offsetsForTimestamp(topic, from.timestamp)).find((o) => o.partition === partition)?.offset ?? -1;
    return byTime >= 0 ? byTime : ends.high;
  }

  /**
   * Called in the worker when checkpoint `checkpoint` completed: commits its source offsets
   * to the consumer group, for outside observers only (the checkpoint stays the truth).
   */
  async notifyCheckpointComplete(_checkpoint: number, positions: Readonly<Record<string, SourcePosition>>): Promise<void> {
    if (this.opts.groupId === null) return;
    const offsets = Object.entries(positions)
      .filter(([, p]) => typeof p['offset'] === 'number')
      .map(([id, p]) => ({ ...parseSplit(id), offset: p['offset'] as number }));
    if (offsets.length > 0) await this.clientFor().commitGroupOffsets(this.opts.groupId, offsets);
  }

  async close(): Promise<void> {
    for (const r of [...this.readers]) await r.close();
    const c = this.client;
    this.client = null;
    await c?.close();
  }
}

const MAX_BUFFERED = 4096;

class KafkaSplitReader implements SplitReader {
  /** Fetched records not yet returned are buffer[head..]: a read index, not splice(0, n), which copies the rest on every poll. */
  private buffer: KafkaRecord[] = [];
  private head = 0;
  /** Next offset to fetch (after everything buffered). */
  private fetchOffset: number;
  /** Position after the last record returned by poll. */
  private pos: number;
  private highWatermark: number | null = null;
  private inFlight: Promise<void> | null = null;
  private failure: Error | null = null;
  private retryAt = 0;
  private failingSince: number | null = null;
  private backoffMs = 100;
  private closed = false;

  constructor(
    readonly split: SplitInfo,
    private readonly client: KafkaClient,
    private readonly topic: string,
    private readonly partition: number,
    offset: number,
    private readonly end: number | null,
    private readonly isolation: 'read_committed' | 'read_uncommitted',
    private readonly reconnectTimeoutMs: number,
    private readonly onClose: () => void,
  ) {
    this.fetchOffset = offset;
    this.pos = offset;
  }

  poll(maxRecords: number): PollResult {
    if (this.failure !== null) throw this.failure;
    if (this.buffered === 0) {
      if (this.end !== null && this.pos >= this.end) return { kind: 'end' };
      this.prefetch();
      // Behind the log's end, the fetch in flight returns data within a few ms: look again
      // soon (5 ms idle per fetch halved a fast read). Caught up, it is a long poll.
      const behind = this.highWatermark !== null && this.fetchOffset < this.highWatermark;
      return { kind: 'idle', retryAfterMs: this.inFlight !== null ? (behind ? 1 : 5) : Math.max(5, this.retryAt - Date.now()) };
    }
    const from = this.head;
    const to = from + Math.min(maxRecords, this.buffered);
    this.head = to;
    // When the buffer is drained the position is the fetch position, past control batches.
    this.pos = this.buffered === 0 ? this.fetchOffset : this.buffer[to - 1]!.offset + 1;
    // The fetch only starts here; its records are appended after this synchronous poll.
    if (this.buffered < MAX_BUFFERED / 2) this.prefetch();
    const buffer = this.buffer;
    const records: Rec[] = [];
    const timestamps: number[] = [];
    const deadLetters: DeadLetter[] = [];
    for (let i = from; i < to; i++) {
      const r = buffer[i]!;
      const text = r.valueText();
      let v: unknown;
      try {
        v = text === null ? null : JSON.parse(text);
      } catch (e) {
        deadLetters.push({ origin: this.origin(r), reason: `record value is not JSON: ${e instanceof Error ? e.message : String(e)}`, raw: text });
        continue;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        deadLetters.push({ origin: this.origin(r), reason: `record value is not a JSON object (${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v})`, raw: text });
        continue;
      }
      records.push(v as Rec);
      timestamps.push(r.timestamp);
    }
    if (this.buffered === 0) {
      this.buffer = [];
      this.head = 0;
    }
    return deadLetters.length > 0 ? { kind: 'records', records, timestamps, deadLetters } : { kind: 'records', records, timestamps };
  }

  private prefetch(): void {
    if (this.inFlight !== null || this.closed || Date.now() < this.retryAt) return;
    if (this.end !== null && this.fetchOffset >= this.end) return;
    if (this.buffered >= MAX_BUFFERED) return;
    this.inFlight = this.client
      .fetch([{ topic: this.topic, partition: this.partition, offset: this.fetchOffset }], { isolation: this.isolation, maxWaitMs: 100, retries: 0 })
      .then(
        (res) => this.onFetched(res.find((r) => r.partition === this.partition && r.topic === this.topic)),
        (e: unknown) => this.onFetchError(e),
      )
      .finally(() => {
        this.inFlight = null;
      });
  }

  private onFetched(res: FetchedPartition | undefined): void {
    this.failingSince = null;
    this.backoffMs = 100;
    if (res === undefined) return;
    this.highWatermark = res.highWatermark;
    let records = res.records;
    if (this.end !== null) records = records.filter((r) => r.offset < this.end!);
    // No push(...records): a fetch of many small records would overflow the argument stack.
    if (records.length > 0) {
      this.buffer = this.head === 0 ? this.buffer.concat(records) : this.buffer.slice(this.head).concat(records);
      this.head = 0;
    }
    this.fetchOffset = this.end !== null ? Math.min(res.nextOffset, Math.max(this.end, this.fetchOffset)) : res.nextOffset;
    if (this.buffered === 0) this.pos = this.fetchOffset;
  }

  /** `topic/partition@offset`, built only for a dead letter (not for every record read). */
  private origin(r: KafkaRecord): string {
    return `${this.topic}/${this.partition}@${r.offset}`;
  }

  private get buffered(): number {
    return this.buffer.length - this.head;
  }

  private onFetchError(e: unknown): void {
    const root = rootCause(e) as { name?: string; type?: string };
    if (root?.name === 'KafkaJSOffsetOutOfRange' || root?.type === 'OFFSET_OUT_OF_RANGE') {
      this.failure = new KafkaError('other', `kafka source: offset ${this.fetchOffset} of ${this.topic}/${this.partition} is no longer in the log (deleted by retention?); the records from there on are lost to this job`, e);
      return;
    }
    const now = Date.now();
    this.failingSince ??= now;
    const retriable = isRetriableFetchError(e) || (e instanceof KafkaError && (e.kind === 'unreachable' || e.kind === 'timeout' || e.kind === 'unknown-topic'));
    if (!retriable || now - this.failingSince > this.reconnectTimeoutMs) {
      this.failure = describeKafkaError(e, `kafka source: read ${this.topic}/${this.partition} at offset ${this.fetchOffset}${retriable ? ` (retried for ${Math.round((now - this.failingSince) / 1000)} s)` : ''}`);
      return;
    }
    this.retryAt = now + this.backoffMs;
    this.backoffMs = Math.min(2_000, this.backoffMs * 2);
  }

  position(): SourcePosition {
    return this.end === null ? { offset: this.pos } : { offset: this.pos, end: this.end };
  }

  backlog(): number | undefined {
    const head = this.end ?? this.highWatermark;
    return head === null ? undefined : Math.max(0, head - this.pos);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inFlight?.catch(() => undefined);
    this.onClose();
  }
}
