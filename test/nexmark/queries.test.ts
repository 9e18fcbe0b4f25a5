/**
 * Each Nexmark query spec in bench/nexmark/ runs as a real job (two worker processes, a
 * keyed exchange, a file sink) on a small input, and its output must equal a
 * straightforward computation over the same events, generated here by the model directly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NEXMARK_DEFAULTS, NexmarkModel } from '../../src/engine/connectors/nexmark-model.js';
import type { Rec } from '../../src/engine/core/types.js';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { nexmarkSpec, type NexmarkQuery } from '../../bench/nexmark/specs.js';
import { readJsonl, tempDir } from '../helpers/jobs.js';

const EVENTS = 30_000;
const RATE = 1000; // 30 s of event time: several 10 s windows, sessions that end and restart
const SEED = 5;
const WINDOW = 10_000;
const dir = tempDir('sluice-nexmark-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const model = new NexmarkModel({ ...NEXMARK_DEFAULTS, seed: SEED, eventTimeRate: RATE });
const events: Rec[] = Array.from({ length: EVENTS }, (_, j) => model.event(j));
const bids = events.filter((e) => e['type'] === 'bid');

async function run(query: NexmarkQuery): Promise<Rec[]> {
  const out = path.join(dir, `${query}.jsonl`);
  const spec = nexmarkSpec(query, { events: EVENTS, parallelism: 2, seed: SEED, eventTimeRate: RATE, checkpointMs: null, sinkPath: out, splits: 4 });
  const jm = new JobManager(spec, { stateDir: path.join(dir, `state-${query}`) });
  await jm.start();
  const r = await jm.done;
  if (r.state !== 'FINISHED') throw new Error(`${query} ${r.state}: ${r.error}`);
  const dead = path.join(path.dirname(out), `${spec.name}.dead-letter.jsonl`);
  expect(readJsonl(dead), 'dead letters').toEqual([]);
  return readJsonl(out);
}

/** Order-free comparison: the workers' outputs interleave arbitrarily. */
const sorted = (rows: Rec[]): string[] => rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))))).sort();

const countBy = <T>(xs: T[], key: (x: T) => string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
};

/** Per group, the items with the highest score (ties all kept). */
function argmaxBy<T>(items: T[], group: (x: T) => string, score: (x: T) => number): T[] {
  const best = new Map<string, T[]>();
  for (const x of items) {
    const g = group(x);
    const cur = best.get(g);
    if (cur === undefined || score(x) > score(cur[0]!)) best.set(g, [x]);
    else if (score(x) === score(cur[0]!)) cur.push(x);
  }
  return [...best.values()].flat();
}

describe('nexmark queries on a small input', () => {
  it('q0 passes every event through unchanged', async () => {
    expect(sorted(await run('q0'))).toEqual(sorted(events));
  });

  it('q1 converts every bid price to euros', async () => {
    const expected = bids.map((b) => ({ auction: b['auction'], bidder: b['bidder'], price: (b['price'] as number) * 0.908, dateTime: b['dateTime'] }));
    expect(sorted(await run('q1'))).toEqual(sorted(expected));
  });

  it('q2 selects the bids on auctions whose id is a multiple of 123', async () => {
    const expected = bids.filter((b) => (b['auction'] as number) % 123 === 0).map((b) => ({ auction: b['auction'], price: b['price'] }));
    expect(expected.length).toBeGreaterThan(10);
    expect(sorted(await run('q2'))).toEqual(sorted(expected));
  });

  it('q5 finds the auctions with the most bids per 10 s window sliding by 2 s', async () => {
    const counts = new Map<string, { auction: number; windowStart: number; windowEnd: number; bids: number }>();
    for (const b of bids) {
      const t = b['dateTime'] as number;
      const last = t - (t % 2000);
      for (let start = last; start > t - WINDOW; start -= 2000) {
        const k = `${String(b['auction'])}|${start}`;
        const c = counts.get(k) ?? { auction: b['auction'] as number, windowStart: start, windowEnd: start + WINDOW, bids: 0 };
        c.bids++;
        counts.set(k, c);
      }
    }
    const expected = argmaxBy([...counts.values()], (c) => String(c.windowEnd), (c) => c.bids);
    expect(new Set(expected.map((e) => e.windowEnd)).size).toBeGreaterThan(10);
    expect(sorted(await run('q5'))).toEqual(sorted(expected));
  });

  it('q7 finds the highest bid(s) per 10 s tumbling window', async () => {
    const withWindow = bids.map((b) => {
      const start = (b['dateTime'] as number) - ((b['dateTime'] as number) % WINDOW);
      return { auction: b['auction'], bidder: b['bidder'], price: b['price'] as number, dateTime: b['dateTime'], windowStart: start, windowEnd: start + WINDOW };
    });
    const expected = argmaxBy(withWindow, (b) => String(b.windowStart), (b) => b.price);
    expect(new Set(expected.map((e) => e.windowStart)).size).toBe(3);
    expect(sorted(await run('q7'))).toEqual(sorted(expected));
  });

  it('q11 counts bids per bidder session (10 s gap)', async () => {
    const byBidder = new Map<number, number[]>();
    for (const b of bids) {
      const list = byBidder.get(b['bidder'] as number) ?? [];
      list.push(b['dateTime'] as number);
      byBidder.set(b['bidder'] as number, list);
    }
    const expected: Rec[] = [];
    for (const [bidder, times] of byBidder) {
      times.sort((a, b) => a - b);
      let start = times[0]!;
      let last = start;
      let n = 0;
      for (const t of times) {
        // Session windows [t, t + gap) merge when they overlap or touch (Flink's rule).
        if (t > last + WINDOW) {
          expected.push({ key: bidder, windowStart: start, windowEnd: last + WINDOW, value: n });
          start = t;
          n = 0;
        }
        last = t;
        n++;
      }
      expected.push({ key: bidder, windowStart: start, windowEnd: last + WINDOW, value: n });
    }
    expect(expected.length).toBeGreaterThan(byBidder.size);
    expect(sorted(await run('q11'))).toEqual(sorted(expected));
  });

  it('q12 counts bids per bidder per 10 s tumbling window', async () => {
    const counts = countBy(bids, (b) => `${String(b['bidder'])}|${(b['dateTime'] as number) - ((b['dateTime'] as number) % WINDOW)}`);
    const expected = [...counts].map(([k, n]) => {
      const [bidder, start] = k.split('|').map(Number) as [number, number];
      return { key: bidder, windowStart: start, windowEnd: start + WINDOW, value: n };
    });
    expect(sorted(await run('q12'))).toEqual(sorted(expected));
  });
});
