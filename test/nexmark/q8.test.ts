/**
 * Nexmark q8 (bench/nexmark/q8.yaml) runs as a real job at parallelism 1 and 2 and its output
 * must equal a batch join written out here over the same generated events: group the persons
 * and the auctions by (person id, 10 s window), keep the pairs present on both sides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NEXMARK_DEFAULTS, NexmarkModel } from '../../src/engine/connectors/nexmark-model.js';
import type { Rec } from '../../src/engine/core/types.js';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { nexmarkSpec } from '../../bench/nexmark/specs.js';
import { readJsonl, tempDir } from '../helpers/jobs.js';

const EVENTS = 30_000;
const RATE = 1000; // 30 s of event time: three 10 s windows
const SEED = 5;
const WINDOW = 10_000;
const dir = tempDir('sluice-nexmark-q8-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const model = new NexmarkModel({ ...NEXMARK_DEFAULTS, seed: SEED, eventTimeRate: RATE });
const events: Rec[] = Array.from({ length: EVENTS }, (_, j) => model.event(j));
const windowOf = (e: Rec): number => (e['dateTime'] as number) - ((e['dateTime'] as number) % WINDOW);
const persons = events.filter((e) => e['type'] === 'person');
const auctions = events.filter((e) => e['type'] === 'auction');

/** (seller, window) pairs that have at least one auction. */
const auctionWindows = new Set(auctions.map((a) => `${String(a['seller'])}|${windowOf(a)}`));
const expected = persons
  .filter((p) => auctionWindows.has(`${String(p['id'])}|${windowOf(p)}`))
  .map((p) => ({ id: p['id'], name: p['name'], starttime: windowOf(p), windowStart: windowOf(p), windowEnd: windowOf(p) + WINDOW }));

const sorted = (rows: Rec[]): string[] => rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))))).sort();

async function runQ8(parallelism: number): Promise<Rec[]> {
  const out = path.join(dir, `q8-p${parallelism}.jsonl`);
  const spec = nexmarkSpec('q8', { events: EVENTS, parallelism, seed: SEED, eventTimeRate: RATE, checkpointMs: null, sinkPath: out, splits: 4 });
  const jm = new JobManager(spec, { stateDir: path.join(dir, `state-p${parallelism}`) });
  await jm.start();
  const r = await jm.done;
  if (r.state !== 'FINISHED') throw new Error(`q8 p${parallelism} ${r.state}: ${r.error}`);
  expect(readJsonl(path.join(path.dirname(out), `${spec.name}.dead-letter.jsonl`)), 'dead letters').toEqual([]);
  return readJsonl(out);
}

describe('nexmark q8: persons who opened an auction in the window they registered in', () => {
  it('the input exercises the join: matches in every window, and near misses across windows', () => {
    expect(new Set(expected.map((e) => e.windowStart)).size).toBe(3);
    expect(expected.length).toBeGreaterThan(20);
    // Sellers with auctions only in another window than their registration: a join that
    // ignored the window would (wrongly) report them.
    const sellers = new Set(auctions.map((a) => a['seller']));
    const ignoringWindows = persons.filter((p) => sellers.has(p['id']));
    expect(ignoringWindows.length).toBeGreaterThan(expected.length);
    // Hot sellers open several auctions in one window: one row each, not one per auction.
    const perPair = auctions.filter((a) => expected.some((e) => e.id === a['seller'] && e.windowStart === windowOf(a))).length;
    expect(perPair).toBeGreaterThan(expected.length);
  });

  for (const parallelism of [1, 2]) {
    it(`at parallelism ${parallelism} equals the batch join`, async () => {
      expect(sorted(await runQ8(parallelism))).toEqual(sorted(expected));
    });
  }
});
