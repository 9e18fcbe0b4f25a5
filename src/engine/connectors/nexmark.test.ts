import { describe, expect, it } from 'vitest';
import type { Rec } from '../core/types.js';
import { validateJobSpecObject } from '../job/index.js';
import { createSource } from './factory.js';
import { FIRST_AUCTION_ID, FIRST_PERSON_ID, NEXMARK_DEFAULTS, NexmarkModel, eventType } from './nexmark-model.js';
import { NexmarkSource, type NexmarkOptions } from './nexmark-source.js';
import type { SplitReader } from './source.js';

const opts = (o: Partial<NexmarkOptions> = {}): NexmarkOptions => ({ ...NEXMARK_DEFAULTS, seed: 7, count: 5000, eventsPerSecond: null, splits: 1, ...o });

async function drain(reader: SplitReader, batch = 333): Promise<{ records: Rec[]; timestamps: number[] }> {
  const records: Rec[] = [];
  const timestamps: number[] = [];
  for (;;) {
    const r = await reader.poll(batch);
    if (r.kind === 'end') return { records, timestamps };
    if (r.kind !== 'records') throw new Error(`unexpected ${r.kind}`);
    records.push(...r.records);
    timestamps.push(...(r.timestamps ?? []));
  }
}

async function all(o: NexmarkOptions): Promise<Rec[]> {
  const src = new NexmarkSource(o);
  const out: Rec[] = [];
  for (const split of src.listSplits()) out.push(...(await drain(src.openReader(split, undefined))).records);
  return out;
}

describe('nexmark model', () => {
  it('interleaves person : auction : bid as 1 : 3 : 46 with consecutive person and auction ids', async () => {
    const events = await all(opts({ count: 50 * 40 }));
    const persons = events.filter((e) => e['type'] === 'person');
    const auctions = events.filter((e) => e['type'] === 'auction');
    const bids = events.filter((e) => e['type'] === 'bid');
    expect([persons.length, auctions.length, bids.length]).toEqual([40, 120, 1840]);
    expect(persons.map((p) => p['id'])).toEqual(Array.from({ length: 40 }, (_, i) => FIRST_PERSON_ID + i));
    expect(auctions.map((a) => a['id'])).toEqual(Array.from({ length: 120 }, (_, i) => FIRST_AUCTION_ID + i));
    expect(events.slice(0, 5).map((e) => e['type'])).toEqual(['person', 'auction', 'auction', 'auction', 'bid']);
    expect(eventType(50)).toBe('person');
  });

  it('carries the standard Nexmark fields, with dateTime = startTs + j * 1000 / eventTimeRate', async () => {
    const events = await all(opts({ count: 200, eventTimeRate: 400, startTs: 1000 }));
    expect(Object.keys(events[0]!).sort()).toEqual(['city', 'creditCard', 'dateTime', 'emailAddress', 'extra', 'id', 'name', 'state', 'type'].sort());
    expect(Object.keys(events[1]!).sort()).toEqual(
      ['category', 'dateTime', 'description', 'expires', 'extra', 'id', 'initialBid', 'itemName', 'reserve', 'seller', 'type'].sort(),
    );
    expect(Object.keys(events[4]!).sort()).toEqual(['auction', 'bidder', 'channel', 'dateTime', 'extra', 'price', 'type', 'url'].sort());
    events.forEach((e, j) => expect(e['dateTime']).toBe(1000 + Math.floor((j * 1000) / 400)));
    for (const a of events.filter((e) => e['type'] === 'auction')) {
      expect(a['reserve'] as number).toBeGreaterThan(a['initialBid'] as number);
      expect(a['expires'] as number).toBeGreaterThan(a['dateTime'] as number);
      expect(a['category'] as number).toBeGreaterThanOrEqual(10);
      expect(a['category'] as number).toBeLessThan(15);
    }
  });

  it('bids refer to existing (or just-announced) auctions and persons, mostly hot ones', async () => {
    const events = await all(opts({ count: 100_000 }));
    let lastAuction = -1;
    let lastPerson = -1;
    const perAuction = new Map<number, number>();
    let bids = 0;
    for (const e of events) {
      if (e['type'] === 'person') lastPerson = e['id'] as number;
      else if (e['type'] === 'auction') lastAuction = e['id'] as number;
      else {
        bids++;
        const a = e['auction'] as number;
        const ok = a <= lastAuction + 10 && a >= Math.max(FIRST_AUCTION_ID, lastAuction - 100) && (e['bidder'] as number) <= lastPerson + 11 && (e['price'] as number) >= 100;
        if (!ok) expect.fail(`bid out of the model's range after auction ${lastAuction}, person ${lastPerson}: ${JSON.stringify(e)}`);
        perAuction.set(a, (perAuction.get(a) ?? 0) + 1);
      }
    }
    // Hot auctions (multiples of 100 above the first id) take about half the bids (hotAuctionRatio 2).
    const hot = [...perAuction].filter(([a]) => (a - FIRST_AUCTION_ID) % 100 === 0).reduce((s, [, n]) => s + n, 0);
    expect(hot / bids).toBeGreaterThan(0.45);
    expect(hot / bids).toBeLessThan(0.6);
  });

  it('is deterministic from the seed and changes with it', () => {
    const a = new NexmarkModel({ ...NEXMARK_DEFAULTS, seed: 1 });
    const b = new NexmarkModel({ ...NEXMARK_DEFAULTS, seed: 1 });
    const c = new NexmarkModel({ ...NEXMARK_DEFAULTS, seed: 2 });
    const js = [4, 5, 1, 0, 123_456, 2 ** 33 + 7];
    expect(js.map((j) => a.event(j))).toEqual(js.map((j) => b.event(j)));
    expect(js.map((j) => c.event(j))).not.toEqual(js.map((j) => a.event(j)));
  });

  it('pins event values so the Java port (bench/peers/flink) can be checked against them', () => {
    const m = new NexmarkModel({ ...NEXMARK_DEFAULTS, seed: 42 });
    let sum = 0;
    for (let j = 0; j < 100_000; j++) {
      const e = m.event(j);
      if (e['type'] === 'bid') sum = (sum * 31 + (e['auction'] as number) * 7 + (e['bidder'] as number) * 13 + (e['price'] as number)) % 1_000_000_007;
    }
    expect(m.event(4)).toMatchInlineSnapshot(`
      {
        "auction": 1004,
        "bidder": 1001,
        "channel": "Baidu",
        "dateTime": 1700000000000,
        "extra": "",
        "price": 9090000,
        "type": "bid",
        "url": "https://www.nexmark.com/item.htm?query=1&channel_id=2",
      }
    `);
    expect(sum).toMatchInlineSnapshot(`740546748`);
  });
});

