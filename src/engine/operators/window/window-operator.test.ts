import { describe, expect, it } from 'vitest';
import type { AggregateSpec, WindowSpec } from '../../job/spec.js';
import { MAX_WATERMARK } from '../../core/types.js';
import { OperatorHarness } from '../test-harness.js';
import { WindowOperator } from './window-operator.js';

const base = { allowedLateness: 0, purgeOnFire: false, lateOutput: null, time: 'event' as const };
const tumbling = (size: number, extra: Partial<WindowSpec> = {}): WindowSpec => ({ type: 'tumbling', size, offset: 0, ...base, ...extra }) as WindowSpec;
const sum: AggregateSpec = { kind: 'single', agg: { fn: 'sum', field: 'v' } };
const count: AggregateSpec = { kind: 'single', agg: { fn: 'count' } };

async function harness(w: WindowSpec, agg: AggregateSpec = sum): Promise<OperatorHarness> {
  return new OperatorHarness(new WindowOperator('op1-window', w, agg)).open();
}

describe('WindowOperator: event-time tumbling windows', () => {
  it('fires when the watermark reaches end − 1, not before', async () => {
    const h = await harness(tumbling(10));
    h.process(['a', { v: 1 }, 0], ['a', { v: 2 }, 9], ['a', { v: 5 }, 10]);
    h.advanceWatermark(8);
    expect(h.take()).toEqual([]);
    h.advanceWatermark(9);
    expect(h.output.map((e) => e.ts)).toEqual([9]);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10, value: 3 }]);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 10, windowEnd: 20, value: 5 }]);
  });

  it('keeps keys apart and keeps the key type', async () => {
    const h = await harness(tumbling(10), count);
    h.process([1, { v: 1 }, 1], [2, { v: 1 }, 2], [1, { v: 1 }, 3]);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take().sort((a, b) => (a['key'] as number) - (b['key'] as number))).toEqual([
      { key: 1, windowStart: 0, windowEnd: 10, value: 2 },
      { key: 2, windowStart: 0, windowEnd: 10, value: 1 },
    ]);
  });

  it('handles negative timestamps and offsets', async () => {
    const h = await harness(tumbling(10, { offset: 3 }));
    h.process(['a', { v: 1 }, -8], ['a', { v: 1 }, 2], ['a', { v: 1 }, 3]);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take()).toEqual([
      { key: 'a', windowStart: -17, windowEnd: -7, value: 1 },
      { key: 'a', windowStart: -7, windowEnd: 3, value: 1 },
      { key: 'a', windowStart: 3, windowEnd: 13, value: 1 },
    ]);
  });

  it('drops a record late for its window and counts it (no late output)', async () => {
    const h = await harness(tumbling(10));
    h.advanceWatermark(9);
    h.process(['a', { v: 1 }, 5]);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take()).toEqual([]);
    expect(h.counters.numLateRecordsDropped).toBe(1);
  });

  it('sends records late for every window to the late side output, unchanged', async () => {
    const h = await harness(tumbling(10, { lateOutput: 'late' }));
    h.advanceWatermark(20);
    h.process(['a', { v: 7, extra: 'x' }, 5]);
    expect(h.sides.get('late')).toEqual([{ rec: { v: 7, extra: 'x' }, ts: 5 }]);
    expect(h.counters.numLateRecordsToSideOutput).toBe(1);
  });

  it('within allowed lateness, a late record fires the window again at once with the accumulated result', async () => {
    const h = await harness(tumbling(10, { allowedLateness: 5 }));
    h.process(['a', { v: 1 }, 1]);
    h.advanceWatermark(9);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10, value: 1 }]);
    h.advanceWatermark(13);
    h.process(['a', { v: 10 }, 2]);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10, value: 11 }]);
    // end − 1 + lateness = 14: the window is dropped, a record now is late.
    h.advanceWatermark(14);
    h.process(['a', { v: 100 }, 3]);
    expect(h.take()).toEqual([]);
    expect(h.counters.numLateRecordsDropped).toBe(1);
  });

  it('purgeOnFire: a late firing carries only the new contents', async () => {
    const h = await harness(tumbling(10, { allowedLateness: 5, purgeOnFire: true }));
    h.process(['a', { v: 1 }, 1], ['a', { v: 2 }, 2]);
    h.advanceWatermark(9);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10, value: 3 }]);
    h.process(['a', { v: 10 }, 2]);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10, value: 10 }]);
  });

  it('drops window state at end − 1 + allowedLateness', async () => {
    const h = await harness(tumbling(10, { allowedLateness: 5 }));
    h.process(['a', { v: 1 }, 1]);
    h.advanceWatermark(13);
    expect(h.backend.numKeys).toBe(1);
    h.advanceWatermark(14);
    expect(h.backend.numKeys).toBe(0);
  });

  it('the final watermark (+∞) fires every window', async () => {
    const h = await harness(tumbling(10), count);
    for (let i = 0; i < 100; i++) h.process([`k${i % 7}`, { v: 1 }, i * 3]);
    h.advanceWatermark(MAX_WATERMARK);
    const out = h.take();
    expect(out.reduce((s, r) => s + (r['value'] as number), 0)).toBe(100);
    expect(h.backend.numKeys).toBe(0);
  });

  it('routes a record without a number in the aggregated field to the dead-letter output', async () => {
    const h = await harness(tumbling(10));
    h.process(['a', { v: 'x' }, 1], ['a', {}, 2], ['a', { v: 1 }, Number.NaN]);
    expect(h.deadLetters.map((d) => d.reason)).toEqual([
      'field "v" is not a number: "x"',
      'field "v" is missing',
      'record has no event timestamp (set source.timestampField)',
    ]);
  });
});

