/**
 * Writes records to a topic of the built-in partitioned log.
 *
 * A record goes to partition murmur3(key) % partitions, where key is the `keyField` value
 * as a string (a string as is, other values as JSON; a missing field as `null`), so the
 * same key always lands in the same partition. Without a `keyField` records are spread
 * round-robin.
 *
 * - at-least-once: writers append straight to the partitions; replays after a failure
 *   append again.
 * - exactly-once: writers keep the records of the current checkpoint in memory and on
 *   `preCommit(n)` stage them in the topic file's `staged` table under (n, subtask), in one
 *   transaction (replacing an earlier staging of the same pair). The committer appends the
 *   staged rows of checkpoints ≤ n in (checkpoint, subtask, seq) order and deletes them in
 *   one transaction, so committing twice appends once.
 */
import { murmur3 } from '../../core/keygroups.js';
import type { CheckpointId, RecordBatch } from '../../core/types.js';
import type { DeliveryGuarantee, Sink, SinkCommitter, SinkWriter } from '../sink.js';
import { PartitionedLog, type EncodedRow, type LogRetention } from './partitioned-log.js';

export interface LogSinkOptions {
  /** The log's directory. */
  path: string;
  topic: string;
  /** Partition count; the topic is created with it when missing and must have it when present. */
  partitions: number;
  /** The field whose value picks the partition; null: round-robin. */
  keyField: string | null;
  guarantee: DeliveryGuarantee;
  /** Retention for a topic this sink creates (or updates). */
  retention?: LogRetention;
}

/** The partition a key value maps to (murmur3 over its string form). */
export function partitionForKey(value: unknown, partitions: number): number {
  const s = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return murmur3(s) % partitions;
}

export class LogSink implements Sink {
  readonly guarantee: DeliveryGuarantee;

  constructor(private readonly opts: LogSinkOptions) {
    this.guarantee = opts.guarantee;
  }

  openWriter(subtask: number, parallelism: number): SinkWriter {
    void parallelism;
    const log = this.openLog();
    return this.guarantee === 'exactly-once' ? new StagingLogWriter(log, this.opts, subtask) : new DirectLogWriter(log, this.opts, subtask);
  }

  openCommitter(): SinkCommitter {
    if (this.guarantee === 'at-least-once') return new NoopCommitter();
    return new LogCommitter(this.openLog(), this.opts.topic);
  }

  private openLog(): PartitionedLog {
    const log = PartitionedLog.open(this.opts.path, { synchronous: this.guarantee === 'exactly-once' ? 'full' : 'normal' });
    try {
      log.createTopic(this.opts.topic, this.opts.partitions, this.opts.retention);
      return log;
    } catch (err) {
      log.close();
      throw err;
    }
  }
}

abstract class LogWriterBase implements SinkWriter {
  private roundRobin: number;

  constructor(
    protected readonly log: PartitionedLog,
    protected readonly opts: LogSinkOptions,
    protected readonly subtask: number,
  ) {
    this.roundRobin = subtask;
  }

  abstract write(batch: RecordBatch): void;
  abstract preCommit(checkpoint: CheckpointId): void;

  close(): void {
    this.log.close();
  }

  protected encode(batch: RecordBatch, out: EncodedRow[]): void {
    const { keyField, partitions } = this.opts;
    const { records, timestamps } = batch;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      let partition: number;
      if (keyField === null) {
        partition = this.roundRobin % partitions;
        this.roundRobin++;
      } else {
        partition = partitionForKey(rec[keyField], partitions);
      }
      const ts = timestamps[i];
      out.push({ partition, value: JSON.stringify(rec), ts: ts !== undefined && Number.isFinite(ts) ? ts : null });
    }
  }
}

class DirectLogWriter extends LogWriterBase {
  write(batch: RecordBatch): void {
    const rows: EncodedRow[] = [];
    this.encode(batch, rows);
    this.log.appendRows(this.opts.topic, rows);
  }

  /** Every append is already committed; nothing to flush. */
  preCommit(): void {}
}

class StagingLogWriter extends LogWriterBase {
  private pending: EncodedRow[] = [];

  write(batch: RecordBatch): void {
    this.encode(batch, this.pending);
  }

  preCommit(checkpoint: CheckpointId): void {
    this.log.topicStore(this.opts.topic).stage(checkpoint, this.subtask, this.pending);
    this.pending = [];
  }

  /** Records after the last pre-commit belong to no checkpoint: dropped (a replay re-sends them). */
  override close(): void {
    this.pending = [];
    super.close();
  }
}

class LogCommitter implements SinkCommitter {
  constructor(
    private readonly log: PartitionedLog,
    private readonly topic: string,
  ) {}

  commit(checkpoint: CheckpointId): void {
    this.log.topicStore(this.topic).commitStaged(checkpoint);
  }

  recover(restoredFrom: CheckpointId | null): void {
    const store = this.log.topicStore(this.topic);
    if (restoredFrom !== null) store.commitStaged(restoredFrom);
    store.discardStaged(restoredFrom);
  }

  close(): void {
    this.log.close();
  }
}

export class NoopCommitter implements SinkCommitter {
  commit(): void {}
  recover(): void {}
  close(): void {}
}
