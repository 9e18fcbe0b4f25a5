/**
 * Connectors over memory: a bounded source reading an array (one split) and a sink
 * that collects what is committed. For computing a batch result in-process (the drill
 * verifier, tests, datasets) without touching the filesystem.
 */
import type { CheckpointId, Rec, RecordBatch } from '../core/types.js';
import type { PollResult, Source, SourcePosition, SplitInfo, SplitReader } from '../connectors/source.js';
import type { DeliveryGuarantee, Sink, SinkCommitter, SinkWriter } from '../connectors/sink.js';

/** One split over `records`; `timestamps[i]`, when given, is the reader timestamp of `records[i]`. */
export class ArraySource implements Source {
  readonly bounded = true;
  constructor(
    private readonly records: readonly Rec[],
    private readonly timestamps?: readonly number[],
    private readonly splitId = 'memory',
  ) {
    if (timestamps !== undefined && timestamps.length !== records.length) {
      throw new Error(`ArraySource: ${records.length} records but ${timestamps.length} timestamps`);
    }
  }
  listSplits(): SplitInfo[] {
    return [{ id: this.splitId, expectedRecords: this.records.length }];
  }
  openReader(split: SplitInfo, position: SourcePosition | undefined): SplitReader {
    let next = typeof position?.['next'] === 'number' ? position['next'] : 0;
    const { records, timestamps } = this;
    return {
      split,
      poll(maxRecords: number): PollResult {
        if (next >= records.length) return { kind: 'end' };
        const end = Math.min(records.length, next + Math.max(1, maxRecords));
        const out = records.slice(next, end);
        const ts = timestamps?.slice(next, end);
        next = end;
        return ts === undefined ? { kind: 'records', records: out } : { kind: 'records', records: out, timestamps: ts };
      },
      position: () => ({ next }),
      close() {},
    };
  }
}

/**
 * Collects records: writers stage what they receive per checkpoint, the committer makes
 * staged records visible in `records` (in checkpoint, then writer order).
 */
export class CollectingSink implements Sink {
  readonly guarantee: DeliveryGuarantee = 'exactly-once';
  /** Committed records. */
  readonly records: Rec[] = [];
  readonly timestamps: number[] = [];
  private readonly staged = new Map<number, RecordBatch[]>();

  openWriter(): SinkWriter {
    let pending: RecordBatch = { records: [], timestamps: [] };
    return {
      write: (batch: RecordBatch) => {
        for (let i = 0; i < batch.records.length; i++) {
          pending.records.push(batch.records[i]!);
          pending.timestamps.push(batch.timestamps[i]!);
        }
      },
      preCommit: (cp: CheckpointId) => {
        let list = this.staged.get(cp);
        if (list === undefined) this.staged.set(cp, (list = []));
        list.push(pending);
        pending = { records: [], timestamps: [] };
      },
      close() {},
    };
  }

  openCommitter(): SinkCommitter {
    return {
      commit: (cp: CheckpointId) => {
        for (const id of [...this.staged.keys()].sort((a, b) => a - b)) {
          if (id > cp) continue;
          for (const b of this.staged.get(id)!) {
            for (let i = 0; i < b.records.length; i++) {
              this.records.push(b.records[i]!);
              this.timestamps.push(b.timestamps[i]!);
            }
          }
          this.staged.delete(id);
        }
      },
      recover: (restoredFrom: CheckpointId | null) => {
        for (const id of [...this.staged.keys()]) if (restoredFrom === null || id > restoredFrom) this.staged.delete(id);
      },
      close() {},
    };
  }
}
