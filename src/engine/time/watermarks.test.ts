import { describe, expect, it } from 'vitest';
import { MAX_WATERMARK, MIN_WATERMARK } from '../core/types.js';
import { combinedWatermark, inputWatermarkOf, SplitWatermark } from './watermarks.js';

const spec = (strategy: 'bounded' | 'monotonous' | 'from-input' | 'none', maxOutOfOrderness = 0, idleTimeout: number | null = null) => ({ strategy, maxOutOfOrderness, idleTimeout });

describe('watermark strategies', () => {
  it('starts at −∞', () => {
    expect(new SplitWatermark(spec('bounded', 100), 0).current()).toBe(MIN_WATERMARK);
  });
  it('bounded: max timestamp − bound − 1', () => {
    const w = new SplitWatermark(spec('bounded', 2000), 0);
    w.onTimestamp(10_000);
    w.onTimestamp(9_000);
    expect(w.current()).toBe(7_999);
  });
  it('monotonous: max timestamp − 1', () => {
    const w = new SplitWatermark(spec('monotonous'), 0);
    w.onTimestamp(500);
    expect(w.current()).toBe(499);
  });
  it('from-input: only {"watermark": T} lines move it', () => {
    const w = new SplitWatermark(spec('from-input'), 0);
    w.onTimestamp(500);
    expect(w.current()).toBe(MIN_WATERMARK);
    expect(inputWatermarkOf({ watermark: 300 })).toBe(300);
    expect(inputWatermarkOf({ watermark: 300, key: 'a' })).toBeUndefined();
    w.onInputWatermark(300);
    w.onInputWatermark(200);
    expect(w.current()).toBe(300);
  });
  it('none: −∞ until the input ends, then +∞', () => {
    const w = new SplitWatermark(spec('none'), 0);
    w.onTimestamp(500);
    expect(w.current()).toBe(MIN_WATERMARK);
    w.ended = true;
    expect(w.current()).toBe(MAX_WATERMARK);
  });
});

describe('combined watermark and idleness', () => {
  it('is the minimum over splits; an ended split no longer holds it back', () => {
    const a = new SplitWatermark(spec('monotonous'), 0);
    const b = new SplitWatermark(spec('monotonous'), 0);
    a.onTimestamp(1000);
    b.onTimestamp(50);
    expect(combinedWatermark([a, b], 0)).toBe(49);
    b.ended = true;
    expect(combinedWatermark([a, b], 0)).toBe(999);
  });
  it('a split silent for idleTimeout is left out; when every split is idle the watermark does not move', () => {
    const a = new SplitWatermark(spec('monotonous', 0, 1000), 0);
    const b = new SplitWatermark(spec('monotonous', 0, 1000), 0);
    a.onTimestamp(5000);
    b.onTimestamp(10);
    a.touch(1500);
    expect(combinedWatermark([a, b], 1200)).toBe(4999); // b idle since 0
    expect(combinedWatermark([a, b], 2600)).toBeUndefined(); // both idle
    b.touch(2600);
    expect(combinedWatermark([a, b], 2600)).toBe(9); // b active again holds it back
  });
});