describe('nexmark source', () => {
  it('splits partition the sequence; a reader resumed at its position continues exactly', async () => {
    const whole = await all(opts({ count: 3001 }));
    const src = new NexmarkSource(opts({ count: 3001, splits: 3 }));
    const splits = src.listSplits();
    expect(splits.map((s) => s.expectedRecords)).toEqual([1001, 1000, 1000]);
    const merged: Rec[] = new Array<Rec>(3001);
    for (const [s, split] of splits.entries()) {
      const r1 = src.openReader(split, undefined);
      const first = await r1.poll(100);
      if (first.kind !== 'records') throw new Error('expected records');
      const rest = await drain(src.openReader(split, r1.position()));
      [...first.records, ...rest.records].forEach((rec, i) => (merged[s + i * 3] = rec));
      expect(rest.timestamps).toEqual(rest.records.map((r) => r['dateTime']));
    }
    expect(merged).toEqual(whole);
  });

  it('rejects a foreign split, a position of another split and bad options, naming them', () => {
    const src = new NexmarkSource(opts({ splits: 2 }));
    expect(() => src.openReader({ id: 'gen-0' }, undefined)).toThrow(/unknown split "gen-0"/);
    expect(() => src.openReader({ id: 'nexmark-1' }, { next: 4 })).toThrow(/does not belong to split nexmark-1/);
    expect(() => new NexmarkSource(opts({ hotAuctionRatio: 0 }))).toThrow(/nexmark: hotAuctionRatio must be an integer ≥ 1/);
    expect(() => new NexmarkSource(opts({ count: -1 }))).toThrow(/nexmark: count/);
  });

  it('throttles to eventsPerSecond with an injected clock', async () => {
    let now = 0;
    const src = new NexmarkSource(opts({ count: null, eventsPerSecond: 1000, clock: () => now }));
    const reader = src.openReader(src.listSplits()[0]!, undefined);
    expect(reader.poll(500)).toMatchObject({ kind: 'idle' });
    now = 100;
    const r = reader.poll(500);
    expect(r.kind === 'records' ? r.records.length : -1).toBe(100);
  });

  it('is a job spec source type with defaults, and bad values are reported by path', () => {
    const ok = validateJobSpecObject({ name: 'n', source: { type: 'nexmark', seed: 3, count: 100 }, sink: { type: 'file', path: 'o.jsonl' } }, '/tmp');
    if (!ok.ok) throw new Error(JSON.stringify(ok.errors));
    expect(ok.spec.source).toMatchObject({ type: 'nexmark', seed: 3, count: 100, eventTimeRate: 10_000, hotAuctionRatio: 2, splits: 16 });
    expect(createSource(ok.spec.source, '/tmp')).toBeInstanceOf(NexmarkSource);
    const bad = validateJobSpecObject({ name: 'n', source: { type: 'nexmark', hotBiddersRatio: 0, keys: 3 }, sink: { type: 'file', path: 'o.jsonl' } }, '/tmp');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['source.hotBiddersRatio']));
    }
  });
});
