import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSpecErrors } from './errors.js';
import { loadJobSpecFile, parseJobSpecText, validateJobSpecObject } from './load.js';
import type { JobSpec, ParseResult } from './spec.js';

const DIR = '/specs/here';

function ok(r: ParseResult): JobSpec {
  if (!r.ok) throw new Error(formatSpecErrors(r.errors));
  return r.spec;
}
function errs(r: ParseResult): string[] {
  if (r.ok) throw new Error('expected the spec to be rejected');
  return formatSpecErrors(r.errors).split('\n');
}
const minimal = (extra: Record<string, unknown> = {}) => ({
  name: 'j',
  source: { type: 'file', path: 'in.jsonl' },
  sink: { type: 'file', path: 'out.jsonl' },
  ...extra,
});

describe('defaults', () => {
  it('fills every default of a minimal spec', () => {
    const spec = ok(validateJobSpecObject(minimal(), DIR));
    expect(spec).toEqual({
      name: 'j',
      mode: 'stream',
      parallelism: 1,
      maxParallelism: 128,
      guarantee: 'exactly-once',
      source: {
        type: 'file',
        path: '/specs/here/in.jsonl',
        format: 'jsonl',
        csv: { header: true, delimiter: ',' },
        timestampField: null,
        maxRecordsPerSecond: null,
        watermarks: { strategy: 'monotonous', maxOutOfOrderness: 0, idleTimeout: null },
      },
      pipeline: [],
      sink: { type: 'file', path: '/specs/here/out.jsonl', format: 'jsonl' },
      sideOutputs: {},
      checkpoint: { interval: null, minPause: 0, timeout: 600_000, retain: 3, incremental: true, fullEvery: 10 },
      restart: { strategy: 'fixed-delay', attempts: 3, delay: 1000 },
      state: { backend: 'memory', ttl: null },
      batch: { memoryBudgetMb: 256, chunkRecords: 100_000 },
      execution: { mode: 'continuous' },
      overload: { strategy: 'backpressure' },
      specDir: '/specs/here',
    } satisfies JobSpec);
  });

  it('generator defaults; eventTimeRate follows eventsPerSecond', () => {
    const g = ok(validateJobSpecObject(minimal({ source: { type: 'generator' } }), DIR)).source;
    expect(g).toEqual({
      type: 'generator', seed: 0, count: null, keys: 1000, eventsPerSecond: null, skew: 0, startTs: 1_700_000_000_000,
      eventTimeRate: 100_000, splits: 16, timestampField: null,
      watermarks: { strategy: 'monotonous', maxOutOfOrderness: 0, idleTimeout: null }, maxRecordsPerSecond: null,
    });
    const g2 = ok(validateJobSpecObject(minimal({ source: { type: 'generator', eventsPerSecond: 5000 } }), DIR)).source;
    expect(g2).toMatchObject({ eventsPerSecond: 5000, eventTimeRate: 5000 });
  });

  it('file formats default from the extension', () => {
    const fmt = (path: string) => {
      const s = ok(validateJobSpecObject(minimal({ source: { type: 'file', path }, sink: { type: 'file', path } }), DIR));
      return [s.source.type === 'file' && s.source.format, s.sink.type === 'file' && s.sink.format];
    };
    expect(fmt('a.csv')).toEqual(['csv', 'csv']);
    expect(fmt('a.txt')).toEqual(['text', 'jsonl']);
    expect(fmt('a.jsonl')).toEqual(['jsonl', 'jsonl']);
  });

  it('watermarks: maxOutOfOrderness alone means bounded', () => {
    const s = ok(validateJobSpecObject(minimal({ source: { type: 'file', path: 'x', watermarks: { maxOutOfOrderness: '2s' } } }), DIR));
    expect(s.source.watermarks).toEqual({ strategy: 'bounded', maxOutOfOrderness: 2000, idleTimeout: null });
  });

  it('kafka defaults: startFrom group when a groupId is set', () => {
    const src = { type: 'kafka', brokers: ['127.0.0.1:9092'], topics: ['t'] };
    const a = ok(validateJobSpecObject(minimal({ source: src }), DIR)).source;
    expect(a).toMatchObject({ startFrom: 'earliest', groupId: null, isolation: 'read_committed', timestampFrom: 'record', ssl: false, sasl: null, bounded: false });
    const b = ok(validateJobSpecObject(minimal({ source: { ...src, groupId: 'g' } }), DIR)).source;
    expect(b).toMatchObject({ startFrom: 'group', groupId: 'g' });
  });

  it('restart strategies fill their own defaults', () => {
    const r = (restart: unknown) => ok(validateJobSpecObject(minimal({ restart }), DIR)).restart;
    expect(r({ strategy: 'none' })).toEqual({ strategy: 'none' });
    expect(r({ strategy: 'fixed-delay', attempts: 50, delay: '100ms' })).toEqual({ strategy: 'fixed-delay', attempts: 50, delay: 100 });
    expect(r({ strategy: 'failure-rate' })).toEqual({ strategy: 'failure-rate', maxFailures: 3, interval: 60_000, delay: 1000 });
  });

  it('steps normalise to their kinds', () => {
    const spec = ok(
      validateJobSpecObject(
        minimal({
          source: { type: 'generator', count: 10 },
          pipeline: [
            { filter: 'value > 0' },
            { map: 'record' },
            { map: { v: 'value * 2', key: 'key' } },
            { flatMap: 'line.split(" ")' },
            { flatMap: { expr: '[1, 2]', as: 'n' } },
            { keyBy: 'user.id' },
            { keyBy: { expr: 'key + "x"' } },
            { keyBy: { field: 'key' } },
            { window: { type: 'sliding', size: '10s', slide: '5s', offset: '-1s', time: 'event' } },
            { aggregate: { total: { sum: 'value' }, n: { count: true } } },
            { process: { module: './p.ts' } },
            { aggregate: { avg: 'value' } },
          ],
        }),
        DIR,
      ),
    );
    expect(spec.pipeline).toEqual([
      { kind: 'filter', expr: 'value > 0' },
      { kind: 'map', expr: 'record' },
      { kind: 'map', fields: { v: 'value * 2', key: 'key' } },
      { kind: 'flatMap', expr: 'line.split(" ")', as: 'value' },
      { kind: 'flatMap', expr: '[1, 2]', as: 'n' },
      { kind: 'keyBy', field: 'user.id' },
      { kind: 'keyBy', expr: 'key + "x"' },
      { kind: 'keyBy', field: 'key' },
      {
        kind: 'window',
        window: { type: 'sliding', size: 10_000, slide: 5000, offset: -1000, allowedLateness: 0, purgeOnFire: false, lateOutput: null, time: 'event' },
      },
      { kind: 'aggregate', aggregate: { kind: 'named', aggs: { total: { fn: 'sum', field: 'value' }, n: { fn: 'count' } } } },
      { kind: 'process', module: '/specs/here/p.ts', exportName: 'default' },
      { kind: 'aggregate', aggregate: { kind: 'single', agg: { fn: 'avg', field: 'value' } } },
    ]);
  });
});

