/**
 * An `aggregate` step with no window before it: one running aggregate per key over the
 * whole input (Flink's GlobalWindows with a trigger at the end of input). It emits
 * `{key, value}` once per key when the final watermark (+∞) arrives, i.e. when a bounded
 * input ends — the word-count shape, identical in stream and batch mode.
 */
import type { AggregateSpec } from '../../job/spec.js';
import type { KeyedTable } from '../../state/keyed-state.js';
import { MAX_WATERMARK, NO_TIMESTAMP } from '../../core/types.js';
import { keyString, type Batch, type Operator, type OperatorContext, type Output } from '../operator.js';
import { aggregator, AggregateInputError, type Acc, type Aggregator } from './aggregates.js';

interface KeyAcc {
  k: unknown;
  a: Acc | Acc[];
}

export class GlobalAggregateOperator implements Operator {
  readonly keyed = true;
  private table!: KeyedTable<KeyAcc>;
  private readonly agg: Aggregator;

  constructor(
    readonly id: string,
    aggregate: AggregateSpec,
  ) {
    this.agg = aggregator(aggregate);
  }

  open(ctx: OperatorContext): void {
    this.table = ctx.state.table<KeyAcc>('acc');
  }

  processBatch(batch: Batch, out: Output): void {
    const { records } = batch;
    const keys = batch.keys!;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      try {
        this.agg.check(rec);
      } catch (e) {
        if (!(e instanceof AggregateInputError)) throw e;
        out.deadLetter({ origin: this.id, reason: e.message, raw: rec });
        continue;
      }
      const ks = keyString(keys[i]);
      const st = this.table.get(ks);
      if (st === undefined) this.table.set(ks, { k: keys[i], a: this.agg.add(this.agg.create(), rec) });
      else {
        st.a = this.agg.add(st.a, rec);
        this.table.set(ks, st);
      }
    }
  }

  onWatermark(watermark: number, out: Output): void {
    if (watermark < MAX_WATERMARK) return;
    const done: string[] = [];
    for (const [ks, st] of this.table.entries()) {
      out.emit({ key: st.k, value: this.agg.result(st.a) }, NO_TIMESTAMP);
      done.push(ks);
    }
    for (const ks of done) this.table.delete(ks);
  }
}
