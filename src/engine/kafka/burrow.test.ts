import { describe, expect, it } from 'vitest';
import { appendEntry, DEFAULT_BURROW_OPTIONS, evaluateGroup, evaluatePartition, type LagEntry, type PartitionLagStatus } from './burrow.js';

/** Commits every 60 s starting at t0, as [offset, lag] pairs. */
const T0 = 1_700_000_000_000;
function history(pairs: [number, number | null][], stepMs = 60_000): LagEntry[] {
  return pairs.map(([offset, lag], i) => ({ offset, lag, timestamp: T0 + i * stepMs, observedAt: T0 + i * stepMs }));
}
const lastTs = (h: LagEntry[]): number => h[h.length - 1]!.timestamp;

describe('Burrow partition rules (console-anchors §3.2)', () => {
  it('no offsets → OK (no-offsets)', () => {
    expect(evaluatePartition([], 100, T0)).toMatchObject({ status: 'OK', rule: 'no-offsets' });
  });

  it('current lag within allowed-lag → OK even when the history is bad', () => {
    const h = history([[10, 5], [10, 5], [10, 5]]);
    expect(evaluatePartition(h, 0, lastTs(h) + 10 * 60_000)).toMatchObject({ status: 'OK', rule: 'allowed-lag' });
    expect(evaluatePartition(h, 3, lastTs(h), [], { ...DEFAULT_BURROW_OPTIONS, allowedLag: 3 })).toMatchObject({ status: 'OK', rule: 'allowed-lag' });
  });

  it('minimum-complete gate', () => {
    const h = history([[10, 5], [10, 5]]);
    expect(evaluatePartition(h, 5, lastTs(h), [], { ...DEFAULT_BURROW_OPTIONS, minimumComplete: 0.5 })).toMatchObject({ status: 'OK', rule: 'incomplete' });
  });

  it('STOP: silent for longer than the window spans', () => {
    const h = history([[10, 5], [20, 5], [30, 5]]); // spans 120 s
    const ev = evaluatePartition(h, 5, lastTs(h) + 121_000);
    expect(ev).toMatchObject({ status: 'STOP', rule: 'stop', windowSpanMs: 120_000 });
    expect(ev.reason).toMatch(/no commit for 121 s/);
    // exactly the span is not yet a stop (strictly greater)
    expect(evaluatePartition(h, 5, lastTs(h) + 120_000).status).not.toBe('STOP');
  });

  it('STOP is checked before the zero-lag rule (Burrow #745)', () => {
    const h = history([[10, 0], [20, 5], [30, 5]]);
    expect(evaluatePartition(h, 5, lastTs(h) + 10 * 60_000).status).toBe('STOP');
  });

  it('STOP suppressed when a stored broker head ≤ the last committed offset', () => {
    const h = history([[10, 5], [20, 5], [30, 5]]);
    expect(evaluatePartition(h, 5, lastTs(h) + 10 * 60_000, [30, 35]).status).not.toBe('STOP');
    expect(evaluatePartition(h, 5, lastTs(h) + 10 * 60_000, [31, 35]).status).toBe('STOP');
  });

  it('REWIND: an offset drop not recovered later; recovered drops are not rewinds', () => {
    const h = history([[100, 5], [120, 5], [40, 85], [60, 70]]);
    const ev = evaluatePartition(h, 70, lastTs(h));
    expect(ev).toMatchObject({ status: 'REWIND', rule: 'rewind' });
    expect(ev.reason).toMatch(/from 120 to 40/);
    const recovered = history([[100, 5], [120, 5], [40, 85], [130, 3]]);
    expect(evaluatePartition(recovered, 3, lastTs(recovered)).status).not.toBe('REWIND');
  });

  it('REWIND is checked before the zero-lag rule', () => {
    const h = history([[100, 0], [20, 80], [30, 75]]);
    expect(evaluatePartition(h, 75, lastTs(h)).status).toBe('REWIND');
  });

  it('rule 1: any zero lag in the window → OK', () => {
    const h = history([[10, 0], [10, 5], [10, 9]]);
    expect(evaluatePartition(h, 9, lastTs(h))).toMatchObject({ status: 'OK', rule: 'zero-lag-in-window' });
  });

  it('STALL: commits at the same offset with lag', () => {
    const h = history([[10, 5], [10, 6], [10, 8]]);
    const ev = evaluatePartition(h, 8, lastTs(h));
    expect(ev).toMatchObject({ status: 'STALL', rule: 'stall' });
    expect(ev.reason).toMatch(/all 3 commits .* offset 10/);
  });

  it('WARN: offsets move, lag never decreases (unknown lags skipped)', () => {
    const h = history([[10, 5], [20, 5], [30, null], [40, 9]]);
    expect(evaluatePartition(h, 9, lastTs(h))).toMatchObject({ status: 'WARN', rule: 'lag-not-decreasing' });
  });

  it('OK: offsets move and lag decreases somewhere', () => {
    const h = history([[10, 50], [60, 40], [100, 45]]);
    expect(evaluatePartition(h, 45, lastTs(h))).toMatchObject({ status: 'OK', rule: 'ok' });
  });

  it('only the last `intervals` commits count; complete = filled share', () => {
    const h = history([[1, 0], ...Array.from({ length: 10 }, (_, i) => [10 + i * 10, 5 + i] as [number, number])]);
    const ev = evaluatePartition(h, 14, lastTs(h));
    expect(ev.status).toBe('WARN'); // the zero-lag entry fell out of the 10-commit window
    expect(ev.complete).toBe(1);
    expect(evaluatePartition(h.slice(0, 5), 5, h[4]!.timestamp).complete).toBe(0.5);
  });
});

