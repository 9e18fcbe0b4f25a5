/**
 * Micro-batch execution at the source side (Spark Structured Streaming's processing-time
 * trigger): what the splits return is collected, not processed, until the trigger fires;
 * then the whole batch goes through the pipeline as a unit and only after it the source
 * watermark advances. Triggers fire on a fixed grid (start + k × interval); a batch that
 * took longer than the interval makes the next one due at once, as in Spark.
 */
import type { Rec } from '../core/types.js';

export interface CollectedChunk<S> {
  readonly split: S;
  readonly records: Rec[];
  readonly timestamps: number[] | undefined;
  /** Wall-clock ms when the source returned these records (latency markers start here). */
  readonly readAt: number;
}

export class MicroBatchCollector<S> {
  private chunks: CollectedChunk<S>[] = [];
  private records = 0;
  private nextBoundary: number;

  constructor(
    readonly triggerMs: number,
    startedAt: number,
  ) {
    this.nextBoundary = startedAt + triggerMs;
  }

  add(chunk: CollectedChunk<S>): void {
    this.chunks.push(chunk);
    this.records += chunk.records.length;
  }

  /** Records collected for the current batch. */
  get size(): number {
    return this.records;
  }

  get isEmpty(): boolean {
    return this.chunks.length === 0;
  }

  isDue(now: number): boolean {
    return now >= this.nextBoundary;
  }

  /** ms until the trigger fires (0: due). */
  dueInMs(now: number): number {
    return Math.max(0, this.nextBoundary - now);
  }

  /** Ends the current batch: returns it and starts collecting the next. */
  take(now: number): CollectedChunk<S>[] {
    const out = this.chunks;
    this.chunks = [];
    this.records = 0;
    this.nextBoundary = Math.max(this.nextBoundary + this.triggerMs, now);
    return out;
  }
}
