import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rec } from '../core/types.js';
import { batchJob, session, sliding, tumbling, type AggregateDoc, type JobBuilder, type WindowDoc } from '../job/index.js';
import type { JobSpec } from '../job/spec.js';
import type { Sink } from '../connectors/sink.js';
import { executeBatch, type BatchProgress } from './batch-runner.js';
import { ArraySource, CollectingSink } from './memory-io.js';
import { computeBatchOutputs, computeBatchResult, runBatchJob } from './run-batch.js';
import { canonical, simulateStream } from './test-util.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-batch-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A batch job over `in.jsonl` (event time from `ts`) with the given pipeline. */
function job(pipeline: (b: JobBuilder) => JobBuilder, tweak: Partial<JobSpec> = {}): JobSpec {
  const b = batchJob('t').fromFile('in.jsonl', { timestampField: 'ts' });
  return { ...pipeline(b).toFile('out.jsonl').buildOrThrow(dir), ...tweak };
}

const sortByKeyAndStart = (rs: Rec[]): Rec[] =>
  [...rs].sort((a, b) => String(a.key).localeCompare(String(b.key)) || (a.windowStart as number) - (b.windowStart as number));

describe('windows in batch mode', () => {
  it('tumbling with an offset, negative timestamps, input out of order', async () => {
    const spec = job((b) => b.keyBy('key').window(tumbling(1000, { offset: 200 })).aggregate({ count: true }));
    const input = [
      { key: 'a', ts: 200 },
      { key: 'a', ts: -1500 },
      { key: 'b', ts: -1 },
      { key: 'a', ts: 199 },
      { key: 'a', ts: -5 },
    ];
    const out = sortByKeyAndStart(await computeBatchResult(spec, input));
    expect(out).toEqual([
      { key: 'a', windowStart: -1800, windowEnd: -800, value: 1 },
      { key: 'a', windowStart: -800, windowEnd: 200, value: 2 },
      { key: 'a', windowStart: 200, windowEnd: 1200, value: 1 },
      { key: 'b', windowStart: -800, windowEnd: 200, value: 1 },
    ]);
  });

  it('sliding windows: a record counts in every window it falls in', async () => {
    const spec = job((b) => b.keyBy('key').window(sliding(2000, 1000)).aggregate({ sum: 'v' }));
    const out = sortByKeyAndStart(await computeBatchResult(spec, [{ key: 'a', ts: 1500, v: 10 }, { key: 'a', ts: 500, v: 1 }]));
    expect(out).toEqual([
      { key: 'a', windowStart: -1000, windowEnd: 1000, value: 1 },
      { key: 'a', windowStart: 0, windowEnd: 2000, value: 11 },
      { key: 'a', windowStart: 1000, windowEnd: 3000, value: 10 },
    ]);
  });

  it('session windows merge when a record bridges them', async () => {
    const spec = job((b) => b.keyBy('key').window(session(1000)).aggregate({ count: true }));
    const input = [
      { key: 'a', ts: 0 },
      { key: 'a', ts: 1600 },
      { key: 'b', ts: 5000 },
      { key: 'a', ts: 500 },
      { key: 'a', ts: 1500 }, // touches [0,1500) and overlaps [1600,2600): one session
      { key: 'b', ts: 0 },
    ];
    const out = sortByKeyAndStart(await computeBatchResult(spec, input));
    expect(out).toEqual([
      { key: 'a', windowStart: 0, windowEnd: 2600, value: 4 },
      { key: 'b', windowStart: 0, windowEnd: 1000, value: 1 },
      { key: 'b', windowStart: 5000, windowEnd: 6000, value: 1 },
    ]);
  });

  it('global aggregate: one result per key at the end of input', async () => {
    const spec = job((b) => b.keyBy('key').aggregate({ sum: 'v' }));
    const out = await computeBatchResult(spec, [{ key: 'x', ts: 1, v: 2 }, { key: 'y', ts: 2, v: 5 }, { key: 'x', ts: 3, v: 3 }]);
    expect(canonical(out)).toEqual(canonical([{ key: 'x', value: 5 }, { key: 'y', value: 5 }]));
  });

  it('named aggregates', async () => {
    const agg: AggregateDoc = { n: { count: true }, total: { sum: 'v' }, hi: { max: 'v' }, lo: { min: 'v' }, mean: { avg: 'v' } };
    const spec = job((b) => b.keyBy('key').window(tumbling('1s')).aggregate(agg));
    const out = await computeBatchResult(spec, [{ key: 'a', ts: 10, v: 4 }, { key: 'a', ts: 20, v: 2 }, { key: 'a', ts: 999, v: 6 }]);
    expect(out).toEqual([{ key: 'a', windowStart: 0, windowEnd: 1000, value: { n: 3, total: 12, hi: 6, lo: 2, mean: 4 } }]);
  });

  it('several keyBy stages: window results are re-keyed, filtered and windowed again', async () => {
    const spec = job((b) =>
      b
        .keyBy('key')
        .window(tumbling('1s'))
        .aggregate({ count: true })
        .filter('value > 1')
        .keyBy('windowStart')
        .window(tumbling('2s'))
        .aggregate({ keys: { count: true }, records: { sum: 'value' } }),
    );
    const input: Rec[] = [];
    // window [0,1s): a×3, b×2, c×1 ; window [1s,2s): a×2 ; window [2s,3s): b×4
    for (const [k, t, n] of [['a', 100, 3], ['b', 200, 2], ['c', 300, 1], ['a', 1100, 2], ['b', 2500, 4]] as const) {
      for (let i = 0; i < n; i++) input.push({ key: k, ts: t + i });
    }
    const out = await computeBatchOutputs(spec, input);
    expect(canonical(out.records)).toEqual(
      canonical([
        { key: 0, windowStart: 0, windowEnd: 2000, value: { keys: 2, records: 5 } },
        { key: 1000, windowStart: 0, windowEnd: 2000, value: { keys: 1, records: 2 } },
        { key: 2000, windowStart: 2000, windowEnd: 4000, value: { keys: 1, records: 4 } },
      ]),
    );
    expect(out.result.shuffledRecords).toBe(input.length + 4);
    // The same answer as the stream runtime on in-order input.
    expect(canonical(out.records)).toEqual(canonical((await simulateStream(spec, [...input].sort((x, y) => (x.ts as number) - (y.ts as number)))).records));
  });

  it('a process function: its timers fire at the end of each key, its state is per key', async () => {
    const mod = path.join(dir, 'fn.mjs');
    fs.writeFileSync(
      mod,
      `export default {
        processElement(rec, ctx) {
          ctx.valueState('n').set((ctx.valueState('n').get() ?? 0) + 1);
          ctx.timers.registerEventTime(ctx.timestamp + 10000);
        },
        onTimer(ts, ctx) {
          const n = ctx.valueState('n').get();
          if (n !== undefined) ctx.emit({ key: ctx.key, n, at: ts });
          ctx.valueState('n').clear();
        },
      };`,
    );
    const spec = job((b) => b.keyBy('key').process(mod));
    const out = await computeBatchResult(spec, [{ key: 'a', ts: 5 }, { key: 'b', ts: 7 }, { key: 'a', ts: 1 }]);
    expect(canonical(out)).toEqual(canonical([{ key: 'a', n: 2, at: 10001 }, { key: 'b', n: 1, at: 10007 }]));
  });
});

