/**
 * The built-in durable partitioned log: Sluice's stand-in for Kafka out of the box.
 *
 * A log is a directory; each topic is one SQLite file `<dir>/<topic>.db` (WAL, busy
 * timeout), so several processes can append to and read from the same topic at once.
 * Offsets are dense per partition and never reused, also after retention deleted the
 * oldest records. Reading below the earliest retained offset is an error that says so
 * ({@link LogOffsetOutOfRangeError}) — never a silent skip.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Rec } from '../../core/types.js';
import { TopicStore, type EncodedRow, type LogEntry, type LogRetention, type PartitionOffsets } from './topic-store.js';

export { LogOffsetOutOfRangeError } from './topic-store.js';
export type { EncodedRow, LogEntry, LogRetention, PartitionOffsets } from './topic-store.js';

export interface PartitionedLogOptions {
  /** Clock for append times and age-based retention (ms since the epoch). Default `Date.now`. */
  now?: () => number;
  /**
   * `normal` (default): an append survives a crash of any process. `full`: also a power
   * loss (an fsync per transaction); the exactly-once sink's staging uses it.
   */
  synchronous?: 'full' | 'normal';
}

export interface TopicDescription {
  name: string;
  partitions: PartitionOffsets[];
  retention: LogRetention;
}

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,200}$/;
const DB_SUFFIX = '.db';

export function checkTopicName(name: string): void {
  if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
    throw new Error(`invalid log topic name ${JSON.stringify(name)}: use 1–200 letters, digits, '.', '_' or '-'`);
  }
}

/** Turns records and their timestamps into rows for one partition. */
export function encodeRows(partition: number, records: readonly Rec[], timestamps?: readonly number[]): EncodedRow[] {
  const rows = new Array<EncodedRow>(records.length);
  for (let i = 0; i < records.length; i++) {
    const ts = timestamps?.[i];
    rows[i] = { partition, value: JSON.stringify(records[i]), ts: ts !== undefined && Number.isFinite(ts) ? ts : null };
  }
  return rows;
}

export class PartitionedLog {
  private readonly stores = new Map<string, TopicStore>();
  private readonly now: () => number;
  private readonly synchronous: 'full' | 'normal';
  private closed = false;

  private constructor(
    readonly dir: string,
    opts: PartitionedLogOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.synchronous = opts.synchronous ?? 'normal';
  }

  /** Opens (creating when missing) the log stored in `dir`. */
  static open(dir: string, opts: PartitionedLogOptions = {}): PartitionedLog {
    const abs = path.resolve(dir);
    fs.mkdirSync(abs, { recursive: true });
    return new PartitionedLog(abs, opts);
  }

  /**
   * Creates a topic. Creating one that exists with the same partition count is a no-op
   * (its retention is updated when given), so several processes may race to create it.
   */
  createTopic(name: string, partitions: number, retention?: LogRetention): void {
    checkTopicName(name);
    if (!(Number.isSafeInteger(partitions) && partitions >= 1)) throw new Error(`log topic ${name}: partitions must be an integer ≥ 1, got ${partitions}`);
    checkRetention(name, retention);
    const existing = this.stores.get(name);
    if (existing !== undefined && existing.partitionCount !== partitions) {
      throw new Error(`log topic ${name} already exists with ${existing.partitionCount} partitions, not ${partitions}`);
    }
    const store = TopicStore.create(this.file(name), name, partitions, retention, this.now, this.synchronous);
    existing?.close();
    this.stores.set(name, store);
  }

  hasTopic(name: string): boolean {
    checkTopicName(name);
    return this.stores.has(name) || fs.existsSync(this.file(name));
  }

  /** Topic names, sorted. */
  topics(): string[] {
    this.checkOpen();
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith(DB_SUFFIX))
      .map((f) => f.slice(0, -DB_SUFFIX.length))
      .filter((n) => TOPIC_NAME.test(n))
      .sort();
  }

  describe(topic: string): TopicDescription {
    const store = this.store(topic);
    return { name: topic, partitions: store.allOffsets(), retention: store.retention() };
  }

  partitionCount(topic: string): number {
    return this.store(topic).partitionCount;
  }

  /** Appends records to one partition in one transaction. */
  append(topic: string, partition: number, records: readonly Rec[], timestamps?: readonly number[]): { baseOffset: number; lastOffset: number } {
    const store = this.store(topic);
    if (records.length === 0) {
      const end = store.offsets(partition).endOffset;
      return { baseOffset: end, lastOffset: end - 1 };
    }
    const range = store.append(encodeRows(partition, records, timestamps)).get(partition);
    return range as { baseOffset: number; lastOffset: number };
  }

  /** Appends pre-encoded rows to any partitions of `topic` in one transaction. */
  appendRows(topic: string, rows: readonly EncodedRow[]): Map<number, { baseOffset: number; lastOffset: number }> {
    if (rows.length === 0) return new Map();
    return this.store(topic).append(rows);
  }

  /**
   * Up to `max` records from `fromOffset` on. Throws {@link LogOffsetOutOfRangeError} when
   * `fromOffset` is below the earliest retained offset or beyond the end.
   */
  read(topic: string, partition: number, fromOffset: number, max: number): LogEntry[] {
    return this.store(topic).read(partition, fromOffset, max);
  }

  /** The offset the next appended record will get. */
  endOffset(topic: string, partition: number): number {
    return this.store(topic).offsets(partition).endOffset;
  }

  /** The oldest offset still stored (equals endOffset when the partition is empty). */
  earliestOffset(topic: string, partition: number): number {
    return this.store(topic).offsets(partition).earliestOffset;
  }

  /** Applies every topic's retention; returns the partitions that lost records. */
  enforceRetention(): { topic: string; partition: number; removed: number; earliestOffset: number }[] {
    const out: { topic: string; partition: number; removed: number; earliestOffset: number }[] = [];
    for (const topic of this.topics()) {
      for (const r of this.store(topic).enforceRetention()) out.push({ topic, ...r });
    }
    return out;
  }

  /** The topic's store, for the exactly-once sink's staging. */
  topicStore(topic: string): TopicStore {
    return this.store(topic);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.stores.values()) s.close();
    this.stores.clear();
  }

  private store(topic: string): TopicStore {
    this.checkOpen();
    let s = this.stores.get(topic);
    if (s === undefined) {
      checkTopicName(topic);
      const file = this.file(topic);
      if (!fs.existsSync(file)) throw new Error(`log topic ${topic} does not exist in ${this.dir}`);
      s = TopicStore.open(file, topic, this.now, this.synchronous);
      this.stores.set(topic, s);
    }
    return s;
  }

  private file(topic: string): string {
    return path.join(this.dir, topic + DB_SUFFIX);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`partitioned log ${this.dir} is closed`);
  }
}

function checkRetention(topic: string, r: LogRetention | undefined): void {
  if (r === undefined) return;
  if (r.maxRecords !== undefined && !(Number.isSafeInteger(r.maxRecords) && r.maxRecords >= 0)) {
    throw new Error(`log topic ${topic}: retention.maxRecords must be an integer ≥ 0, got ${r.maxRecords}`);
  }
  if (r.maxAgeMs !== undefined && !(Number.isSafeInteger(r.maxAgeMs) && r.maxAgeMs >= 0)) {
    throw new Error(`log topic ${topic}: retention.maxAgeMs must be an integer ≥ 0, got ${r.maxAgeMs}`);
  }
}
