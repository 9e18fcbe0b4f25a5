/**
 * Merging partial aggregates (see layers.ts for their columns) and turning a merged
 * partial into the answer: count and sum add, min and max compare, avg = sum / count.
 * min/max of nothing is null, as the engine's aggregates give.
 */
import type { ViewAggregate } from './view-spec.js';

export type Partial = Record<string, number | null>;

function num(p: Partial, k: string): number | null {
  const v = p[k];
  return typeof v === 'number' ? v : null;
}

/** `into` ⊕ `add`, in place. */
export function mergePartial(into: Partial, add: Partial, aggs: readonly ViewAggregate[]): Partial {
  for (const a of aggs) {
    if (a.fn === 'count' || a.fn === 'avg') into[`${a.name}__n`] = (num(into, `${a.name}__n`) ?? 0) + (num(add, `${a.name}__n`) ?? 0);
    if (a.fn === 'sum' || a.fn === 'avg') into[`${a.name}__sum`] = (num(into, `${a.name}__sum`) ?? 0) + (num(add, `${a.name}__sum`) ?? 0);
    if (a.fn === 'min' || a.fn === 'max') {
      const k = `${a.name}__${a.fn}`;
      const x = num(into, k);
      const y = num(add, k);
      into[k] = x === null ? y : y === null ? x : a.fn === 'min' ? Math.min(x, y) : Math.max(x, y);
    }
  }
  return into;
}

/** The answer for one key: aggregate name → value. */
export function finalValue(p: Partial, aggs: readonly ViewAggregate[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const a of aggs) {
    switch (a.fn) {
      case 'count':
        out[a.name] = num(p, `${a.name}__n`) ?? 0;
        break;
      case 'sum':
        out[a.name] = num(p, `${a.name}__sum`) ?? 0;
        break;
      case 'min':
      case 'max':
        out[a.name] = num(p, `${a.name}__${a.fn}`);
        break;
      case 'avg': {
        const n = num(p, `${a.name}__n`) ?? 0;
        out[a.name] = n === 0 ? null : (num(p, `${a.name}__sum`) ?? 0) / n;
        break;
      }
    }
  }
  return out;
}

/** A partial read from a record's `value` (an object, or its JSON text as a SQLite sink stores it). */
export function partialOf(value: unknown): Partial {
  const v = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`a partial aggregate must be an object, got ${JSON.stringify(v)}`);
  return v as Partial;
}
