/**
 * Aggregations over a window's (or a key's) records, as incremental accumulators
 * (Flink's AggregateFunction): create, add one record, merge two (session merges),
 * and the result. Accumulators are plain JSON values so they are checkpointed as-is.
 *
 * A record whose aggregated field is missing or not a finite number is rejected
 * before anything is added (an {@link AggregateInputError}); the caller routes it to
 * the dead-letter output.
 */
import type { Rec } from '../../core/types.js';
import type { AggFn, AggregateSpec } from '../../job/spec.js';
import { compileFieldPath } from '../../expr/index.js';

export class AggregateInputError extends Error {}

/** A JSON-serialisable accumulator. `undefined` is never an accumulator (it means empty). */
export type Acc = number | number[] | null;

export interface Aggregator {
  create(): Acc[] | Acc;
  /** Validates every input field of `rec` first; throws AggregateInputError without side effects. */
  check(rec: Rec): void;
  add(acc: Acc[] | Acc, rec: Rec): Acc[] | Acc;
  merge(a: Acc[] | Acc, b: Acc[] | Acc): Acc[] | Acc;
  result(acc: Acc[] | Acc): unknown;
}

interface FnAgg {
  readonly field: ((r: Rec) => unknown) | null;
  readonly fieldName: string | null;
  create(): Acc;
  add(acc: Acc, v: number): Acc;
  merge(a: Acc, b: Acc): Acc;
  result(acc: Acc): number | null;
}

function fnAggregator(fn: AggFn): FnAgg {
  if (fn.fn === 'count') {
    return {
      field: null,
      fieldName: null,
      create: () => 0,
      add: (acc) => (acc as number) + 1,
      merge: (a, b) => (a as number) + (b as number),
      result: (acc) => acc as number,
    };
  }
  const read = compileFieldPath(fn.field);
  const base = { field: read, fieldName: fn.field };
  switch (fn.fn) {
    case 'sum':
      return { ...base, create: () => 0, add: (acc, v) => (acc as number) + v, merge: (a, b) => (a as number) + (b as number), result: (acc) => acc as number };
    case 'min':
      return {
        ...base,
        create: () => null,
        add: (acc, v) => (acc === null || v < (acc as number) ? v : acc),
        merge: (a, b) => (a === null ? b : b === null ? a : Math.min(a as number, b as number)),
        result: (acc) => acc as number | null,
      };
    case 'max':
      return {
        ...base,
        create: () => null,
        add: (acc, v) => (acc === null || v > (acc as number) ? v : acc),
        merge: (a, b) => (a === null ? b : b === null ? a : Math.max(a as number, b as number)),
        result: (acc) => acc as number | null,
      };
    case 'avg':
      return {
        ...base,
        create: () => [0, 0],
        add: (acc, v) => {
          const a = acc as number[];
          return [a[0]! + v, a[1]! + 1];
        },
        merge: (a, b) => [(a as number[])[0]! + (b as number[])[0]!, (a as number[])[1]! + (b as number[])[1]!],
        result: (acc) => {
          const a = acc as number[];
          return a[1] === 0 ? null : a[0]! / a[1]!;
        },
      };
  }
}

function numericInput(agg: FnAgg, rec: Rec): number {
  let v: unknown;
  try {
    v = agg.field!(rec);
  } catch {
    v = undefined; // a missing field (or a non-object on the path): reported below
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new AggregateInputError(
      v === undefined ? `field "${agg.fieldName}" is missing` : `field "${agg.fieldName}" is not a number: ${JSON.stringify(v)}`,
    );
  }
  return v;
}

export function aggregator(spec: AggregateSpec): Aggregator {
  if (spec.kind === 'single') {
    const a = fnAggregator(spec.agg);
    if (a.field === null) {
      // count: the hottest aggregate, without indirection.
      return { create: () => 0, check: () => {}, add: (acc) => (acc as number) + 1, merge: (x, y) => (x as number) + (y as number), result: (acc) => acc };
    }
    return {
      create: a.create,
      check: (rec) => void numericInput(a, rec),
      add: (acc, rec) => a.add(acc as Acc, numericInput(a, rec)),
      merge: (x, y) => a.merge(x as Acc, y as Acc),
      result: (acc) => a.result(acc as Acc),
    };
  }
  const names = Object.keys(spec.aggs);
  const aggs = names.map((n) => fnAggregator(spec.aggs[n]!));
  return {
    create: () => aggs.map((a) => a.create()) as Acc[],
    check(rec) {
      for (const a of aggs) if (a.field !== null) numericInput(a, rec);
    },
    add(acc, rec) {
      const arr = acc as Acc[];
      for (let i = 0; i < aggs.length; i++) {
        const a = aggs[i]!;
        arr[i] = a.add(arr[i]!, a.field === null ? 0 : numericInput(a, rec));
      }
      return arr;
    },
    merge(x, y) {
      const ax = x as Acc[];
      const ay = y as Acc[];
      return aggs.map((a, i) => a.merge(ax[i]!, ay[i]!)) as Acc[];
    },
    result(acc) {
      const arr = acc as Acc[];
      const out: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) out[names[i]!] = aggs[i]!.result(arr[i]!);
      return out;
    },
  };
}
