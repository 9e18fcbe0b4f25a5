/**
 * Window assigners: which windows a timestamp belongs to. Flink's TumblingEventTimeWindows,
 * SlidingEventTimeWindows and EventTimeSessionWindows, with Flink's arithmetic exactly:
 * windows are [start, end), starts are floored with the offset, also for negative
 * timestamps, and a window's last timestamp is end − 1.
 */
import type { WindowSpec } from '../../job/spec.js';

/** A time window [start, end). */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** The largest timestamp inside the window: the watermark at which it fires. */
export const maxTimestamp = (w: TimeWindow): number => w.end - 1;

/** Flink's TimeWindow.getWindowStartWithOffset: floor toward −∞, whatever the sign. */
export function windowStartWithOffset(timestamp: number, offset: number, size: number): number {
  const remainder = (timestamp - offset) % size;
  return remainder < 0 ? timestamp - (remainder + size) : timestamp - remainder;
}

/** Two windows merge when they overlap or touch (Flink's TimeWindow.intersects). */
export const intersects = (a: TimeWindow, b: TimeWindow): boolean => a.start <= b.end && a.end >= b.start;

export const cover = (a: TimeWindow, b: TimeWindow): TimeWindow => ({
  start: Math.min(a.start, b.start),
  end: Math.max(a.end, b.end),
});

export interface WindowAssigner {
  /** True for session windows: assigned windows are merged with overlapping ones. */
  readonly merging: boolean;
  /** Windows for a timestamp, appended to `out` (cleared first). */
  assign(timestamp: number, out: TimeWindow[]): void;
}

export function windowAssigner(spec: WindowSpec): WindowAssigner {
  switch (spec.type) {
    case 'tumbling': {
      const { size, offset } = spec;
      // One window per record: reuse the same object (callers copy start/end out of it).
      const one = { start: 0, end: 0 };
      return {
        merging: false,
        assign(ts, out) {
          const start = windowStartWithOffset(ts, offset, size);
          one.start = start;
          one.end = start + size;
          out.length = 1;
          out[0] = one;
        },
      };
    }
    case 'sliding': {
      const { size, slide, offset } = spec;
      return {
        merging: false,
        assign(ts, out) {
          out.length = 0;
          const lastStart = windowStartWithOffset(ts, offset, slide);
          for (let start = lastStart; start > ts - size; start -= slide) out.push({ start, end: start + size });
        },
      };
    }
    case 'session': {
      const { gap } = spec;
      return {
        merging: true,
        assign(ts, out) {
          out.length = 0;
          out.push({ start: ts, end: ts + gap });
        },
      };
    }
  }
}
