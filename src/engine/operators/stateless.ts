/**
 * Stateless steps: filter, map, flatMap, and keyBy (which computes each record's key;
 * the runtime routes by it when the next operator runs elsewhere). An expression that
 * fails on a record sends that record to the dead-letter output with the reason.
 */
import type { Rec } from '../core/types.js';
import { compileExpression, compileFieldPath } from '../expr/index.js';
import type { Batch, Operator, Output } from './operator.js';

type Evaluate = (rec: Rec) => unknown;

function compiled(src: string): Evaluate {
  const c = compileExpression(src);
  if (!c.ok) throw new Error(`expression ${JSON.stringify(src)}: ${c.error}`);
  return c.evaluate;
}

const reasonOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * One expression evaluated per record. The loop and the dead letter for a failing
 * expression live here; each step says what its result means.
 */
abstract class ExpressionOperator implements Operator {
  readonly keyed: boolean = false;
  constructor(
    readonly id: string,
    private readonly evaluate: Evaluate,
  ) {}
  open(): void {}

  processBatch(batch: Batch, out: Output): void {
    const { records, timestamps } = batch;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      let v: unknown;
      try {
        v = this.evaluate(rec);
      } catch (e) {
        out.deadLetter({ origin: this.id, reason: reasonOf(e), raw: rec });
        continue;
      }
      this.onResult(rec, v, timestamps[i]!, out);
    }
  }

  /** What the expression's value `v` for `rec` produces. */
  protected abstract onResult(rec: Rec, v: unknown, ts: number, out: Output): void;
}

export class FilterOperator extends ExpressionOperator {
  constructor(id: string, expr: string) {
    super(id, compiled(expr));
  }
  protected onResult(rec: Rec, keep: unknown, ts: number, out: Output): void {
    if (keep === true) out.emit(rec, ts);
    else if (keep !== false) out.deadLetter({ origin: this.id, reason: `filter must give true or false, got ${JSON.stringify(keep)}`, raw: rec });
  }
}

function mapFunction(spec: { expr: string } | { fields: Record<string, string> }): Evaluate {
  if ('expr' in spec) return compiled(spec.expr);
  const names = Object.keys(spec.fields);
  const fns = names.map((n) => compiled(spec.fields[n]!));
  return (rec) => {
    const o: Rec = {};
    for (let j = 0; j < names.length; j++) o[names[j]!] = fns[j]!(rec);
    return o;
  };
}

export class MapOperator extends ExpressionOperator {
  constructor(id: string, spec: { expr: string } | { fields: Record<string, string> }) {
    super(id, mapFunction(spec));
  }
  protected onResult(rec: Rec, v: unknown, ts: number, out: Output): void {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.emit(v as Rec, ts);
    else out.deadLetter({ origin: this.id, reason: `map must give an object, got ${JSON.stringify(v)}`, raw: rec });
  }
}

export class FlatMapOperator extends ExpressionOperator {
  constructor(
    id: string,
    expr: string,
    private readonly as: string,
  ) {
    super(id, compiled(expr));
  }
  protected onResult(rec: Rec, v: unknown, ts: number, out: Output): void {
    if (!Array.isArray(v)) {
      out.deadLetter({ origin: this.id, reason: `flatMap must give a list, got ${JSON.stringify(v)}`, raw: rec });
      return;
    }
    for (const el of v) {
      if (el !== null && typeof el === 'object' && !Array.isArray(el)) out.emit(el as Rec, ts);
      else out.emit({ [this.as]: el }, ts);
    }
  }
}

/**
 * Computes keys for the exchange after a stage (it runs at the end of the sending stage,
 * not as an operator). A record whose key is missing goes to the dead-letter output.
 */
export class KeyByOperator {
  private readonly keyOf: Evaluate;
  constructor(
    readonly id: string,
    spec: { field: string } | { expr: string },
  ) {
    this.keyOf = 'field' in spec ? compileFieldPath(spec.field) : compiled(spec.expr);
  }

  /** Fills `batch.keys` in place; records without a key leave the batch as dead letters. */
  assignKeys(batch: Batch, out: Pick<Output, 'deadLetter'>): void {
    const { records, timestamps } = batch;
    const keys: unknown[] = [];
    let w = 0;
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      let k: unknown;
      try {
        k = this.keyOf(rec);
      } catch (e) {
        out.deadLetter({ origin: this.id, reason: reasonOf(e), raw: rec });
        continue;
      }
      if (k === undefined || k === null) {
        out.deadLetter({ origin: this.id, reason: 'record has no key (the keyBy field is missing or null)', raw: rec });
        continue;
      }
      records[w] = rec;
      timestamps[w] = timestamps[i]!;
      keys.push(k);
      w++;
    }
    records.length = w;
    timestamps.length = w;
    batch.keys = keys;
  }
}
