import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_WATERMARK } from '../../core/types.js';
import { OperatorHarness } from '../test-harness.js';
import { ProcessOperator } from './process-operator.js';

const fixture = path.resolve(import.meta.dirname, '../../../../test/fixtures/process/semantics-check.ts');

describe('ProcessOperator', () => {
  it('runs a TypeScript process function with keyed value state and event-time timers', async () => {
    const h = await new OperatorHarness(await ProcessOperator.load('op1-process', fixture, 'default')).open();
    h.process(['a', { seq: 1 }, 1], ['b', { seq: 1 }, 1], ['a', { seq: 2 }, 2], ['a', { seq: 4 }, 3]);
    expect(h.take()).toEqual([{ key: 'a', alert: 'expected seq 3, got 4' }]);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take().sort((x, y) => String(x['key']).localeCompare(String(y['key'])))).toEqual([
      { key: 'a', last: 4 },
      { key: 'b', last: 1 },
    ]);
  });

  it('state and timers survive snapshot and restore', async () => {
    const h = await new OperatorHarness(await ProcessOperator.load('op1-process', fixture, 'default')).open();
    h.process(['a', { seq: 1 }, 1], ['a', { seq: 2 }, 2]);
    const snap = h.backend.snapshot(true).entries.map((e) => ({ ...e, value: JSON.parse(JSON.stringify(e.value)) }));
    const r = await new OperatorHarness(await ProcessOperator.load('op1-process', fixture, 'default')).open();
    r.backend.load(snap);
    r.operator.afterRestore!();
    r.process(['a', { seq: 3 }, 3]);
    expect(r.take()).toEqual([]);
    r.advanceWatermark(MAX_WATERMARK);
    expect(r.take()).toEqual([{ key: 'a', last: 3 }]);
  });

  it('a module without processElement is refused with a clear message', async () => {
    await expect(ProcessOperator.load('x', path.resolve(import.meta.dirname, 'api.ts'), 'default')).rejects.toThrow(/must export "default" as an object with a processElement/);
  });
});

describe('ProcessOperator state clean-up', () => {
  const q7 = path.resolve(import.meta.dirname, '../../../../bench/nexmark/q7-highest-bid.ts');
  it('a key whose timers have all fired and whose state was cleared leaves nothing in state', async () => {
    const h = await new OperatorHarness(await ProcessOperator.load('op1-process', q7, 'default')).open();
    // Keys are window starts (10 s windows); each bid registers the window-end timer.
    h.process([0, { auction: 1, bidder: 1, price: 5, dateTime: 10 }, 10], [10_000, { auction: 2, bidder: 2, price: 7, dateTime: 10_005 }, 10_005]);
    expect(h.backend.numKeys).toBeGreaterThan(0);
    h.advanceWatermark(MAX_WATERMARK);
    expect(h.take()).toHaveLength(2);
    expect(h.backend.numKeys).toBe(0);
  });
});
