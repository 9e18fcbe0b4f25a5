/**
 * The source contract. A source is split into a fixed set of splits (a file, a slice of
 * the generator's sequence, a log or Kafka partition); splits are the unit of
 * parallelism and of resume position. The runtime assigns splits to workers, polls
 * each split's reader, extracts event time and generates watermarks per split.
 *
 * Position contract (the off-by-one Bytewax and Arroyo warn about): a reader's
 * `position()` is the position *after* the last record it returned, so resuming a
 * new reader at that position returns exactly the next record. The checkpoint is the
 * only truth about where to resume.
 */
import type { DeadLetter, Rec } from '../core/types.js';

/** A JSON-serialisable resume position (file byte offset, next sequence index, log offset…). */
export type SourcePosition = Readonly<Record<string, number | string | null>>;

export interface SplitInfo {
  /** Stable id, the same in every run of the same spec (e.g. `gen-3`, `input.jsonl`, `events/2`). */
  readonly id: string;
  /** Records this split holds in total when known (bounded inputs), for progress bars. */
  readonly expectedRecords?: number;
}

export type PollResult =
  | {
      readonly kind: 'records';
      readonly records: Rec[];
      /**
       * Event timestamps from the source itself (e.g. the generator's `ts`, a Kafka record
       * timestamp), parallel to `records`. Absent when the source has none; the runtime then
       * reads `timestampField`.
       */
      readonly timestamps?: number[];
      /** Input that could not be parsed; routed to the dead-letter output and counted. */
      readonly deadLetters?: DeadLetter[];
    }
  /** Nothing available right now (unbounded source, or rate limit): poll again later. */
  | { readonly kind: 'idle'; readonly retryAfterMs: number; readonly deadLetters?: DeadLetter[] }
  /** The split is exhausted (bounded). Polling again keeps returning `end`. */
  | { readonly kind: 'end'; readonly deadLetters?: DeadLetter[] };

export interface SplitReader {
  readonly split: SplitInfo;
  /** Up to `maxRecords` records. May return fewer; never blocks indefinitely. */
  poll(maxRecords: number): PollResult | Promise<PollResult>;
  /** Position after the last record returned by `poll` (see the module contract). */
  position(): SourcePosition;
  /** How far behind the end of the input this reader is, in records, when known. */
  backlog?(): number | undefined;
  close(): void | Promise<void>;
}

export interface Source {
  /** The splits, in a stable order. Called once per job attempt. */
  listSplits(): SplitInfo[] | Promise<SplitInfo[]>;
  /** A reader for one split, resuming at `position` (undefined: from the start). */
  openReader(split: SplitInfo, position: SourcePosition | undefined): SplitReader | Promise<SplitReader>;
  /** True when every split ends (the job finishes by itself). */
  readonly bounded: boolean;
  close?(): void | Promise<void>;
}
