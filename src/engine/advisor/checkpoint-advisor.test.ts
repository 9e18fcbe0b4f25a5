import { describe, expect, it } from 'vitest';
import { adviseCheckpoints, type AdvisorInput } from './checkpoint-advisor.js';

const cp = (durationMs: number, pause: number, bytes = 10_000_000) => ({ durationMs, syncMs: pause / 2, alignmentMs: pause / 2, fullSizeBytes: bytes });
const base: AdvisorInput = {
  intervalMs: 10_000,
  minPauseMs: 0,
  checkpoints: [cp(200, 20), cp(300, 40), cp(250, 30)],
  inputRatePerSec: 10_000,
  peakRatePerSec: 50_000,
  failures: [{ detectMs: 100, restartMs: 900, restoreMs: 200, restoreBytes: 10_000_000, caughtUpMs: 5_200, recordsReplayed: 120_000 }],
  runMs: 3_600_000,
};

describe('checkpoint advisor', () => {
  it('computes overhead, replay and recovery from the measured inputs', () => {
    const a = adviseCheckpoints(base)!;
    expect(a.basis).toMatchObject({ durationMsP50: 250, pauseMsP50: 30, inputRatePerSec: 10_000, replayRatePerSec: 30_000, replayRateMeasured: true, restoreBytesPerMs: 50_000, failuresPerHour: 1 });
    const now = a.options.find((o) => o.current)!;
    expect(now.intervalMs).toBe(10_000);
    expect(now.overheadPct).toBeCloseTo(0.3, 6); // 30 ms paused every 10 s
    expect(now.replayRecordsAvg).toBe(52_500); // (5 s + 0.25 s) × 10k/s
    expect(now.replayRecordsMax).toBe(102_500);
    // downtime 100 + 900 + 10 MB / 50 kB/ms = 1200 ms; backlog 52,500 + 12,000 at 20k/s spare = 3225 ms
    expect(now.recoveryMsAvg).toBe(1200 + 3225);
    expect(now.expectedCostMsPerHour).toBe(Math.round(0.3 * 36_000 + 4425));
  });

  it('shorter intervals pay more overhead and replay less; the recommendation minimises the total', () => {
    const a = adviseCheckpoints(base)!;
    const sorted = [...a.options].sort((x, y) => x.intervalMs - y.intervalMs);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]!.overheadPct).toBeLessThanOrEqual(sorted[i - 1]!.overheadPct);
      expect(sorted[i]!.replayRecordsAvg).toBeGreaterThanOrEqual(sorted[i - 1]!.replayRecordsAvg);
    }
    const best = Math.min(...a.options.filter((o) => o.overheadPct <= 10).map((o) => o.expectedCostMsPerHour!));
    expect(a.options.find((o) => o.intervalMs === a.recommendation!.intervalMs)!.expectedCostMsPerHour).toBe(best);
  });

  it('an interval shorter than a checkpoint runs them back to back, and says so', () => {
    const a = adviseCheckpoints({ ...base, intervalMs: 100, checkpoints: [cp(800, 100)] })!;
    const now = a.options.find((o) => o.current)!;
    expect(now.effectiveIntervalMs).toBe(800);
    expect(a.notes.join(' ')).toContain('longer than the 100 ms interval');
  });

  it('names what it assumed when nothing failed yet, and sees when a job could never catch up', () => {
    const fresh = adviseCheckpoints({ ...base, failures: [] })!;
    expect(fresh.basis).toMatchObject({ failureRateMeasured: false, replayRateMeasured: false, restoreSpeedMeasured: false, replayRatePerSec: 50_000 });
    expect(fresh.notes.join(' ')).toContain('assumes one failure a day');
    const saturated = adviseCheckpoints({ ...base, failures: [], peakRatePerSec: 10_000 })!;
    expect(saturated.options.every((o) => o.recoveryMsAvg === null)).toBe(true);
    expect(saturated.recommendation).toBeNull();
    expect(saturated.notes.join(' ')).toContain('never catch up');
    // A rate-limited source replays at its rate: recovery ends when the lost input is read again.
    const limited = adviseCheckpoints({ ...base, failures: [], peakRatePerSec: 10_000, sourceRateLimited: true })!;
    const now = limited.options.find((o) => o.current)!;
    expect(now.recoveryMsAvg).toBe(Math.round(1000 + 2000 + 10_000_000 / 50_000 + (52_500 / 10_000) * 1000));
    expect(limited.recommendation).not.toBeNull();
    expect(limited.notes.join(' ')).toContain('rate-limited');
  });

  it('no advice without a completed checkpoint or a measured input rate', () => {
    expect(adviseCheckpoints({ ...base, checkpoints: [] })).toBeNull();
    expect(adviseCheckpoints({ ...base, inputRatePerSec: null })).toBeNull();
  });
});
