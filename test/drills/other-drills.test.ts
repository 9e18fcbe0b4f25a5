/** Example drills without plain kills: slow sink / stalled source, corrupt checkpoint, at-least-once duplicates. */
import { describe, expect, it } from 'vitest';
import { explain, runExample } from './helpers.js';

describe('example drills: backpressure, corruption, at-least-once', () => {
  it('slow-sink-backpressure: backpressure and lag show in the timeline, the output is exact', async () => {
    const { report, log } = await runExample('slow-sink-backpressure.yaml');
    expect(report.verdict, explain(report, log)).toBe('PASS');
    expect(Math.max(...report.timeline.samples.map((s) => s.backpressureMsPerSec))).toBeGreaterThan(0);
    const stall = report.faults.find((f) => f.type === 'stall-source')!;
    expect(stall.atMs).not.toBeNull();
    expect(report.records).toMatchObject({ lost: 0, duplicated: 0, mismatched: 0 });
  }, 120_000);

  it('corrupt-newest-checkpoint: the restore falls back past the corrupt checkpoint, PASS', async () => {
    const { report, log } = await runExample('corrupt-newest-checkpoint.yaml');
    expect(report.verdict, explain(report, log)).toBe('PASS');
    const f = report.faults.find((x) => x.type === 'corrupt-checkpoint')!;
    expect(f.corrupted, explain(report, log)).not.toBeNull();
    expect(f.fallback.join('\n')).toContain(`checkpoint ${f.corrupted!.checkpoint} cannot be restored`);
    expect(f.restoredFrom).toBeLessThan(f.corrupted!.checkpoint);
    // The corruption lands after the failed attempt is gone: no surviving worker trips over it.
    expect(report.faults.filter((x) => x.origin === 'unplanned').map((x) => x.description), explain(report, log)).toEqual([]);
  }, 120_000);

  it('at-least-once-duplicates: duplicates are reported, nothing lost, PASS', async () => {
    const { report, log } = await runExample('at-least-once-duplicates.yaml');
    expect(report.guarantee).toBe('at-least-once');
    expect(report.verdict, explain(report, log)).toBe('PASS');
    expect(report.records.lost).toBe(0);
    expect(report.records.mismatched).toBe(0);
    expect(report.records.duplicated).toBeGreaterThan(0);
    expect(report.records.produced).toBe(report.records.expected + report.records.duplicated);
    expect(report.examples.duplicated.length).toBe(Math.min(20, report.examples.duplicated.length));
    expect(report.verdictReasons.join(' ')).toContain('allowed under at-least-once');
  }, 120_000);
});
