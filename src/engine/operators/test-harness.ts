/**
 * Drives one operator by hand in tests (Flink's KeyedOneInputStreamOperatorTestHarness):
 * feed keyed records with timestamps, move the watermark or processing time, read what
 * came out, snapshot and restore state.
 */
import type { DeadLetter, Rec } from '../core/types.js';
import { MIN_WATERMARK } from '../core/types.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import type { Operator, OperatorCounters, Output } from './operator.js';

export interface Emitted {
  rec: Rec;
  ts: number;
}

export class OperatorHarness {
  readonly output: Emitted[] = [];
  readonly sides = new Map<string, Emitted[]>();
  readonly deadLetters: DeadLetter[] = [];
  readonly counters: OperatorCounters = { numLateRecordsDropped: 0, numLateRecordsToSideOutput: 0 };
  watermark = MIN_WATERMARK;
  now = 0;
  readonly backend: MemoryStateBackend;
  private readonly out: Output;

  constructor(
    readonly operator: Operator,
    maxParallelism = 128,
  ) {
    this.backend = new MemoryStateBackend(maxParallelism, null, () => this.now);
    this.out = {
      emit: (rec, ts) => this.output.push({ rec, ts }),
      side: (name, rec, ts) => {
        const l = this.sides.get(name) ?? [];
        l.push({ rec, ts });
        this.sides.set(name, l);
      },
      deadLetter: (dl) => this.deadLetters.push(dl),
    };
  }

  async open(): Promise<this> {
    await this.operator.open({
      operatorId: this.operator.id,
      state: this.backend.forOperator(this.operator.id),
      currentWatermark: () => this.watermark,
      processingTime: () => this.now,
      counters: this.counters,
    });
    return this;
  }

  /** Records as [key, value-record, timestamp]. */
  process(...items: [unknown, Rec, number][]): this {
    this.operator.processBatch(
      { records: items.map((i) => i[1]), timestamps: items.map((i) => i[2]), keys: items.map((i) => i[0]) },
      this.out,
    );
    return this;
  }

  advanceWatermark(wm: number): this {
    this.watermark = wm;
    this.operator.onWatermark?.(wm, this.out);
    return this;
  }

  advanceProcessingTime(now: number): this {
    this.now = now;
    this.operator.onProcessingTime?.(now, this.out);
    return this;
  }

  /** Output records, and clears them. */
  take(): Rec[] {
    return this.output.splice(0).map((e) => e.rec);
  }
}
