/**
 * Reads a topic of the built-in partitioned log: one split per partition (`<topic>/<p>`),
 * position `{ offset }` = the next offset to read.
 *
 * Bounded: each reader stops at the partition's end offset captured when it opens (a
 * snapshot of the topic, like a Kafka consumer with stopping offsets). Unbounded: a reader
 * that caught up returns `idle`. Each reader has its own connection to the topic file.
 */
import type { Rec } from '../../core/types.js';
import type { PollResult, Source, SourcePosition, SplitInfo, SplitReader } from '../source.js';
import { LogOffsetOutOfRangeError, PartitionedLog, checkTopicName } from './partitioned-log.js';

export interface LogSourceOptions {
  /** The log's directory. */
  path: string;
  topic: string;
  /** Where a reader without a checkpointed position starts. */
  startFrom: 'earliest' | 'latest';
  bounded: boolean;
  /** How long an unbounded reader that caught up asks to wait (default 50 ms). */
  idleRetryMs?: number;
}

const DEFAULT_IDLE_RETRY_MS = 50;

export class LogSource implements Source {
  readonly bounded: boolean;

  constructor(private readonly opts: LogSourceOptions) {
    checkTopicName(opts.topic);
    this.bounded = opts.bounded;
  }

  listSplits(): SplitInfo[] {
    const log = PartitionedLog.open(this.opts.path);
    try {
      const n = log.partitionCount(this.opts.topic);
      return Array.from({ length: n }, (_, p) => ({ id: `${this.opts.topic}/${p}` }));
    } finally {
      log.close();
    }
  }

  openReader(split: SplitInfo, position: SourcePosition | undefined): LogSplitReader {
    const prefix = `${this.opts.topic}/`;
    const p = split.id.startsWith(prefix) ? Number(split.id.slice(prefix.length)) : NaN;
    if (!Number.isInteger(p) || p < 0) throw new Error(`log source: split ${JSON.stringify(split.id)} is not a partition of topic ${this.opts.topic}`);
    return new LogSplitReader(split, this.opts, p, position);
  }
}

export class LogSplitReader implements SplitReader {
  readonly split: SplitInfo;
  private readonly log: PartitionedLog;
  private offset: number;
  /** Bounded: where this reader stops. */
  private readonly stopAt: number | null;
  private readonly idleRetryMs: number;

  constructor(
    split: SplitInfo,
    private readonly opts: LogSourceOptions,
    private readonly partition: number,
    position: SourcePosition | undefined,
  ) {
    this.split = split;
    this.idleRetryMs = opts.idleRetryMs ?? DEFAULT_IDLE_RETRY_MS;
    this.log = PartitionedLog.open(opts.path);
    try {
      const earliest = this.log.earliestOffset(opts.topic, partition);
      const end = this.log.endOffset(opts.topic, partition);
      if (position === undefined) {
        this.offset = opts.startFrom === 'earliest' ? earliest : end;
      } else {
        const o = position['offset'];
        if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) throw new Error(`log source: invalid position ${JSON.stringify(position)} for ${split.id}`);
        if (o < earliest) {
          throw new LogOffsetOutOfRangeError(
            `log source ${split.id}: cannot resume at offset ${o} — the records before offset ${earliest} are gone (deleted by retention); the earliest available offset is ${earliest}`,
            earliest,
            end,
          );
        }
        if (o > end) throw new LogOffsetOutOfRangeError(`log source ${split.id}: resume offset ${o} is beyond the end of the partition (${end})`, earliest, end);
        this.offset = o;
      }
      this.stopAt = opts.bounded ? end : null;
    } catch (err) {
      this.log.close();
      throw err;
    }
  }

  poll(maxRecords: number): PollResult {
    let max = Math.max(0, Math.floor(maxRecords));
    if (this.stopAt !== null) {
      if (this.offset >= this.stopAt) return { kind: 'end' };
      max = Math.min(max, this.stopAt - this.offset);
    }
    const entries = this.log.read(this.opts.topic, this.partition, this.offset, max);
    if (entries.length === 0) {
      // Bounded: the captured end is always readable unless retention overtook us, which read() reports.
      return { kind: 'idle', retryAfterMs: this.idleRetryMs };
    }
    const records: Rec[] = new Array<Rec>(entries.length);
    const timestamps: number[] = new Array<number>(entries.length);
    let allTimed = true;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      records[i] = e.record;
      timestamps[i] = e.ts;
      if (Number.isNaN(e.ts)) allTimed = false;
    }
    this.offset = entries[entries.length - 1]!.offset + 1;
    // Records appended without timestamps: leave event time to the runtime's timestampField.
    return allTimed ? { kind: 'records', records, timestamps } : { kind: 'records', records };
  }

  position(): SourcePosition {
    return { offset: this.offset };
  }

  /** Records between the position and the end (the captured end when bounded). */
  backlog(): number {
    const end = this.stopAt ?? this.log.endOffset(this.opts.topic, this.partition);
    return Math.max(0, end - this.offset);
  }

  close(): void {
    this.log.close();
  }
}
