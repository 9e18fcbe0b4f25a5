/** Example drills with killed workers, against the real engine: exactly-once holds. */
import { describe, expect, it } from 'vitest';
import { explain, runExample } from './helpers.js';

describe('example drills: kills', () => {
  it('kill-workers-exactly-once: PASS, nothing lost or duplicated, recovery measured', async () => {
    const { report, log } = await runExample('kill-workers-exactly-once.yaml');
    expect(report.verdict, explain(report, log)).toBe('PASS');
    expect(report.records).toMatchObject({ lost: 0, duplicated: 0, mismatched: 0 });
    expect(report.records.produced).toBe(report.records.expected);
    expect(report.records.expected).toBeGreaterThan(0);
    const kills = report.faults.filter((f) => f.skipped === null && f.type.startsWith('kill'));
    expect(kills.length).toBeGreaterThanOrEqual(3);
    for (const k of kills) {
      expect(k.detectMs).not.toBeNull();
      expect(k.restartMs).toBeGreaterThan(0);
      // Restore bytes are the stored state read (keys and window contents), not just the keys.
      if (k.restoredKeys !== null && k.restoredKeys > 0) expect(k.restoreBytes!).toBeGreaterThan(20 * k.restoredKeys);
    }
    expect(report.checkpoints.completed).toBeGreaterThan(0);
    // The advisor uses the drill's kills as the failure history: restore and replay measured.
    const advice = report.checkpointAdvice!;
    expect(advice.basis).toMatchObject({ intervalMs: 300, failureRateMeasured: true, restoreSpeedMeasured: true });
    expect(advice.basis.failuresObserved).toBe(report.faults.flatMap((f) => f.failures).length);
    expect(advice.options.filter((o) => o.current).map((o) => o.intervalMs)).toEqual([300]);
  }, 120_000);

  it('kill-during-checkpoint: the injected crash restores an older completed checkpoint, PASS', async () => {
    const { report, log } = await runExample('kill-during-checkpoint.yaml');
    expect(report.verdict, explain(report, log)).toBe('PASS');
    const crash = report.faults.find((f) => f.type === 'kill-during-checkpoint')!;
    expect(crash.failures.length).toBeGreaterThanOrEqual(1);
    expect(crash.restoredFrom === null || crash.restoredFrom < 3).toBe(true);
    expect(report.records).toMatchObject({ lost: 0, duplicated: 0, mismatched: 0 });
  }, 120_000);
});