describe('Burrow window storage', () => {
  it('a commit within min-distance replaces the previous one; the ring keeps `intervals`', () => {
    let w: LagEntry[] = [];
    w = appendEntry(w, { offset: 1, lag: 3, timestamp: 0, observedAt: 0 });
    w = appendEntry(w, { offset: 2, lag: 2, timestamp: 500, observedAt: 500 });
    expect(w).toEqual([{ offset: 2, lag: 2, timestamp: 500, observedAt: 500 }]);
    w = appendEntry(w, { offset: 3, lag: -4, timestamp: 2_000, observedAt: 2_000 });
    expect(w.map((e) => [e.offset, e.lag])).toEqual([[2, 2], [3, 0]]);
    for (let i = 0; i < 20; i++) w = appendEntry(w, { offset: 10 + i, lag: 1, timestamp: 10_000 + i * 5_000, observedAt: 0 });
    expect(w).toHaveLength(10);
    expect(w[0]!.offset).toBe(20);
  });
});

describe('Burrow group status (§3.3)', () => {
  const p = (status: PartitionLagStatus['status'], lag: number, complete = 1): PartitionLagStatus => ({
    topic: 't',
    partition: 0,
    status,
    rule: 'ok',
    reason: '',
    complete,
    start: null,
    end: null,
    currentLag: lag,
    windowSpanMs: 0,
  });
  it('worst partition; STOP/STALL/REWIND → ERR; WARN stays WARN; totals', () => {
    expect(evaluateGroup([p('OK', 1), p('OK', 2)]).status).toBe('OK');
    expect(evaluateGroup([p('OK', 1), p('WARN', 2)]).status).toBe('WARN');
    for (const s of ['STOP', 'STALL', 'REWIND'] as const) expect(evaluateGroup([p('WARN', 1), p(s, 2), p('WARN', 3)]).status).toBe('ERR');
    const g = evaluateGroup([p('OK', 1), p('WARN', 7, 0.5), p('OK', 2)]);
    expect(g).toMatchObject({ totalLag: 10, partitionCount: 3, complete: 2 / 3 });
    expect(g.maxLag?.currentLag).toBe(7);
  });
});
