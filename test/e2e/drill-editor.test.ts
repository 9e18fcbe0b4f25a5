/**
 * Editing a drill in the console, in Chromium against `sluice serve` (a real engine): the
 * editor opens with the shortest example drill's YAML as shipped; a broken edit (a fault
 * after the end of the workload) shows its problem inline with its path and keeps Run
 * disabled; the fixed edit (new name, 4 s instead of 6 s, the fault at 2 s instead of 3 s)
 * runs, reaches PASS, and the run is in the past-runs list under the edited name with the
 * edited fault time. Screenshot drill-editor.png; fails on console errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, openConsole, ROOT, SCREENSHOTS, type Served } from './serve-harness.js';

const run = chromiumAvailable();
const DRILL = 'corrupt-newest-checkpoint';
const shipped = readFileSync(path.join(ROOT, 'resources', 'drills', `${DRILL}.yaml`), 'utf8');

describe.skipIf(!run)('Drill editor e2e (Chromium against sluice serve)', () => {
  let served: Served;
  let close: (() => Promise<void>) | undefined;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ({ served, page, close } = await openConsole(consoleErrors));
  }, 60_000);

  afterAll(async () => {
    await close?.();
  }, 60_000);

  it('opens the example in the editor, shows a broken edit inline, runs the fixed edit to PASS', async () => {
    await page.goto(`${served.url}#/drills`);
    await page.getByText('engine connected').waitFor();
    await page.locator(`[data-test=drill-list] tr[data-drill="${DRILL}"] [data-test=edit-drill]`).click();
    const editor = page.locator(`[data-test=drill-editor][data-example="${DRILL}"]`);
    const text = editor.locator('[data-test=drill-editor-text]');
    const runButton = editor.locator('[data-test=drill-editor-run]');
    await text.waitFor();
    await expect.poll(() => text.inputValue()).toBe(shipped);
    await expect.poll(() => editor.locator('[data-test=drill-editor-status]').textContent()).toBe('valid drill');
    expect(await editor.locator('[data-test=drill-editor-reset]').isDisabled()).toBe(true);

    // Broken: the fault lands after the end of the workload.
    const broken = shipped.replace('at: 3s', 'at: 9s');
    expect(broken).not.toBe(shipped);
    await text.fill(broken);
    const errors = editor.locator('[data-test=drill-editor-errors]');
    await expect.poll(() => errors.textContent(), { timeout: 10_000 }).toContain("faults[0].at: must be within the drill's duration (0 … 6s)");
    expect(await runButton.isDisabled()).toBe(true);
    expect(await text.getAttribute('aria-invalid')).toBe('true');

    // Reset brings the shipped text back.
    await editor.locator('[data-test=drill-editor-reset]').click();
    await expect.poll(() => text.inputValue()).toBe(shipped);

    // Fixed: a new name, a shorter workload, an earlier fault.
    const fixed = shipped.replace(`name: ${DRILL}`, 'name: edited-corrupt').replace('duration: 6s', 'duration: 4s').replace('at: 3s', 'at: 2s');
    await text.fill(fixed);
    await expect.poll(() => editor.locator('[data-test=drill-editor-status]').textContent(), { timeout: 10_000 }).toBe('valid drill');
    expect(await errors.count()).toBe(0);
    expect(await runButton.isDisabled()).toBe(false);
    // Keyboard: Ctrl+Enter in the editor runs it.
    await text.press('Control+Enter');

    const progress = page.locator('[data-test=drill-progress]');
    await progress.waitFor();
    await expect.poll(() => progress.locator('h2').textContent()).toContain('edited-corrupt');
    expect(await progress.textContent()).toContain('workload 4.0 s');
    expect(await runButton.isDisabled()).toBe(true);
    await expect.poll(() => progress.getAttribute('data-phase'), { timeout: 90_000, interval: 500 }).toBe('done');
    await expect.poll(() => page.locator('[data-test=verdict]').textContent(), { timeout: 20_000 }).toBe('PASS');
    expect(await page.locator('[data-test=drill-report] h2').textContent()).toContain('edited-corrupt');
    for (const k of ['lost', 'duplicated', 'mismatched']) expect(await page.locator(`[data-test=verdict-counts] [data-count=${k}]`).textContent()).toBe('0');
    // The one fault at the edited time (2 s; it lands a little after), before the end of the 4 s workload.
    const fault = page.locator('[data-test=fault-table] tr[data-fault="1"]');
    expect(await fault.textContent()).toContain('corrupt-checkpoint');
    const at = Number((await fault.locator('td').nth(2).textContent())!.replace(' s', ''));
    expect(at).toBeGreaterThanOrEqual(2);
    expect(at).toBeLessThan(4);

    // The past-runs list has the edited run, selected; the shipped example is unchanged.
    const rows = page.locator('[data-test=drill-runs] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await rows.first().textContent()).toMatch(/edited-corrupt\s*PASS/);
    expect(await rows.first().getAttribute('class')).toContain('selected');
    expect(readFileSync(path.join(ROOT, 'resources', 'drills', `${DRILL}.yaml`), 'utf8')).toBe(shipped);

    for (const b of await page.locator('.toast button').all()) await b.click();
    // From the top, so the sticky header sits above the page in the full-page shot.
    await page.evaluate(() => (globalThis as unknown as { scrollTo: (x: number, y: number) => void }).scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'drill-editor.png'), fullPage: true });

    await editor.locator('[data-test=drill-editor-close]').click();
    await editor.waitFor({ state: 'detached' });
  }, 150_000);

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
