/**
 * The sink contract, split as in Flink's two-phase-commit sinks:
 *
 * - a `SinkWriter` per worker (subtask) receives records and, on a checkpoint barrier,
 *   pre-commits what it received since the previous barrier (staged, not yet visible);
 * - one `SinkCommitter` in the host makes staged data visible once the checkpoint is
 *   complete, and on recovery re-commits what a completed checkpoint staged (commit is
 *   idempotent) and aborts what an incomplete one staged.
 *
 * An at-least-once sink writes straight through; its `preCommit` only flushes and its
 * committer has nothing to do. An idempotent sink (upsert by a deterministic key) is
 * exactly-once through replays overwriting the same rows.
 */
import type { CheckpointId, RecordBatch } from '../core/types.js';

export type DeliveryGuarantee = 'exactly-once' | 'at-least-once';

export interface SinkWriter {
  write(batch: RecordBatch): void | Promise<void>;
  /** Stage everything written since the last pre-commit under `checkpoint`; durable on return. */
  preCommit(checkpoint: CheckpointId): void | Promise<void>;
  close(): void | Promise<void>;
}

export interface SinkCommitter {
  /** Make everything staged for checkpoints ≤ `checkpoint` visible. Idempotent. */
  commit(checkpoint: CheckpointId): void | Promise<void>;
  /**
   * Recovery: everything staged for checkpoints ≤ `restoredFrom` is committed (it belongs to
   * a completed checkpoint), everything staged after it is discarded. `null`: no checkpoint
   * completed yet, discard all staged data.
   */
  recover(restoredFrom: CheckpointId | null): void | Promise<void>;
  close(): void | Promise<void>;
}

export interface Sink {
  /** What this sink, as configured, can guarantee end to end. */
  readonly guarantee: DeliveryGuarantee;
  /** `subtask` of `parallelism`: the writer for one worker. */
  openWriter(subtask: number, parallelism: number): SinkWriter | Promise<SinkWriter>;
  /** The host-side committer; at-least-once sinks return a no-op committer. */
  openCommitter(): SinkCommitter | Promise<SinkCommitter>;
}
