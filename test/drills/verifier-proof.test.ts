/**
 * Proof that the verifier catches a broken sink: the kill drill runs against the TEST-ONLY
 * SkipTwoPhaseCommitSqliteSink (selected through a runner option, never a spec field). It
 * claims exactly-once but writes straight to the table, so results replayed after a kill
 * land twice. The verdict must be FAIL, with the duplicate count the table itself shows.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../helpers/jobs.js';
import { explain, runExample } from './helpers.js';

describe('verifier proof', () => {
  it('a sink that skips its two-phase commit makes an exactly-once drill FAIL with the right counts', async () => {
    // The short version: the drill's first kill only, 6 s of workload.
    const { report, runDir, log } = await runExample('kill-workers-exactly-once.yaml', {
      testOnlySink: 'skip-two-phase-commit',
      tweak: (d) => ({ ...d, faults: d.faults.slice(0, 1), random: null, workload: { ...d.workload, count: 6 * d.workload.rate } }),
    });
    expect(report.testOnlySink).toBe('skip-two-phase-commit');
    expect(report.verdict, explain(report, log)).toBe('FAIL');
    const rows = readTable(path.join(runDir, 'output.db'), 'results');
    const distinct = new Set(rows.map((r) => `${String(r['key'])}|${String(r['windowStart'])}|${String(r['windowEnd'])}`));
    const extra = rows.length - distinct.size;
    expect(extra).toBeGreaterThan(0);
    expect(report.records.produced).toBe(rows.length);
    expect(report.records.duplicated).toBe(extra);
    expect(report.records.lost).toBe(0);
    expect(report.records.mismatched).toBe(0);
    expect(report.records.expected).toBe(distinct.size);
    expect(report.verdictReasons.join(' ')).toContain(`${extra} result(s) duplicated under exactly-once`);
    expect(report.examples.duplicated.length).toBe(Math.min(20, report.examples.duplicated.length));
  }, 120_000);
});
