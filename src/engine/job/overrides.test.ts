import { describe, expect, it } from 'vitest';
import { applyOverrides, parseOverridePath } from './overrides.js';

describe('parseOverridePath', () => {
  it('parses dotted and indexed paths', () => {
    expect(parseOverridePath('parallelism')).toEqual(['parallelism']);
    expect(parseOverridePath('source.count')).toEqual(['source', 'count']);
    expect(parseOverridePath('pipeline[1].window.size')).toEqual(['pipeline', 1, 'window', 'size']);
    expect(parseOverridePath('pipeline.1.window')).toEqual(['pipeline', 1, 'window']);
    expect(parseOverridePath('a[0][1]')).toEqual(['a', 0, 1]);
  });
  it.each(['', '.a', 'a.', 'a..b', 'a[x]', 'a[', 'a]b', 'a[1]b'])('rejects %j', (p) => {
    expect(parseOverridePath(p)).toBeUndefined();
  });
});

describe('applyOverrides', () => {
  const base = () => ({
    parallelism: 1,
    source: { type: 'generator' },
    pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '2s' } }],
  });

  it('sets scalars parsed as YAML', () => {
    const { doc, errors } = applyOverrides(base(), [
      'parallelism=2',
      'source.count=1000',
      'pipeline[1].window.size=5s',
      'source.bounded=true',
      'source.groupId=null',
      'name=a=b',
    ]);
    expect(errors).toEqual([]);
    expect(doc).toMatchObject({
      parallelism: 2,
      name: 'a=b',
      source: { type: 'generator', count: 1000, bounded: true, groupId: null },
      pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '5s' } }],
    });
  });

  it('creates missing mappings and appends to lists', () => {
    const { doc, errors } = applyOverrides(base(), ['checkpoint.interval=1s', 'pipeline[2].aggregate.count=true']);
    expect(errors).toEqual([]);
    expect(doc).toMatchObject({ checkpoint: { interval: '1s' }, pipeline: [{}, {}, { aggregate: { count: true } }] });
  });

  it('reports what cannot apply, with the override path', () => {
    const { errors } = applyOverrides(base(), ['nope', 'pipeline[9].x=1', 'parallelism.x=1', 'source[0]=1', '__proto__.x=1', 'a..b=1']);
    expect(errors.map((e) => e.path)).toEqual(['', 'pipeline[9].x', 'parallelism.x', 'source[0]', '__proto__.x', 'a..b']);
    expect(errors[0]?.message).toMatch(/expected path=value/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('works on an empty document', () => {
    expect(applyOverrides(null, ['name=x']).doc).toEqual({ name: 'x' });
  });
});
