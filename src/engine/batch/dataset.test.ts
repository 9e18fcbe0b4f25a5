import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rec } from '../core/types.js';
import { FileSink } from '../connectors/file-sink.js';
import { FileSource } from '../connectors/file-source.js';
import { session, tumbling } from '../job/index.js';
import { Dataset } from './dataset.js';
import { ArraySource, CollectingSink } from './memory-io.js';
import { canonical } from './test-util.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dataset-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('Dataset', () => {
  it('map, filter, flatMap and the actions', async () => {
    const ds = Dataset.from(range(10))
      .filter((x) => x % 2 === 0)
      .map((x) => x * 10)
      .flatMap((x) => [x, x + 1]);
    expect(await ds.collect()).toEqual([0, 1, 20, 21, 40, 41, 60, 61, 80, 81]);
    expect(await ds.count()).toBe(10);
    expect(await ds.take(3)).toEqual([0, 1, 20]);
    expect(await ds.take(0)).toEqual([]);
  });

  it('is lazy: nothing runs until an action, and take stops pulling input', async () => {
    let calls = 0;
    const ds = Dataset.from(range(10_000), { chunkSize: 100 }).map((x) => {
      calls++;
      return x;
    });
    const keyed = ds.keyBy((x) => x % 7).count();
    expect(calls).toBe(0);
    void keyed;
    expect(await ds.take(5)).toEqual([0, 1, 2, 3, 4]);
    expect(calls).toBe(100); // one chunk
  });

  it('cache materialises once; later actions reuse it', async () => {
    let calls = 0;
    const cached = Dataset.from(range(1000), { chunkSize: 64 })
      .map((x) => {
        calls++;
        return { k: `k${x % 3}`, x };
      })
      .cache();
    expect(calls).toBe(0);
    expect(await cached.count()).toBe(1000);
    expect(calls).toBe(1000);
    expect(await cached.take(2)).toEqual([{ k: 'k0', x: 0 }, { k: 'k1', x: 1 }]);
    const sums = await cached.keyBy((r) => r.k).reduce((a, b) => ({ k: a.k, x: a.x + b.x })).map((kv) => [kv.key, kv.value.x]).collect();
    expect(new Map(sums as [string, number][])).toEqual(new Map([['k0', 166_833], ['k1', 166_167], ['k2', 166_500]]));
    expect(await cached.filter((r) => r.x > 990).count()).toBe(9);
    expect(calls).toBe(1000);
  });

  it('keyBy().count() and reduce() (word count), with any number of partitions', async () => {
    const text = ['the quick brown fox', 'jumps over the lazy dog', 'the end'];
    const expected = new Map<string, number>();
    for (const w of text.join(' ').split(' ')) expected.set(w, (expected.get(w) ?? 0) + 1);
    for (const partitions of [1, 3]) {
      const counts = await Dataset.from(text, { partitions })
        .flatMap((l) => l.split(' '))
        .keyBy((w) => w)
        .count()
        .collect();
      expect(new Map(counts.map((c) => [c.key, c.value]))).toEqual(expected);
      const viaReduce = await Dataset.from(text, { partitions })
        .flatMap((l) => l.split(' '))
        .map((w) => ({ w, n: 1 }))
        .keyBy((r) => r.w)
        .reduce((a, b) => ({ w: a.w, n: a.n + b.n }))
        .collect();
      expect(new Map(viaReduce.map((c) => [c.key, c.value.n]))).toEqual(expected);
    }
  });

  it('window().aggregate() with timestamps from the source or withTimestamps', async () => {
    const recs: Rec[] = [{ user: 'a', ts: 100 }, { user: 'a', ts: 900 }, { user: 'b', ts: 50 }, { user: 'a', ts: 2500 }, { user: 'a', ts: 1950 }];
    const fromSource = await Dataset.from(new ArraySource(recs, recs.map((r) => r.ts as number)))
      .keyBy((r) => r.user)
      .window(tumbling('1s'))
      .aggregate({ count: true })
      .collect();
    expect(canonical(fromSource)).toEqual(
      canonical([
        { key: 'a', windowStart: 0, windowEnd: 1000, value: 2 },
        { key: 'a', windowStart: 1000, windowEnd: 2000, value: 1 },
        { key: 'a', windowStart: 2000, windowEnd: 3000, value: 1 },
        { key: 'b', windowStart: 0, windowEnd: 1000, value: 1 },
      ]),
    );
    const sessions = await Dataset.from(recs)
      .withTimestamps((r) => r.ts as number)
      .keyBy((r) => r.user)
      .window(session(600))
      .aggregate({ n: { count: true }, last: { max: 'ts' } })
      .collect();
    expect(canonical(sessions)).toEqual(
      canonical([
        { key: 'a', windowStart: 100, windowEnd: 700, value: { n: 1, last: 100 } },
        { key: 'a', windowStart: 900, windowEnd: 1500, value: { n: 1, last: 900 } },
        { key: 'a', windowStart: 1950, windowEnd: 3100, value: { n: 2, last: 2500 } },
        { key: 'b', windowStart: 50, windowEnd: 650, value: { n: 1, last: 50 } },
      ]),
    );
    const total = await Dataset.from(recs).keyBy((r) => r.user).aggregate({ sum: 'ts' }).collect();
    expect(canonical(total)).toEqual(canonical([{ key: 'a', value: 5450 }, { key: 'b', value: 50 }]));
  });

  it('rejects records a window cannot use, and elements without a timestamp', async () => {
    const ds = Dataset.from([{ k: 1, v: 'x' }]).withTimestamps(() => 5).keyBy((r) => r.k).window(tumbling(10)).aggregate({ sum: 'v' });
    await expect(ds.collect()).rejects.toThrow(/record rejected/);
    const noTs = Dataset.from([{ k: 1 }]).keyBy((r) => r.k).window(tumbling(10)).aggregate({ count: true });
    await expect(noTs.collect()).rejects.toThrow(/no event timestamp/);
    expect(() => Dataset.from([{ k: 1 }]).keyBy((r) => r.k).window({ type: 'tumbling' } as never)).toThrow(/invalid window/);
  });

  it('spills a shuffle past its budget with the same result, and removes its runs', async () => {
    const n = 20_000;
    const make = (budget: number): Dataset<{ key: number; value: number }> =>
      Dataset.from(range(n), { memoryBudgetMb: budget, partitions: 2, tmpDir: path.join(dir, 'tmp'), chunkSize: 500 })
        .map((i) => ({ g: i % 101, i, pad: 'p'.repeat(i % 17) }))
        .keyBy((r) => r.g)
        .reduce((a, b) => ({ g: a.g, i: a.i + b.i, pad: '' }))
        .map((kv) => ({ key: kv.key, value: kv.value.i }));
    const spilled = await make(0.005).collect();
    expect(canonical(spilled)).toEqual(canonical(await make(256).collect()));
    const expected = new Map<number, number>();
    for (let i = 0; i < n; i++) expected.set(i % 101, (expected.get(i % 101) ?? 0) + i);
    expect(new Map(spilled.map((r) => [r.key, r.value]))).toEqual(expected);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('from an async iterable and a file source; writeTo a sink', async () => {
    async function* gen(): AsyncGenerator<Rec> {
      for (let i = 0; i < 5; i++) yield { i };
    }
    const sink = new CollectingSink();
    expect(await Dataset.from(gen()).filter((r) => (r.i as number) > 1).writeTo(sink)).toBe(3);
    expect(sink.records).toEqual([{ i: 2 }, { i: 3 }, { i: 4 }]);

    const input = path.join(dir, 'words.txt');
    fs.writeFileSync(input, 'a b\nb c\n');
    const out = path.join(dir, 'counts.jsonl');
    const written = await Dataset.from(new FileSource({ path: input, format: 'text' }))
      .flatMap((r) => String(r.line).split(' '))
      .keyBy((w) => w)
      .count()
      .writeTo(new FileSink({ path: out, format: 'jsonl', guarantee: 'exactly-once' }));
    expect(written).toBe(3);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    expect(canonical(lines)).toEqual(canonical([{ key: 'a', value: 1 }, { key: 'b', value: 2 }, { key: 'c', value: 1 }]));
  });
});
