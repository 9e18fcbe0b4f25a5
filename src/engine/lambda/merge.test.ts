import { describe, expect, it } from 'vitest';
import { finalValue, mergePartial } from './merge.js';
import type { ViewAggregate } from './view-spec.js';

const aggs: ViewAggregate[] = [
  { name: 'n', fn: 'count', field: null },
  { name: 's', fn: 'sum', field: 'x' },
  { name: 'lo', fn: 'min', field: 'x' },
  { name: 'hi', fn: 'max', field: 'x' },
  { name: 'm', fn: 'avg', field: 'x' },
];

describe('partial aggregates', () => {
  it('merge exactly: counts and sums add, min/max compare, avg divides the merged sum by the merged count', () => {
    const a = { n__n: 2, s__sum: 10, lo__min: 3, hi__max: 7, m__sum: 10, m__n: 2 };
    const b = { n__n: 3, s__sum: 5, lo__min: 1, hi__max: 2, m__sum: 5, m__n: 3 };
    expect(finalValue(mergePartial({ ...a }, b, aggs), aggs)).toEqual({ n: 5, s: 15, lo: 1, hi: 7, m: 3 });
  });

  it('an empty side changes nothing; min/max of nothing is null, avg of nothing is null', () => {
    const a = { n__n: 2, s__sum: 10, lo__min: 3, hi__max: 7, m__sum: 10, m__n: 2 };
    expect(finalValue(mergePartial({}, a, aggs), aggs)).toEqual(finalValue(a, aggs));
    expect(finalValue({}, aggs)).toEqual({ n: 0, s: 0, lo: null, hi: null, m: null });
  });
});
