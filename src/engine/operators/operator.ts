/**
 * The operator contract (Arroyo's, in TypeScript). An operator processes batches and,
 * where it needs to, reacts to watermarks and processing time. It declares its keyed
 * state tables through the context and never opens storage, sees a barrier or aligns
 * inputs: the runtime owns all of that and snapshots the tables.
 */
import type { DeadLetter, Rec } from '../core/types.js';
import type { KeyedStateBackend } from '../state/keyed-state.js';

/** Where an operator sends its results. */
export interface Output {
  /** A record for the next operator, with its event timestamp (NaN: none). */
  emit(rec: Rec, ts: number): void;
  /** A record for a named side output (e.g. late records). */
  side(name: string, rec: Rec, ts: number): void;
  /** A record that cannot be processed, with the reason. Counted; never silently dropped. */
  deadLetter(dl: DeadLetter): void;
}

export interface OperatorContext {
  /** Stable across runs of the same spec (e.g. `op2-window`): names state in checkpoints. */
  readonly operatorId: string;
  readonly state: KeyedStateBackend;
  currentWatermark(): number;
  processingTime(): number;
  /** Flink's numLateRecordsDropped and friends, read by the metrics registry. */
  readonly counters: OperatorCounters;
}

export interface OperatorCounters {
  numLateRecordsDropped: number;
  numLateRecordsToSideOutput: number;
}

/**
 * A batch as it flows through a chain: `keys[i]` is the key of `records[i]` after a
 * keyBy (its original value; keyed state indexes by {@link keyString}).
 */
export interface Batch {
  records: Rec[];
  timestamps: number[];
  keys: unknown[] | null;
}

export interface Operator {
  readonly id: string;
  /** Needs `keys` (the operator comes after a keyBy). */
  readonly keyed: boolean;
  open(ctx: OperatorContext): void | Promise<void>;
  processBatch(batch: Batch, out: Output): void;
  /** The watermark advanced to `watermark`; fire what is due. The runtime forwards it afterwards. */
  onWatermark?(watermark: number, out: Output): void;
  onProcessingTime?(now: number, out: Output): void;
  /** State tables were loaded from a checkpoint: rebuild derived indexes (timers). */
  afterRestore?(): void;
  close?(): void | Promise<void>;
}

/** The string a key is indexed and hashed by: strings as-is, anything else as JSON. */
export function keyString(key: unknown): string {
  if (typeof key === 'string') return key;
  // Finite numbers print the same as in JSON, without JSON.stringify's cost (a hot path:
  // once per record at an exchange and again in keyed state).
  if (typeof key === 'number' && Number.isFinite(key)) return '' + key;
  return JSON.stringify(key) ?? 'null';
}
