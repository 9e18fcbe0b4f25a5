import { describe, expect, it } from 'vitest';
import { validateViewObject } from './view-spec.js';

const base = {
  name: 'v',
  store: 'v.db',
  source: { type: 'log', path: 'log', topic: 't', timestampField: 'ts' },
  keyBy: 'user',
  aggregate: { n: { count: true } },
  bucket: '1m',
};

describe('view spec', () => {
  it('accepts the mergeable aggregates and resolves the store against the view folder', () => {
    const r = validateViewObject({ view: { ...base, aggregate: { n: { count: true }, s: { sum: 'x' }, lo: { min: 'x' }, hi: { max: 'x' }, m: { avg: 'x' } } } }, '/views');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.view.store).toBe('/views/v.db');
    expect(r.view.bucketMs).toBe(60_000);
    expect(r.view.aggregates.map((a) => a.fn)).toEqual(['count', 'sum', 'min', 'max', 'avg']);
  });

  it('refuses an aggregate that does not merge across the cut-off, saying why', () => {
    const r = validateViewObject({ view: { ...base, aggregate: { p: { median: 'x' }, d: { countDistinct: 'user' }, w: { wat: 'x' } } } }, '/');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { path: 'view.aggregate.p', message: expect.stringMatching(/^median is not mergeable across the batch\/speed cut-off \(a median of two medians/) },
      { path: 'view.aggregate.d', message: expect.stringMatching(/^countDistinct is not mergeable/) },
      { path: 'view.aggregate.w', message: expect.stringMatching(/^unknown aggregate function "wat"; a serving view takes the mergeable ones/) },
    ]);
  });

  it('needs the event-time field and a positive bucket', () => {
    const r = validateViewObject({ view: { ...base, source: { type: 'log', path: 'log', topic: 't' }, bucket: 'soon' } }, '/');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path)).toEqual(['view.source.timestampField', 'view.bucket']);
  });
});
