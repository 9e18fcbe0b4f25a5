import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectorModule, makeTempDir, removeDir, runInChild } from '../test-util.js';
import { LogOffsetOutOfRangeError, PartitionedLog } from './partitioned-log.js';

let dir: string;
let log: PartitionedLog;
let now = 1_000_000;
beforeEach(() => {
  dir = makeTempDir('log');
  now = 1_000_000;
  log = PartitionedLog.open(dir, { now: () => now });
});
afterEach(() => {
  log.close();
  removeDir(dir);
});

describe('PartitionedLog', () => {
  it('appends with dense offsets per partition and reads them back with timestamps', () => {
    log.createTopic('orders', 3);
    expect(log.append('orders', 0, [{ a: 1 }, { a: 2 }], [10, 20])).toEqual({ baseOffset: 0, lastOffset: 1 });
    expect(log.append('orders', 0, [{ a: 3 }])).toEqual({ baseOffset: 2, lastOffset: 2 });
    expect(log.append('orders', 2, [{ b: 'x' }], [5.5])).toEqual({ baseOffset: 0, lastOffset: 0 });
    expect(log.read('orders', 0, 0, 10)).toEqual([
      { offset: 0, record: { a: 1 }, ts: 10 },
      { offset: 1, record: { a: 2 }, ts: 20 },
      { offset: 2, record: { a: 3 }, ts: NaN },
    ]);
    expect(log.read('orders', 0, 1, 1).map((e) => e.offset)).toEqual([1]);
    expect(log.read('orders', 0, 3, 10)).toEqual([]);
    expect(log.read('orders', 2, 0, 10)[0]).toEqual({ offset: 0, record: { b: 'x' }, ts: 5.5 });
    expect(log.endOffset('orders', 0)).toBe(3);
    expect(log.endOffset('orders', 1)).toBe(0);
    expect(log.earliestOffset('orders', 0)).toBe(0);
    expect(() => log.read('orders', 0, 4, 10)).toThrow(/beyond the end/);
    expect(() => log.append('orders', 3, [{}])).toThrow(/partitions 0…2, not 3/);
  });

  it('lists and describes topics, persists across opens, and refuses a partition-count change', () => {
    log.createTopic('b', 1);
    log.createTopic('a', 2, { maxRecords: 5 });
    log.createTopic('a', 2); // idempotent
    log.append('a', 1, [{ x: 1 }]);
    expect(log.topics()).toEqual(['a', 'b']);
    expect(() => log.createTopic('a', 3)).toThrow(/already exists with 2 partitions/);
    expect(() => log.createTopic('bad/name', 1)).toThrow(/invalid log topic name/);
    expect(() => log.read('missing', 0, 0, 1)).toThrow(/topic missing does not exist/);
    const other = PartitionedLog.open(dir);
    try {
      expect(other.describe('a')).toEqual({
        name: 'a',
        partitions: [
          { partition: 0, earliestOffset: 0, endOffset: 0 },
          { partition: 1, earliestOffset: 0, endOffset: 1 },
        ],
        retention: { maxRecords: 5 },
      });
      expect(() => other.createTopic('a', 4)).toThrow(/already exists/);
    } finally {
      other.close();
    }
    expect(fs.existsSync(path.join(dir, 'a.db'))).toBe(true);
  });

  it('retention by count deletes a prefix; offsets are never reused; purged offsets give a clear error', () => {
    log.createTopic('t', 1, { maxRecords: 3 });
    log.append('t', 0, Array.from({ length: 10 }, (_, i) => ({ i })));
    expect(log.enforceRetention()).toEqual([{ topic: 't', partition: 0, removed: 7, earliestOffset: 7 }]);
    expect(log.enforceRetention()).toEqual([]);
    expect(log.earliestOffset('t', 0)).toBe(7);
    expect(log.read('t', 0, 7, 100).map((e) => e.record['i'])).toEqual([7, 8, 9]);
    let err: unknown;
    try {
      log.read('t', 0, 2, 10);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogOffsetOutOfRangeError);
    expect((err as Error).message).toMatch(/offset 2 is no longer available.*earliest available offset is 7/);
    expect((err as LogOffsetOutOfRangeError).earliestOffset).toBe(7);
    expect(log.append('t', 0, [{ i: 10 }])).toEqual({ baseOffset: 10, lastOffset: 10 });
  });

  it('retention by age uses append time and keeps offsets dense', () => {
    log.createTopic('t', 2, { maxAgeMs: 1000 });
    log.append('t', 0, [{ i: 0 }, { i: 1 }]);
    now += 600;
    log.append('t', 0, [{ i: 2 }]);
    log.append('t', 1, [{ j: 0 }]);
    now += 500; // the first two are 1100 ms old, the rest 500 ms
    expect(log.enforceRetention()).toEqual([{ topic: 't', partition: 0, removed: 2, earliestOffset: 2 }]);
    now += 600;
    log.enforceRetention();
    expect(log.describe('t').partitions).toEqual([
      { partition: 0, earliestOffset: 3, endOffset: 3 },
      { partition: 1, earliestOffset: 1, endOffset: 1 },
    ]);
    expect(log.read('t', 0, 3, 10)).toEqual([]);
    expect(() => log.read('t', 1, 0, 10)).toThrow(/earliest available offset is 1/);
  });

  it('several processes append to the same partition concurrently without losing or reusing offsets', async () => {
    log.createTopic('shared', 1);
    const mod = connectorModule('log/partitioned-log.ts');
    const writer = (w: number) => `
      import { PartitionedLog } from ${JSON.stringify(mod)};
      const log = PartitionedLog.open(${JSON.stringify(dir)});
      for (let b = 0; b < 100; b++) log.append('shared', 0, [{ w: ${w}, b, n: 0 }, { w: ${w}, b, n: 1 }]);
      log.close();
    `;
    await Promise.all([0, 1, 2].map((w) => runInChild(writer(w))));
    const entries = log.read('shared', 0, 0, 10_000);
    expect(entries).toHaveLength(600);
    expect(entries.map((e) => e.offset)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    // Each append's two records are adjacent (one transaction), and every writer's batches are in order.
    for (let i = 0; i < 600; i += 2) {
      expect(entries[i]!.record['n']).toBe(0);
      expect(entries[i + 1]!.record).toEqual({ ...entries[i]!.record, n: 1 });
    }
    for (const w of [0, 1, 2]) {
      const bs = entries.filter((e) => e.record['w'] === w && e.record['n'] === 0).map((e) => e.record['b']);
      expect(bs).toEqual(Array.from({ length: 100 }, (_, i) => i));
    }
  });
});
