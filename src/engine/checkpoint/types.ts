/**
 * What a checkpoint is, independent of where it is stored.
 *
 * Protocol (Flink's, adapted to processes sharing one SQLite file):
 * 1. The host `begin`s checkpoint n (status `in-progress`).
 * 2. Each worker, on aligning barrier n, writes its part in ONE transaction: the keyed
 *    state entries that changed since its previous checkpoint (incremental), its
 *    operator state, its source positions, plus a part marker.
 * 3. When every worker has acknowledged, the host writes the metadata and the
 *    `complete` marker in one transaction. Only then is n restorable.
 * A part written for a checkpoint that never completes is invisible to restore and is
 * deleted by the next `retain` or `abortIncomplete`.
 */
import type { CheckpointId } from '../core/types.js';
import type { SourcePosition } from '../connectors/source.js';

export type CheckpointKind = 'checkpoint' | 'savepoint';
export type CheckpointStatus = 'in-progress' | 'completed' | 'failed';

/** One keyed-state change: `value === undefined` means the key was deleted. */
export interface StateEntry {
  readonly operator: string;
  readonly keyGroup: number;
  readonly key: string;
  readonly value: unknown;
}

/** A worker's part of one checkpoint. */
export interface CheckpointPart {
  readonly checkpoint: CheckpointId;
  readonly worker: number;
  /** Changed (incremental) or all (full) keyed state entries of this worker's key groups. */
  readonly entries: Iterable<StateEntry>;
  /** Non-keyed operator state per operator id (JSON-serialisable). */
  readonly operatorState: Readonly<Record<string, unknown>>;
  /** Resume positions of the source splits this worker read, by split id. */
  readonly sourcePositions: Readonly<Record<string, SourcePosition>>;
  /** True: `entries` is the complete state of these key groups, earlier entries are superseded. */
  readonly full: boolean;
  /** The key groups this part covers (inclusive range), needed to interpret a full part. */
  readonly keyGroups: { readonly start: number; readonly end: number };
  /**
   * True: every live entry's `value` is already JSON text (the output of JSON.stringify, e.g.
   * copied at the barrier) and is stored verbatim, without encoding it twice. Restore yields
   * decoded values either way.
   */
  readonly valuesAreJson?: boolean;
}

export interface CheckpointStats {
  readonly triggerTs: number;
  readonly durationMs: number;
  readonly syncMs: number;
  readonly asyncMs: number;
  readonly alignmentMs: number;
  /** Bytes of the whole restorable state at this checkpoint. */
  readonly fullSizeBytes: number;
  /** Bytes this checkpoint wrote (the incremental delta). */
  readonly checkpointedSizeBytes: number;
  readonly numKeys: number;
}

export interface CheckpointRecord {
  readonly id: CheckpointId;
  readonly kind: CheckpointKind;
  readonly status: CheckpointStatus;
  readonly triggerTs: number;
  readonly failureReason?: string;
  readonly stats?: CheckpointStats;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Completed only: the checkpoint whose state the incremental parts build on (absent: none). */
  readonly base?: CheckpointId;
  readonly completedTs?: number;
  /** Set when a restore plan found this checkpoint's chain missing or corrupt. */
  readonly restoreError?: string;
  /** Kept by retention only because newer checkpoints build on it; not a restore target. */
  readonly retainedAsBase?: boolean;
}

/** Everything needed to restore a worker covering `keyGroups` from a completed checkpoint. */
export interface RestoreData {
  readonly checkpoint: CheckpointId;
  /** Latest value per (operator, key) for keys in the requested key groups. */
  readonly entries: Iterable<StateEntry>;
  /** Stored state text (keys and values) the iterations of `entries` have read so far, in bytes: the size of what a restore read, for recovery reports and the checkpoint advisor. */
  readonly bytesRead: () => number;
  /** Operator state of every worker's part, by worker index then operator id. */
  readonly operatorState: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Positions of every split that any worker recorded. */
  readonly sourcePositions: Readonly<Record<string, SourcePosition>>;
}

// ---------------------------------------------------------------------------
// Additions for the checkpoint store (store.ts, part-file.ts, restore.ts).
// Nothing changed meaning; CheckpointRecord only gained optional fields.
// ---------------------------------------------------------------------------

/** An inclusive key-group range (same shape as core's KeyGroupRange). */
export interface KeyGroupSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * A part file written by one worker for one checkpoint, as returned by `writePart` and
 * passed to `CheckpointStore.complete`. Plain data, so it crosses process boundaries.
 */
export interface PartRef {
  /** Path relative to the checkpoint directory, e.g. `parts/ckpt-000042-w1.db`. */
  readonly file: string;
  readonly worker: number;
  readonly keyGroups: KeyGroupSpan;
  /** The part holds the complete state of `keyGroups` (older parts are not needed for them). */
  readonly full: boolean;
  /** Keyed-state entries stored, tombstones included. */
  readonly entries: number;
  /** Size of the part file on disk. */
  readonly bytes: number;
  readonly durationMs: number;
}

/** One checkpoint of a restore chain and the parts of it that the chain needs. */
export interface RestoreChainLink {
  readonly checkpoint: CheckpointId;
  /** The checkpoint this one's incremental parts build on; null: it has only full parts. */
  readonly base: CheckpointId | null;
  readonly parts: readonly PartRef[];
}

/** Why a completed checkpoint could not be restored (a missing or corrupt file, a broken chain). */
export interface RestorePlanError {
  readonly checkpoint: CheckpointId;
  /** The part file at fault (relative path), when one is at fault. */
  readonly file?: string;
  readonly message: string;
}

/**
 * What a restore reads: the chosen checkpoint and, newest first, every checkpoint of its
 * chain with the verified part files needed. Plain data: the host computes it and sends it
 * to the workers, which pass it to `readRestore`.
 */
export interface RestorePlan {
  readonly checkpoint: CheckpointId;
  readonly kind: CheckpointKind;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly chain: readonly RestoreChainLink[];
  /** Resume positions recorded by the checkpoint's parts, by split id (for the host to rewind sources). */
  readonly sourcePositions: Readonly<Record<string, SourcePosition>>;
  /** Newer completed checkpoints that were skipped, each with the reason (naming the file). */
  readonly errors: readonly RestorePlanError[];
}

