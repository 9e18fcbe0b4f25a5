/**
 * The Drills view in a browser against `sluice serve` (a real engine): the example drills
 * are listed; the shortest one (corrupt-newest-checkpoint, 6 s of workload — the drill API
 * takes no duration or count overrides) is run with its button; its progress shows while
 * it runs; the verdict panel shows PASS and the record counts, which must equal the
 * engine's own JSON report (getDrillRun) and the past-runs row. Screenshot 17-drills.png;
 * fails on console errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { callApi, chromiumAvailable, openConsole, SCREENSHOTS, type Served } from './serve-harness.js';

const run = chromiumAvailable();

describe.skipIf(!run)('Drills view e2e (Chromium against sluice serve)', () => {
  let served: Served;
  let close: (() => Promise<void>) | undefined;
  let page: Page;
  const consoleErrors: string[] = [];
  const DRILL = 'corrupt-newest-checkpoint';

  beforeAll(async () => {
    ({ served, page, close } = await openConsole(consoleErrors));
  }, 60_000);

  afterAll(async () => {
    await close?.();
  }, 60_000);

  it('lists the example drills with their faults, and no past runs yet', async () => {
    await page.goto(`${served.url}#/drills`);
    await page.getByText('engine connected').waitFor();
    const row = page.locator(`[data-test=drill-list] tr[data-drill="${DRILL}"]`);
    await row.waitFor();
    expect(await page.locator('[data-test=drill-list] tbody tr').count()).toBeGreaterThanOrEqual(5);
    for (const name of ['at-least-once-duplicates', 'kill-during-checkpoint', 'kill-workers-exactly-once', 'slow-sink-backpressure']) await page.locator(`[data-test=drill-list] tr[data-drill="${name}"]`).waitFor();
    expect(await row.textContent()).toContain('corrupt-checkpoint');
    expect(await row.textContent()).toContain('6.0 s');
    await page.getByText('No drill runs yet.').waitFor();
    await page.getByText('No run selected.').waitFor();
  });

  it('runs the shortest drill from its button, shows progress, then PASS with the counts', async () => {
    await page.locator(`[data-test=drill-list] tr[data-drill="${DRILL}"] [data-test=run-drill]`).click();
    const progress = page.locator('[data-test=drill-progress]');
    await progress.waitFor();
    expect(await progress.getAttribute('data-phase')).toBe('running');
    // Every Run button is disabled while a drill runs.
    expect(await page.locator(`[data-test=drill-list] tr[data-drill="kill-workers-exactly-once"] [data-test=run-drill]`).isDisabled()).toBe(true);
    // The one fault (corrupt-checkpoint at 3 s) is counted when it is injected.
    await expect.poll(() => page.locator('[data-test=drill-faults-done]').textContent(), { timeout: 30_000 }).toBe('1 / 1');
    await expect.poll(() => progress.getAttribute('data-phase'), { timeout: 90_000, interval: 500 }).toBe('done');
    await page.locator('[data-test=verdict]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-test=verdict]').textContent()).toBe('PASS');

    const counts: Record<string, number> = {};
    for (const k of ['expected', 'produced', 'lost', 'duplicated', 'mismatched']) {
      counts[k] = Number(await page.locator(`[data-test=verdict-counts] [data-count=${k}]`).textContent());
    }
    // 20 000 rec/s × 6 s over 500 keys in 500 ms windows: a real, non-trivial result set, exact.
    expect(counts['expected']).toBeGreaterThan(0);
    expect(counts['produced']).toBe(counts['expected']);
    expect(counts['lost']).toBe(0);
    expect(counts['duplicated']).toBe(0);
    expect(counts['mismatched']).toBe(0);

    // The view shows what the engine's report says.
    const runs = (await callApi(served, 'listDrillRuns', {})) as { runId: string; drill: string; verdict: string; expected: number; produced: number }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ drill: DRILL, verdict: 'PASS', expected: counts['expected'], produced: counts['produced'] });
    const report = (await callApi(served, 'getDrillRun', { runId: runs[0]!.runId })) as { records: Record<string, number>; faults: { type: string; restoreMs: number | null; detectMs: number | null }[] };
    expect(report.records).toMatchObject(counts);

    // The fault table: the corrupt-checkpoint fault with its measured recovery.
    const faultRow = page.locator('[data-test=fault-table] tr[data-fault="1"]');
    await faultRow.waitFor();
    expect(await faultRow.textContent()).toContain('corrupt-checkpoint');
    const f = report.faults.find((x) => x.type === 'corrupt-checkpoint')!;
    expect(f.detectMs).not.toBeNull();
    expect(f.restoreMs).not.toBeNull();
    expect(await faultRow.locator('[data-col=detect]').textContent()).not.toBe('–');
    expect(await faultRow.locator('[data-col=restore]').textContent()).not.toMatch(/^–/);
    expect(await page.locator('[data-test=fault-table]').textContent()).toContain('checkpoint fallback');

    // The past-runs table has the run, selected.
    const runRow = page.locator(`[data-test=drill-runs] tr[data-run="${runs[0]!.runId}"]`);
    await runRow.waitFor();
    expect(await runRow.textContent()).toContain('PASS');
    expect(await runRow.getAttribute('class')).toContain('selected');
    // The verdict toast would cover the counts in the screenshot.
    for (const b of await page.locator('.toast button').all()) await b.click();
    await page.screenshot({ path: path.join(SCREENSHOTS, '17-drills.png'), fullPage: true });
  }, 150_000);

  it('reopens the run from the history after a reload', async () => {
    await page.reload();
    await page.getByText('engine connected').waitFor();
    await page.locator('[data-test=verdict]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-test=verdict]').textContent()).toBe('PASS');
    expect(await page.locator('[data-test=drill-runs] tbody tr').count()).toBe(1);
  });

  it('lists the run among the recent drills on the overview', async () => {
    await page.goto(`${served.url}#/`);
    const card = page.locator('[data-test=overview-drills]');
    await card.waitFor();
    await expect.poll(() => card.locator('tbody tr').first().textContent(), { timeout: 10_000 }).toMatch(/corrupt-newest-checkpoint\s*PASS\s*0\s*0/);
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
