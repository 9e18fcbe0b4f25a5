/**
 * Proof that the verifier catches a broken sink: the kill drill runs against the TEST-ONLY
 * SkipTwoPhaseCommitSqliteSink (selected through a runner option, never a spec field). It
 * claims exactly-once but writes straight to the table, so results replayed after a kill
 * land twice. The verdict must be FAIL, with the duplicate count the table itself shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readTable } from '../helpers/jobs.js';
import { explain, runExample } from './helpers.js';

describe('verifier proof', () => {
  it('a sink that skips its two-phase commit makes an exactly-once drill FAIL with the right counts', async () => {
    // The short version: one kill, 6 s of workload. Checkpoints every 2 s and the kill at
    // 3.5 s leave a second and more of window results written after the last checkpoint,
    // so the replay after the kill always writes some of them again (without this, a kill
    // right after a checkpoint could leave nothing to duplicate and the proof would prove
    // nothing).
    const job = parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../resources/drills/keyed-count-job.yaml'), 'utf8')) as Record<string, unknown>;
    const { report, runDir, log } = await runExample('kill-workers-exactly-once.yaml', {
      testOnlySink: 'skip-two-phase-commit',
      tweak: (d) => ({
        ...d,
        job: { ...job, checkpoint: { interval: '2s', retain: 3 } },
        faults: [{ type: 'kill-worker', atMs: 3500, worker: 0 }],
        random: null,
        workload: { ...d.workload, count: 6 * d.workload.rate },
      }),
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
