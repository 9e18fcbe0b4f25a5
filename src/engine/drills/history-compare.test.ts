import { describe, expect, it } from 'vitest';
import { compareReports, type Difference } from './history-compare.js';
import type { DrillReport, FaultOutcome } from './report.js';

function fault(seq: number, type: string, t: Partial<FaultOutcome>): FaultOutcome {
  return {
    seq, type, origin: 'fixed', description: type, atMs: 2000, worker: 0, skipped: null,
    detectMs: null, restartMs: null, restoreMs: null, restoreBytes: null, restoredKeys: null, restoredFrom: null,
    caughtUpMs: null, recordsReplayed: null, failures: [], corrupted: null, fallback: [], ...t,
  };
}

/** The parts of a report the comparison reads (the rest is not looked at). */
function report(o: { verdict?: 'PASS' | 'FAIL'; guarantee?: 'exactly-once' | 'at-least-once'; name?: string; lost?: number; duplicated?: number; faults?: FaultOutcome[]; p99?: number | null }): DrillReport {
  return {
    verdict: o.verdict ?? 'PASS',
    guarantee: o.guarantee ?? 'exactly-once',
    drill: { name: o.name ?? 'kill', description: null, file: null, seed: 7 },
    durationMs: 10_000,
    records: { input: 1000, expected: 100, produced: 100 + (o.duplicated ?? 0) - (o.lost ?? 0), lost: o.lost ?? 0, duplicated: o.duplicated ?? 0, mismatched: 0 },
    faults: o.faults ?? [],
    checkpoints: { completed: 10, failed: 0, durationMs: { p50: 40, p99: o.p99 === undefined ? 100 : o.p99, max: 120 }, sizeBytes: { p50: null, max: null }, history: [] },
  } as unknown as DrillReport;
}

const row = (ds: Difference[], label: string): Difference => {
  const d = ds.find((x) => x.label === label);
  if (d === undefined) throw new Error(`no row ${label}`);
  return d;
};

describe('compareReports', () => {
  it('marks PASS better than FAIL and fewer lost records better', () => {
    const ds = compareReports(report({ verdict: 'FAIL', lost: 3 }), report({}));
    expect(row(ds, 'verdict')).toMatchObject({ a: 'FAIL', b: 'PASS', differs: true, better: 'b' });
    expect(row(ds, 'lost')).toMatchObject({ a: 3, b: 0, differs: true, better: 'b', unit: 'records' });
    expect(row(ds, 'mismatched')).toMatchObject({ differs: false, better: 'same' });
  });

  it('gives duplicates a direction only when both runs promise exactly-once', () => {
    expect(row(compareReports(report({ duplicated: 2 }), report({})), 'duplicated').better).toBe('b');
    const alo = compareReports(report({ guarantee: 'at-least-once', duplicated: 2 }), report({ guarantee: 'at-least-once' }));
    expect(row(alo, 'duplicated')).toMatchObject({ differs: true, better: 'n/a' });
  });

  it('pairs faults by order and compares their recovery times, treating timings within 5 % as equal', () => {
    const a = report({ faults: [fault(1, 'kill-worker', { detectMs: 100, restoreMs: 400, caughtUpMs: 2000 })] });
    const b = report({ faults: [fault(1, 'kill-worker', { detectMs: 103, restoreMs: 200, caughtUpMs: null }), fault(2, 'kill-burst', { detectMs: 50 })] });
    const ds = compareReports(a, b);
    expect(row(ds, 'fault 1: detect')).toMatchObject({ a: 100, b: 103, differs: false, better: 'same' });
    expect(row(ds, 'fault 1: restore')).toMatchObject({ a: 400, b: 200, differs: true, better: 'b', unit: 'ms' });
    // Not caught up on one side: different, but not comparable.
    expect(row(ds, 'fault 1: caught up')).toMatchObject({ a: 2000, b: null, differs: true, better: 'n/a' });
    expect(row(ds, 'fault 2: type')).toMatchObject({ a: null, b: 'kill-burst', differs: true, better: 'n/a' });
    expect(row(ds, 'fault 2: detect')).toMatchObject({ a: null, b: 50, differs: true, better: 'n/a' });
  });

  it('compares checkpoint durations (lower is better) and reports identical runs as all the same', () => {
    expect(row(compareReports(report({ p99: 300 }), report({ p99: 100 })), 'duration p99')).toMatchObject({ better: 'b', differs: true });
    const same = compareReports(report({ faults: [fault(1, 'kill-worker', { detectMs: 10 })] }), report({ faults: [fault(1, 'kill-worker', { detectMs: 10 })] }));
    expect(same.filter((d) => d.differs)).toEqual([]);
    expect(same.every((d) => d.better === 'same')).toBe(true);
  });
});
