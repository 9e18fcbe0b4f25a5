/**
 * Core value types shared by every engine module.
 *
 * A record is a plain JSON object. Event time travels beside the record (parallel
 * arrays in a {@link RecordBatch}), never inside it, so operators that do not care
 * about time never pay for it and a map can replace the record without losing it.
 */

/** One data record: a JSON object as read from a source or produced by an operator. */
export type Rec = Record<string, unknown>;

/** Milliseconds since the epoch (event time or processing time). */
export type Millis = number;

/** Flink's Long.MIN_VALUE: the watermark before anything is known. */
export const MIN_WATERMARK = Number.NEGATIVE_INFINITY;
/** The final watermark a bounded source emits when it ends: every window fires. */
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;
/** Timestamp of a record that has no event time (no timestampField). */
export const NO_TIMESTAMP = Number.NaN;

declare const brand: unique symbol;
/** A nominal type: `Brand<number, 'KeyGroup'>` does not mix with a plain number. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type CheckpointId = Brand<number, 'CheckpointId'>;
export type KeyGroup = Brand<number, 'KeyGroup'>;
export type WorkerId = Brand<number, 'WorkerId'>;

export const checkpointId = (n: number): CheckpointId => n as CheckpointId;
export const keyGroupOf = (n: number): KeyGroup => n as KeyGroup;
export const workerId = (n: number): WorkerId => n as WorkerId;

/**
 * A batch of records with their event timestamps. `records[i]` has timestamp
 * `timestamps[i]` (NaN when the record has no event time).
 */
export interface RecordBatch {
  records: Rec[];
  timestamps: number[];
}

/** A record that could not be read or processed, with the reason, for the dead-letter output. */
export interface DeadLetter {
  /** Where it came from, e.g. `input.jsonl:42` or `orders/3@1234`. */
  origin: string;
  reason: string;
  /** The raw input (text) or the record that failed. */
  raw: unknown;
}

/** Name of the side output that receives malformed input records. */
export const DEAD_LETTER_OUTPUT = 'dead-letter';