describe('input and dead letters', () => {
  it('routes bad records to the dead-letter output with a reason', async () => {
    const spec = job((b) => b.keyBy('key').window(tumbling('1s')).aggregate({ sum: 'v' }));
    const out = await computeBatchOutputs(spec, [
      { key: 'a', ts: 1, v: 1 },
      { key: 'a', v: 1 },
      { key: 'a', ts: 'soon', v: 1 },
      { key: 'a', ts: 2, v: 'many' },
      { ts: 3, v: 1 },
      { key: 'a', ts: 4, v: 2 },
    ]);
    expect(out.records).toEqual([{ key: 'a', windowStart: 0, windowEnd: 1000, value: 3 }]);
    const reasons = out.sides['dead-letter']!.map((d) => d.reason as string);
    expect(reasons).toHaveLength(4);
    expect(reasons[0]).toMatch(/timestamp field "ts" is missing/);
    expect(reasons[1]).toMatch(/timestamp field "ts" is not a number \("soon"\)/);
    expect(reasons).toContain('expression "key": field "key" is missing from the record');
    expect(reasons).toContain('field "v" is not a number: "many"');
    expect(out.sides['dead-letter']!.every((d) => typeof d.origin === 'string' && d.raw !== undefined)).toBe(true);
    expect(out.result.deadLetters).toBe(4);
    expect(out.result.recordsIn).toBe(6);
  });

  it('skips {"watermark": T} lines of a from-input source', async () => {
    const b = batchJob('t').fromFile('in.jsonl', { timestampField: 'ts', watermarks: { strategy: 'from-input' } });
    const spec = b.keyBy('key').window(tumbling('1s')).aggregate({ count: true }).toFile('out.jsonl').buildOrThrow(dir);
    const out = await computeBatchOutputs(spec, [{ key: 'a', ts: 1 }, { watermark: 5000 }, { key: 'a', ts: 2 }]);
    expect(out.records).toEqual([{ key: 'a', windowStart: 0, windowEnd: 1000, value: 2 }]);
    expect(out.result.deadLetters).toBe(0);
    expect(out.result.recordsIn).toBe(2);
  });

  it('uses the reader timestamps when no timestampField is set', async () => {
    const withField = job((b) => b.keyBy('key').window(tumbling('1s')).aggregate({ count: true }));
    const spec: JobSpec = { ...withField, source: { ...withField.source, timestampField: null } };
    const out = await computeBatchResult(spec, [{ key: 'a' }, { key: 'a' }], [500, 1500]);
    expect(sortByKeyAndStart(out)).toEqual([
      { key: 'a', windowStart: 0, windowEnd: 1000, value: 1 },
      { key: 'a', windowStart: 1000, windowEnd: 2000, value: 1 },
    ]);
  });
});

