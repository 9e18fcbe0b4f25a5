import { describe, expect, it } from 'vitest';
import { windowAssigner, windowStartWithOffset, type TimeWindow } from './assigners.js';

const common = { allowedLateness: 0, purgeOnFire: false, lateOutput: null, time: 'event' as const };
const assign = (spec: Parameters<typeof windowAssigner>[0], ts: number): TimeWindow[] => {
  const out: TimeWindow[] = [];
  windowAssigner(spec).assign(ts, out);
  return out;
};

describe('window start arithmetic (Flink TimeWindow.getWindowStartWithOffset)', () => {
  it('floors positive timestamps', () => {
    expect(windowStartWithOffset(0, 0, 10)).toBe(0);
    expect(windowStartWithOffset(9, 0, 10)).toBe(0);
    expect(windowStartWithOffset(10, 0, 10)).toBe(10);
  });
  it('floors negative timestamps toward −∞', () => {
    expect(windowStartWithOffset(-1, 0, 10)).toBe(-10);
    expect(windowStartWithOffset(-10, 0, 10)).toBe(-10);
    expect(windowStartWithOffset(-11, 0, 10)).toBe(-20);
  });
  it('applies positive and negative offsets', () => {
    expect(windowStartWithOffset(5, 3, 10)).toBe(3);
    expect(windowStartWithOffset(2, 3, 10)).toBe(-7);
    expect(windowStartWithOffset(5, -3, 10)).toBe(-3);
    expect(windowStartWithOffset(7, -3, 10)).toBe(7);
  });
});

describe('assigners', () => {
  it('tumbling gives one [start, end) window', () => {
    expect(assign({ type: 'tumbling', size: 2000, offset: 0, ...common }, 3999)).toEqual([{ start: 2000, end: 4000 }]);
    expect(assign({ type: 'tumbling', size: 2000, offset: 0, ...common }, 4000)).toEqual([{ start: 4000, end: 6000 }]);
  });
  it('tumbling with an hour offset, as for time zones (-8h)', () => {
    const day = 86_400_000;
    const w = assign({ type: 'tumbling', size: day, offset: -8 * 3_600_000, ...common }, 0);
    expect(w).toEqual([{ start: -8 * 3_600_000, end: day - 8 * 3_600_000 }]);
  });
  it('sliding gives size/slide windows, latest first (Flink order)', () => {
    expect(assign({ type: 'sliding', size: 10, slide: 5, offset: 0, ...common }, 7)).toEqual([
      { start: 5, end: 15 },
      { start: 0, end: 10 },
    ]);
    expect(assign({ type: 'sliding', size: 10, slide: 3, offset: 0, ...common }, 0)).toHaveLength(4);
  });
  it('sliding with negative timestamps', () => {
    expect(assign({ type: 'sliding', size: 10, slide: 5, offset: 0, ...common }, -1)).toEqual([
      { start: -5, end: 5 },
      { start: -10, end: 0 },
    ]);
  });
  it('session gives [ts, ts + gap)', () => {
    expect(assign({ type: 'session', gap: 100, ...common }, 42)).toEqual([{ start: 42, end: 142 }]);
  });
});
