/**
 * A chain of operators running in one subtask (Flink's operator chaining): records flow
 * from one operator to the next as batches, without serialisation. Each operator gets a
 * collector; after it returns, what it emitted is handed to the next operator as one
 * batch. Watermarks visit operators in order, and what an operator fires on a watermark
 * reaches the next operator before the watermark does.
 */
import type { DeadLetter, Rec } from '../core/types.js';
import type { Batch, Operator, Output } from '../operators/operator.js';
import type { KeyByOperator } from '../operators/stateless.js';

/** Where a chain's results go: the exchange to the next stage, or the sink. */
export interface ChainSink {
  records(batch: Batch): void;
  side(name: string, rec: Rec, ts: number): void;
  deadLetter(dl: DeadLetter): void;
}

class Collector implements Output {
  records: Rec[] = [];
  timestamps: number[] = [];
  constructor(private readonly sink: ChainSink) {}
  emit(rec: Rec, ts: number): void {
    this.records.push(rec);
    this.timestamps.push(ts);
  }
  side(name: string, rec: Rec, ts: number): void {
    this.sink.side(name, rec, ts);
  }
  deadLetter(dl: DeadLetter): void {
    this.sink.deadLetter(dl);
  }
  /** Takes what was collected (the collector starts empty again). */
  take(): Batch | null {
    if (this.records.length === 0) return null;
    const b: Batch = { records: this.records, timestamps: this.timestamps, keys: null };
    this.records = [];
    this.timestamps = [];
    return b;
  }
}

export class OperatorChain {
  private readonly collectors: Collector[];

  constructor(
    readonly operators: readonly Operator[],
    /** Computes keys for the exchange after this chain (null: the chain ends at a sink). */
    private readonly keyBy: KeyByOperator | null,
    private readonly sink: ChainSink,
  ) {
    this.collectors = operators.map(() => new Collector(sink));
  }

  process(batch: Batch): void {
    this.pushFrom(0, batch);
  }

  watermark(wm: number): void {
    for (let i = 0; i < this.operators.length; i++) {
      const op = this.operators[i]!;
      if (op.onWatermark === undefined) continue;
      op.onWatermark(wm, this.collectors[i]!);
      const out = this.collectors[i]!.take();
      if (out !== null) this.pushFrom(i + 1, out);
    }
  }

  processingTime(now: number): void {
    for (let i = 0; i < this.operators.length; i++) {
      const op = this.operators[i]!;
      if (op.onProcessingTime === undefined) continue;
      op.onProcessingTime(now, this.collectors[i]!);
      const out = this.collectors[i]!.take();
      if (out !== null) this.pushFrom(i + 1, out);
    }
  }

  private pushFrom(index: number, batch: Batch): void {
    let b: Batch | null = batch;
    for (let i = index; i < this.operators.length && b !== null; i++) {
      // Only a stage's first operator receives keys (from the exchange); results are
      // unkeyed until the next keyBy, as in Flink.
      this.operators[i]!.processBatch(b, this.collectors[i]!);
      b = this.collectors[i]!.take();
    }
    if (b === null || b.records.length === 0) return;
    if (this.keyBy !== null) {
      this.keyBy.assignKeys(b, this.sink);
      if (b.records.length === 0) return;
    }
    this.sink.records(b);
  }
}