function generated(n: number, keys: number, seed: number): Rec[] {
  let s = seed >>> 0;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) out.push({ key: `k${Math.floor(rnd() * keys)}`, ts: Math.floor(rnd() * 60_000) - 10_000, v: Math.floor(rnd() * 100), pad: 'x'.repeat(Math.floor(rnd() * 40)) });
  return out;
}

describe('shuffle spills', () => {
  it('a budget that forces many spills gives the in-memory result, and removes its runs', async () => {
    const input = generated(6000, 40, 1);
    const pipeline = (b: JobBuilder): JobBuilder =>
      b.keyBy('key').window(tumbling('5s', { offset: '1s' })).aggregate({ n: { count: true }, s: { sum: 'v' } }).keyBy('windowStart').aggregate({ sum: 'value.n' });
    const inMemory = await computeBatchOutputs(job(pipeline, { parallelism: 3 }), input);
    expect(inMemory.result.spilledRuns).toBe(0);
    const tmp = path.join(dir, 'spill');
    const tiny = job(pipeline, { parallelism: 3, batch: { memoryBudgetMb: 0.002, chunkRecords: 7 } });
    const spilled = await computeBatchOutputs(tiny, input, undefined, { tmpDir: tmp });
    expect(spilled.result.spilledRuns).toBeGreaterThan(3 * 64); // more than one merge pass per partition
    expect(canonical(spilled.records)).toEqual(canonical(inMemory.records));
    expect(spilled.records.reduce((n, r) => n + (r.value as number), 0)).toBe(6000);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('keeps input order among equal timestamps across spills (a process function sees it)', async () => {
    const mod = path.join(dir, 'order.mjs');
    fs.writeFileSync(mod, `export default { processElement(rec, ctx) { const l = ctx.valueState('l'); l.set([...(l.get() ?? []), rec.i]); ctx.timers.registerEventTime(1e12); }, onTimer(t, ctx) { ctx.emit({ key: ctx.key, order: ctx.valueState('l').get() }); } };`);
    const input: Rec[] = [];
    for (let i = 0; i < 400; i++) input.push({ key: `k${i % 3}`, ts: i % 2 === 0 ? 100 : 50, i });
    const spec = job((b) => b.keyBy('key').process(mod), { batch: { memoryBudgetMb: 0.001, chunkRecords: 5 } });
    const out = await computeBatchOutputs(spec, input);
    expect(out.result.spilledRuns).toBeGreaterThan(10);
    for (const r of out.records) {
      const k = Number(String(r.key).slice(1));
      const mine = input.filter((x) => (x.i as number) % 3 === k);
      const expected = [...mine.filter((x) => x.ts === 50), ...mine.filter((x) => x.ts === 100)].map((x) => x.i);
      expect(r.order).toEqual(expected);
    }
    expect(out.records).toHaveLength(3);
  });

  it('gives the same result at any parallelism (number of reduce partitions)', async () => {
    const input = generated(2000, 25, 2);
    const pipeline = (b: JobBuilder): JobBuilder => b.keyBy('key').window(session('700ms')).aggregate({ max: 'v' });
    const one = await computeBatchResult(job(pipeline, { parallelism: 1 }), input);
    const four = await computeBatchResult(job(pipeline, { parallelism: 4 }), input);
    expect(canonical(four)).toEqual(canonical(one));
  });
});

describe('batch equals stream when no record is late', () => {
  const windows: fc.Arbitrary<WindowDoc | null> = fc.oneof(
    fc.record({ size: fc.integer({ min: 1, max: 50 }), offset: fc.integer({ min: -60, max: 60 }) }).map(({ size, offset }) => tumbling(size, { offset: offset % size })),
    fc.record({ slide: fc.integer({ min: 1, max: 20 }), k: fc.integer({ min: 1, max: 4 }) }).map(({ slide, k }) => sliding(slide * k, slide)),
    fc.integer({ min: 1, max: 30 }).map((gap) => session(gap)),
    fc.constant(null),
  );
  const aggregates: fc.Arbitrary<AggregateDoc> = fc.constantFrom<AggregateDoc>({ count: true }, { sum: 'v' }, { min: 'v' }, { n: { count: true }, m: { max: 'v' } });
  const inputs = fc
    .array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), dt: fc.integer({ min: 0, max: 15 }), v: fc.integer({ min: -5, max: 5 }) }), { maxLength: 60 })
    .map((rs) => {
      let ts = -100;
      return rs.map((r) => ({ key: r.key, ts: (ts += r.dt), v: r.v }));
    });

  it('property: same multiset of results, one or two keyed stages', async () => {
    await fc.assert(
      fc.asyncProperty(inputs, windows, aggregates, fc.boolean(), fc.integer({ min: 1, max: 3 }), async (input, w, agg, twoStages, parallelism) => {
        const spec = job(
          (b) => {
            let x = b.keyBy('key');
            x = w === null ? x.aggregate(agg) : x.window(w).aggregate(agg);
            return twoStages ? x.keyBy({ expr: 'string(key) + "!"' }).aggregate({ count: true }) : x;
          },
          { parallelism, batch: { memoryBudgetMb: 0.001, chunkRecords: 4 } },
        );
        const batch = await computeBatchResult(spec, input);
        const stream = await simulateStream(spec, input);
        expect(canonical(batch)).toEqual(canonical(stream.records));
      }),
      { numRuns: 150 },
    );
  });
});

