import { describe, expect, it } from 'vitest';
import { batchJob, fileSink, session, sliding, streamJob, tumbling } from './builder.js';
import { JobSpecError } from './errors.js';
import { parseJobSpecText } from './load.js';

const DIR = '/jobs';

describe('builder', () => {
  it('builds the documented example', () => {
    const r = streamJob('clicks')
      .fromFile('in.jsonl', { timestampField: 'ts' })
      .filter('value > 0')
      .keyBy('key')
      .window(tumbling('2s'))
      .aggregate({ sum: 'value' })
      .toFile('out.jsonl')
      .build(DIR);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.pipeline.map((s) => s.kind)).toEqual(['filter', 'keyBy', 'window', 'aggregate']);
    expect(r.spec.source).toMatchObject({ type: 'file', path: '/jobs/in.jsonl', timestampField: 'ts' });
  });

  it('produces the same spec as the equivalent YAML', () => {
    const built = streamJob('gen')
      .parallelism(2)
      .fromGenerator({ seed: 7, count: 1000, keys: 10 })
      .map({ key: 'key', v: 'value * 2' })
      .keyBy('key')
      .window(sliding('10s', '5s', { allowedLateness: '500ms', lateOutput: 'late' }))
      .aggregate({ total: { sum: 'v' }, n: { count: true } })
      .toSqlite('out.db', 'results', { mode: 'upsert', key: ['key', 'windowStart'] })
      .sideOutput('late', fileSink('late.jsonl'))
      .checkpoint({ interval: '500ms', retain: 3 })
      .restart({ strategy: 'fixed-delay', attempts: 50, delay: '100ms' })
      .state({ backend: 'sqlite', ttl: '1h' })
      .buildOrThrow(DIR);
    const yaml = `
name: gen
mode: stream
parallelism: 2
source: { type: generator, seed: 7, count: 1000, keys: 10 }
pipeline:
  - map: { key: key, v: "value * 2" }
  - keyBy: key
  - window: { type: sliding, size: 10s, slide: 5s, allowedLateness: 500ms, lateOutput: late }
  - aggregate: { total: { sum: v }, n: { count: true } }
sink: { type: sqlite, path: out.db, table: results, mode: upsert, key: [key, windowStart] }
sideOutputs:
  late: { type: file, path: late.jsonl }
checkpoint: { interval: 500ms, retain: 3 }
restart: { strategy: fixed-delay, attempts: 50, delay: 100ms }
state: { backend: sqlite, ttl: 1h }
`;
    const parsed = parseJobSpecText(yaml, { specDir: DIR });
    expect(parsed).toEqual({ ok: true, spec: built });
  });

  it('batch() mode, session windows, process steps, log and kafka ends', () => {
    const spec = batchJob('b')
      .fromLog('logs', 'events', { bounded: true, timestampField: 'ts' })
      .keyBy({ expr: 'user.id + "-" + region' })
      .window(session('30s'))
      .aggregate({ count: true })
      .process('./enrich.ts', 'enrich')
      .toKafka(['127.0.0.1:9092'], 'out', { keyField: 'key' })
      .buildOrThrow(DIR);
    expect(spec.mode).toBe('batch');
    expect(spec.pipeline[3]).toEqual({ kind: 'process', module: '/jobs/enrich.ts', exportName: 'enrich' });
    expect(spec.sink).toEqual({ type: 'kafka', brokers: ['127.0.0.1:9092'], topic: 'out', ssl: false, sasl: null, keyField: 'key' });
    expect(streamJob('s').fromGenerator({ count: 1 }).toLog('l', 't', 4).batch().buildOrThrow(DIR).mode).toBe('batch');
  });

  it('goes through the same validation: errors, and buildOrThrow throws them all', () => {
    const b = streamJob('bad').fromGenerator().window(tumbling('ten')).toFile('o.jsonl');
    const r = b.build(DIR);
    expect(r.ok).toBe(false);
    expect(() => b.buildOrThrow(DIR)).toThrow(JobSpecError);
    expect(() => b.buildOrThrow(DIR)).toThrow(/pipeline\[0\]\.window\.size: expected a duration like "10s", got "ten"/);
    expect(() => streamJob('x').toFile('o').buildOrThrow(DIR)).toThrow(/source: missing \(required\)/);
    const unbounded = streamJob('u').fromGenerator().toFile('o').batch().build(DIR);
    expect(unbounded.ok === false && unbounded.errors[0]?.message).toMatch(/batch mode needs a bounded source/);
  });

  it('toDocument is a copy: later calls do not change an earlier document', () => {
    const b = streamJob('c').fromGenerator({ count: 1 }).toFile('o');
    const before = b.toDocument();
    b.filter('value > 0');
    expect(before.pipeline).toEqual([]);
    expect(b.toDocument().pipeline).toEqual([{ filter: 'value > 0' }]);
  });
});