describe('paths', () => {
  it('resolves relative paths against specDir and keeps absolute ones', () => {
    const spec = ok(
      validateJobSpecObject(
        minimal({
          source: { type: 'log', path: '../logs', topic: 't', bounded: true },
          sink: { type: 'sqlite', path: '/abs/out.db', table: 't' },
          sideOutputs: { late: { type: 'file', path: 'sub/late.jsonl' }, l2: { type: 'log', path: 'l', topic: 'x' } },
        }),
        '/specs/here/',
      ),
    );
    expect(spec.source).toMatchObject({ path: '/specs/logs' });
    expect(spec.sink).toMatchObject({ path: '/abs/out.db' });
    expect(spec.sideOutputs.late).toMatchObject({ path: '/specs/here/sub/late.jsonl' });
    expect(spec.sideOutputs.l2).toMatchObject({ path: '/specs/here/l', partitions: 1 });
    expect(spec.specDir).toBe('/specs/here');
  });
  it('a relative specDir is made absolute', () => {
    const spec = ok(validateJobSpecObject(minimal(), 'rel'));
    expect(spec.specDir).toBe(join(process.cwd(), 'rel'));
  });
});

describe('parseJobSpecText', () => {
  const yaml = `
name: clicks
source: { type: generator, seed: 7, count: 1000, keys: 10 }
pipeline:
  - keyBy: key
  - window: { type: tumbling, size: 2s }
  - aggregate: { count: true }
sink: { type: file, path: out.jsonl }
`;
  it('applies overrides before validation', () => {
    const spec = ok(parseJobSpecText(yaml, { specDir: DIR, overrides: ['parallelism=2', 'source.count=5', 'pipeline[1].window.size=5s'] }));
    expect(spec.parallelism).toBe(2);
    expect(spec.source).toMatchObject({ count: 5 });
    expect(spec.pipeline[1]).toMatchObject({ window: { size: 5000 } });
  });
  it('an override can make a spec invalid, reported at its path', () => {
    expect(errs(parseJobSpecText(yaml, { specDir: DIR, overrides: ['pipeline[1].window.size=ten'] }))).toEqual([
      'pipeline[1].window.size: expected a duration like "10s", got "ten"',
    ]);
    expect(errs(parseJobSpecText(yaml, { specDir: DIR, overrides: ['parallelism'] }))[0]).toMatch(/^\(root\): --set "parallelism": expected path=value/);
  });
  it('reads JSON both as YAML and as JSON', () => {
    const json = JSON.stringify(minimal());
    expect(ok(parseJobSpecText(json, { specDir: DIR })).name).toBe('j');
    expect(ok(parseJobSpecText(json, { specDir: DIR, format: 'json' })).name).toBe('j');
    expect(errs(parseJobSpecText('{"name": ', { specDir: DIR, format: 'json' }))[0]).toMatch(/^\(root\): JSON syntax error/);
  });
  it('YAML syntax errors carry line and column', () => {
    const lines = errs(parseJobSpecText('name: x\nsource: [a, b\nsink: {}\n', { specDir: DIR }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\(root\): YAML syntax error at line \d+, column \d+: /);
  });
  it('reports every problem, not just the first', () => {
    const lines = errs(
      parseJobSpecText('name: x\nparallelism: 0\nsource: { type: file }\nsink: { type: file, path: o, format: xml }\n', { specDir: DIR }),
    );
    expect(lines).toEqual([
      'parallelism: must be ≥ 1, got 0',
      'source.path: missing (required)',
      'sink.format: expected one of jsonl, csv, got "xml"',
    ]);
  });
});

describe('semantic checks', () => {
  const keyed = (window: Record<string, unknown>, source: Record<string, unknown> = { type: 'file', path: 'in', timestampField: 'ts' }) =>
    validateJobSpecObject(minimal({ source, pipeline: [{ keyBy: 'k' }, { window }, { aggregate: { count: true } }] }), DIR);

  it('event-time windows accept generator and kafka (record time) sources without timestampField', () => {
    ok(keyed({ type: 'tumbling', size: '1s' }, { type: 'generator' }));
    ok(keyed({ type: 'tumbling', size: '1s' }, { type: 'kafka', brokers: ['b:1'], topics: ['t'] }));
    ok(keyed({ type: 'tumbling', size: '1s', time: 'processing' }, { type: 'file', path: 'in' }));
    expect(errs(keyed({ type: 'tumbling', size: '1s' }, { type: 'kafka', brokers: ['b:1'], topics: ['t'], timestampFrom: 'field' }))).toEqual([
      'source.timestampField: timestampFrom: field needs timestampField',
      'pipeline[1].window: an event-time window needs event time: set source.timestampField (generator and kafka sources carry timestamps), or use time: processing',
    ]);
  });
  it('window geometry', () => {
    ok(keyed({ type: 'tumbling', size: '1h', offset: '-30m' }));
    expect(errs(keyed({ type: 'tumbling', size: '1h', offset: '-8h' }))).toEqual([
      'pipeline[1].window.offset: |offset| must be less than size (1h), got -8h',
    ]);
    expect(errs(keyed({ type: 'sliding', size: 0, slide: '1s', offset: '1s' }))).toEqual([
      'pipeline[1].window.size: must be positive, got 0ms',
      'pipeline[1].window.offset: |offset| must be less than slide (1s), got 1s',
    ]);
    expect(errs(keyed({ type: 'session', gap: '-1s', allowedLateness: '-1ms' }))).toEqual([
      'pipeline[1].window.gap: must be positive, got -1s',
      'pipeline[1].window.allowedLateness: must not be negative, got -1ms',
    ]);
  });
  it('positive durations elsewhere', () => {
    expect(
      errs(validateJobSpecObject(minimal({ checkpoint: { interval: 0, timeout: '-1s', minPause: -5 }, state: { ttl: '0s' } }), DIR)),
    ).toEqual([
      'checkpoint.interval: must be positive, got 0ms',
      'checkpoint.minPause: must not be negative, got -5ms',
      'checkpoint.timeout: must be positive, got -1s',
      'state.ttl: must be positive, got 0ms',
    ]);
  });
  it('a window at the end of the pipeline', () => {
    expect(errs(validateJobSpecObject(minimal({ source: { type: 'generator' }, pipeline: [{ keyBy: 'k' }, { window: { type: 'session', gap: '1s' } }] }), DIR))).toEqual([
      'pipeline[1]: window must be directly followed by aggregate',
    ]);
  });
  it('batch mode: bounded sources pass, processing time fails', () => {
    ok(validateJobSpecObject(minimal({ mode: 'batch', source: { type: 'generator', count: 10 } }), DIR));
    ok(validateJobSpecObject(minimal({ mode: 'batch', source: { type: 'log', path: 'l', topic: 't', bounded: true } }), DIR));
    expect(errs(validateJobSpecObject(minimal({ mode: 'batch', source: { type: 'log', path: 'l', topic: 't' } }), DIR))).toEqual([
      'source: batch mode needs a bounded source; the log source is unbounded (set source.bounded: true)',
    ]);
    const r = validateJobSpecObject(
      minimal({ mode: 'batch', pipeline: [{ keyBy: 'k' }, { window: { type: 'tumbling', size: '1s', time: 'processing' } }, { aggregate: { count: true } }] }),
      DIR,
    );
    expect(errs(r)).toEqual(['pipeline[1].window.time: processing time has no meaning in batch mode; use event time']);
  });
  it('expressions in every step are compiled', () => {
    const r = validateJobSpecObject(
      minimal({ pipeline: [{ filter: '1 +' }, { map: { 'a.b': '"x" + 1' } }, { flatMap: '[' }, { keyBy: { expr: 'f(' } }] }),
      DIR,
    );
    const lines = errs(r);
    expect(lines.map((l) => l.slice(0, l.indexOf(':', l.indexOf(']') + 1)))).toEqual([
      'pipeline[0].filter',
      'pipeline[1].map["a.b"]',
      'pipeline[2].flatMap',
      'pipeline[3].keyBy.expr',
    ]);
  });
  it('startFrom group needs a groupId', () => {
    const r = validateJobSpecObject(minimal({ source: { type: 'kafka', brokers: ['b:1'], topics: ['t'], startFrom: 'group' } }), DIR);
    expect(errs(r)).toEqual(['source.startFrom: startFrom: group needs a groupId']);
  });
});

describe('loadJobSpecFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves paths against the spec file folder and applies overrides', () => {
    const file = join(dir, 'job.yaml');
    writeFileSync(file, 'name: f\nsource: { type: file, path: in.jsonl }\nsink: { type: file, path: out/o.jsonl }\n');
    const spec = ok(loadJobSpecFile(file, ['parallelism=3']));
    expect(spec.specDir).toBe(dir);
    expect(spec.source).toMatchObject({ path: join(dir, 'in.jsonl') });
    expect(spec.sink).toMatchObject({ path: join(dir, 'out/o.jsonl') });
    expect(spec.parallelism).toBe(3);
  });
  it('reads .json files as JSON', () => {
    const file = join(dir, 'job.json');
    writeFileSync(file, JSON.stringify(minimal()));
    expect(ok(loadJobSpecFile(file)).name).toBe('j');
    writeFileSync(file, '{ name: yaml-only }');
    expect(errs(loadJobSpecFile(file))[0]).toMatch(/^\(root\): JSON syntax error/);
  });
  it('an unreadable file is an error at path "" naming the file', () => {
    const missing = join(dir, 'nope.yaml');
    const r = loadJobSpecFile(missing);
    expect(r).toEqual({ ok: false, errors: [{ path: '', message: `cannot read job spec ${missing}: no such file` }] });
    expect(errs(loadJobSpecFile(dir))[0]).toContain(dir);
  });
});