describe('runBatchJob', () => {
  it('reads files, writes and commits the sink, side outputs and dead letters, reports progress', async () => {
    const lines = [
      JSON.stringify({ key: 'a', ts: 100, v: 1 }),
      'not json',
      JSON.stringify({ key: 'b', ts: 150, v: 2 }),
      JSON.stringify({ key: 'a', ts: 1200, v: 3 }),
      JSON.stringify({ key: 'a', ts: 'late?', v: 3 }),
    ];
    fs.writeFileSync(path.join(dir, 'in.jsonl'), lines.join('\n') + '\n');
    const spec = batchJob('files')
      .fromFile('in.jsonl', { timestampField: 'ts' })
      .keyBy('key')
      .window(tumbling('1s'))
      .aggregate({ sum: 'v' })
      .toFile('out/result.jsonl')
      .batchOptions({ chunkRecords: 2 })
      .buildOrThrow(dir);
    const seen: BatchProgress[] = [];
    const res = await runBatchJob(spec, { onProgress: (p) => seen.push(p), tmpDir: path.join(dir, 'tmp') });
    expect(res).toMatchObject({ recordsIn: 4, recordsOut: 3, deadLetters: 2, spilledRuns: 0 });
    const result = fs.readFileSync(path.join(dir, 'out/result.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    expect(canonical(result)).toEqual(
      canonical([
        { key: 'a', windowStart: 0, windowEnd: 1000, value: 1 },
        { key: 'a', windowStart: 1000, windowEnd: 2000, value: 3 },
        { key: 'b', windowStart: 0, windowEnd: 1000, value: 2 },
      ]),
    );
    const dlFile = path.join(dir, 'out/files.dead-letter.jsonl');
    const dls = fs.readFileSync(dlFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    expect(dls.map((d) => Object.keys(d).sort())).toEqual([['origin', 'raw', 'reason'], ['origin', 'raw', 'reason']]);
    expect(dls[0]!.raw).toBe('not json');
    expect(dls[0]!.origin).toBe('in.jsonl:2');
    expect(new Set(seen.map((p) => p.phase))).toEqual(new Set(['map', 'shuffle', 'reduce']));
    const lastMap = seen.filter((p) => p.phase === 'map').at(-1)!;
    expect(lastMap.done).toBe(4);
    const lastReduce = seen.filter((p) => p.phase === 'reduce').at(-1)!;
    expect(lastReduce.done).toBe(lastReduce.total);
    expect(fs.existsSync(path.join(dir, 'tmp')) ? fs.readdirSync(path.join(dir, 'tmp')) : []).toEqual([]);
    // Nothing staged is left behind by the exactly-once file sink.
    expect(fs.readdirSync(path.join(dir, 'out/result.jsonl.sluice-staging'))).toEqual([]);
  });

  it('a stateless job writes straight from the map tasks', async () => {
    fs.writeFileSync(path.join(dir, 'in.jsonl'), [1, 2, 3, 4, 5].map((i) => JSON.stringify({ i, ts: i })).join('\n'));
    const ok = batchJob('s').fromFile('in.jsonl', { timestampField: 'ts' }).filter('i % 2 == 1').map({ j: 'i * 10' }).toFile('ok.jsonl').batchOptions({ chunkRecords: 2 }).buildOrThrow(dir);
    const res = await runBatchJob(ok);
    expect(res.recordsOut).toBe(3);
    expect(fs.readFileSync(path.join(dir, 'ok.jsonl'), 'utf8')).toBe('{"j":10}\n{"j":30}\n{"j":50}\n');

  });

  it('a failed run commits nothing, on any of its sinks', async () => {
    const spec = job((b) => b.keyBy('key').aggregate({ count: true }));
    const deadLetters = new CollectingSink();
    const failing: Sink = {
      guarantee: 'exactly-once',
      openWriter: () => ({
        write: () => {
          throw new Error('disk full');
        },
        preCommit() {},
        close() {},
      }),
      openCommitter: () => ({ commit() {}, recover() {}, close() {} }),
    };
    const input = [{ key: 'a', ts: 1 }, { key: 'a' }, { key: 'b', ts: 2 }];
    await expect(executeBatch(spec, { source: new ArraySource(input), sink: failing, sideSinks: new Map([['dead-letter', deadLetters]]) })).rejects.toThrow('disk full');
    expect(deadLetters.records).toEqual([]);
    // The same run with a working sink commits both.
    const sink = new CollectingSink();
    await executeBatch(spec, { source: new ArraySource(input), sink, sideSinks: new Map([['dead-letter', deadLetters]]) });
    expect(canonical(sink.records)).toEqual(canonical([{ key: 'a', value: 1 }, { key: 'b', value: 1 }]));
    expect(deadLetters.records).toHaveLength(1);
  });
});
