import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rec } from '../../core/types.js';
import { makeTempDir, removeDir } from '../test-util.js';
import { LogSource, LogSplitReader } from './log-source.js';
import { PartitionedLog } from './partitioned-log.js';

let dir: string;
let log: PartitionedLog;
beforeEach(() => {
  dir = makeTempDir('log-source');
  log = PartitionedLog.open(dir);
  log.createTopic('ev', 2);
  log.append('ev', 0, [{ p: 0, i: 0 }, { p: 0, i: 1 }, { p: 0, i: 2 }], [100, 101, 102]);
  log.append('ev', 1, [{ p: 1, i: 0 }]);
});
afterEach(() => {
  log.close();
  removeDir(dir);
});

function drain(r: LogSplitReader, batch: number): Rec[] {
  const out: Rec[] = [];
  for (;;) {
    const p = r.poll(batch);
    if (p.kind !== 'records') return out;
    out.push(...p.records);
  }
}

describe('LogSource', () => {
  it('one split per partition; bounded stops at the end captured at open', () => {
    const src = new LogSource({ path: dir, topic: 'ev', startFrom: 'earliest', bounded: true });
    expect(src.bounded).toBe(true);
    const splits = src.listSplits();
    expect(splits.map((s) => s.id)).toEqual(['ev/0', 'ev/1']);
    const r = src.openReader(splits[0]!, undefined);
    expect(r.backlog()).toBe(3);
    log.append('ev', 0, [{ p: 0, i: 3 }]); // after open: not part of this bounded read
    const first = r.poll(2);
    expect(first).toEqual({ kind: 'records', records: [{ p: 0, i: 0 }, { p: 0, i: 1 }], timestamps: [100, 101] });
    expect(r.position()).toEqual({ offset: 2 });
    expect(drain(r, 10)).toEqual([{ p: 0, i: 2 }]);
    expect(r.poll(10).kind).toBe('end');
    expect(r.backlog()).toBe(0);
    r.close();
  });

  it('resuming at a position reads exactly the rest', () => {
    const src = new LogSource({ path: dir, topic: 'ev', startFrom: 'earliest', bounded: true });
    const r1 = src.openReader({ id: 'ev/0' }, undefined);
    r1.poll(1);
    const pos = r1.position();
    r1.close();
    const r2 = src.openReader({ id: 'ev/0' }, pos);
    expect(drain(r2, 1)).toEqual([
      { p: 0, i: 1 },
      { p: 0, i: 2 },
    ]);
    r2.close();
  });

  it('unbounded: idle when caught up, then sees new appends; latest skips history', () => {
    const src = new LogSource({ path: dir, topic: 'ev', startFrom: 'latest', bounded: false, idleRetryMs: 7 });
    const r = src.openReader({ id: 'ev/1' }, undefined);
    expect(r.position()).toEqual({ offset: 1 });
    expect(r.poll(10)).toEqual({ kind: 'idle', retryAfterMs: 7 });
    log.append('ev', 1, [{ p: 1, i: 1 }]);
    expect(r.backlog()).toBe(1);
    const p = r.poll(10);
    expect(p.kind === 'records' && p.records).toEqual([{ p: 1, i: 1 }]);
    expect(p.kind === 'records' && p.timestamps).toBe(undefined); // appended without timestamps
    expect(r.poll(10).kind).toBe('idle');
    r.close();
  });

  it('resuming below the earliest retained offset says the data is gone', () => {
    log.createTopic('short', 1, { maxRecords: 2 });
    log.append('short', 0, [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    log.enforceRetention();
    const src = new LogSource({ path: dir, topic: 'short', startFrom: 'earliest', bounded: true });
    expect(() => src.openReader({ id: 'short/0' }, { offset: 1 })).toThrow(/records before offset 2 are gone.*earliest available offset is 2/);
    // A reader that falls behind retention while reading fails on its next poll.
    const r = src.openReader({ id: 'short/0' }, undefined);
    expect(r.position()).toEqual({ offset: 2 });
    r.close();
    const unb = new LogSource({ path: dir, topic: 'short', startFrom: 'earliest', bounded: false }).openReader({ id: 'short/0' }, { offset: 2 });
    log.append('short', 0, [{ i: 4 }, { i: 5 }]);
    log.enforceRetention();
    expect(() => unb.poll(10)).toThrow(/earliest available offset is 4/);
    unb.close();
  });

  it('rejects splits of another topic and a missing topic', () => {
    const src = new LogSource({ path: dir, topic: 'ev', startFrom: 'earliest', bounded: true });
    expect(() => src.openReader({ id: 'other/0' }, undefined)).toThrow(/not a partition of topic ev/);
    expect(() => new LogSource({ path: dir, topic: 'nope', startFrom: 'earliest', bounded: true }).listSplits()).toThrow(/topic nope does not exist/);
  });
});