describe('WindowOperator: sliding windows', () => {
  const sliding = (size: number, slide: number, extra: Partial<WindowSpec> = {}): WindowSpec => ({ type: 'sliding', size, slide, offset: 0, ...base, ...extra }) as WindowSpec;

  it('a record counts in size/slide windows', async () => {
    const h = await harness(sliding(10, 5), count);
    h.process(['a', {}, 7]);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take()).toEqual([
      { key: 'a', windowStart: 0, windowEnd: 10, value: 1 },
      { key: 'a', windowStart: 5, windowEnd: 15, value: 1 },
    ]);
  });

  it('a record late for only some windows is not a late record', async () => {
    const h = await harness(sliding(10, 5, { lateOutput: 'late' }), count);
    h.advanceWatermark(9); // [0,10) is late, [5,15) is not
    h.process(['a', {}, 7]);
    expect(h.sides.get('late')).toBeUndefined();
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 5, windowEnd: 15, value: 1 }]);
  });
});

describe('WindowOperator: session windows', () => {
  const session = (gap: number, extra: Partial<WindowSpec> = {}): WindowSpec => ({ type: 'session', gap, ...base, ...extra }) as WindowSpec;

  it('merges windows that overlap or touch, not ones with a gap', async () => {
    const h = await harness(session(10));
    // [0,10) and [10,20) touch → merge; [25,35) is separate.
    h.process(['a', { v: 1 }, 0], ['a', { v: 2 }, 10], ['a', { v: 4 }, 25]);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take()).toEqual([
      { key: 'a', windowStart: 0, windowEnd: 20, value: 3 },
      { key: 'a', windowStart: 25, windowEnd: 35, value: 4 },
    ]);
  });

  it('a record between two sessions bridges them into one', async () => {
    const h = await harness(session(10));
    h.process(['a', { v: 1 }, 0], ['a', { v: 2 }, 15]);
    h.process(['a', { v: 4 }, 8]);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 25, value: 7 }]);
  });

  it('fires a session when the watermark passes its end − 1', async () => {
    const h = await harness(session(10), count);
    h.process(['a', {}, 0], ['a', {}, 5]);
    h.advanceWatermark(14);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 15, value: 2 }]);
  });

  it('a late record within lateness extends a fired session and fires it again', async () => {
    const h = await harness(session(10, { allowedLateness: 100 }), count);
    h.process(['a', {}, 0]);
    h.advanceWatermark(9);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10, value: 1 }]);
    h.advanceWatermark(30);
    h.process(['a', {}, 5]); // merged [0,15): end − 1 = 14 ≤ 30 → fires at once
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 15, value: 2 }]);
  });

  it('a record for a fresh late session goes to the late output', async () => {
    const h = await harness(session(10, { lateOutput: 'late' }), count);
    h.advanceWatermark(100);
    h.process(['a', {}, 5]);
    expect(h.sides.get('late')?.length).toBe(1);
  });
});

describe('WindowOperator: named aggregates and avg/min/max', () => {
  it('gives an object value', async () => {
    const h = await harness(tumbling(10), {
      kind: 'named',
      aggs: { n: { fn: 'count' }, total: { fn: 'sum', field: 'v' }, lo: { fn: 'min', field: 'v' }, hi: { fn: 'max', field: 'v' }, mean: { fn: 'avg', field: 'v' } },
    } as never);
    h.process(['a', { v: 2 }, 1], ['a', { v: 4 }, 2], ['a', { v: 9 }, 3]);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10, value: { n: 3, total: 15, lo: 2, hi: 9, mean: 5 } }]);
  });
});

describe('WindowOperator: processing time', () => {
  it('assigns by processing time and fires on processing-time ticks', async () => {
    const h = await harness(tumbling(100, { time: 'processing' }), count);
    h.now = 50;
    h.process(['a', {}, 999_999]);
    h.advanceProcessingTime(98);
    expect(h.take()).toEqual([]);
    h.advanceProcessingTime(99);
    expect(h.take()).toEqual([{ key: 'a', windowStart: 0, windowEnd: 100, value: 1 }]);
  });
});

describe('WindowOperator: snapshot and restore', () => {
  it('a restored operator fires pending windows once and never re-fires fired ones', async () => {
    const w = tumbling(10, { allowedLateness: 20 });
    const h = await harness(w, count);
    h.process(['a', {}, 1], ['a', {}, 12]);
    h.advanceWatermark(9); // [0,10) fired, kept for lateness
    expect(h.take()).toHaveLength(1);
    const snap = h.backend.snapshot(true).entries.map((e) => ({ ...e, value: JSON.parse(JSON.stringify(e.value)) }));

    const r = await harness(w, count);
    r.backend.load(snap);
    r.operator.afterRestore!();
    r.advanceWatermark(MAX_WATERMARK);
    expect(r.take()).toEqual([{ key: 'a', windowStart: 10, windowEnd: 20, value: 1 }]);
  });
});
