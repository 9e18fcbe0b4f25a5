/**
 * The console in a browser against a real engine (`sluice serve`): start an example job and
 * see throughput, kill a worker with the button and see the restart and recovery time,
 * trigger a checkpoint and see it in the history, see top keys in the state tab. Takes a
 * screenshot of each view into test-output/screenshots/ and fails on any console error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, openConsole, SCREENSHOTS, type Served } from './serve-harness.js';

const run = chromiumAvailable();

describe.skipIf(!run)('console e2e (Chromium against sluice serve)', () => {
  let served: Served;
  let close: (() => Promise<void>) | undefined;
  let page: Page;
  let jobUrl = '';
  const consoleErrors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    ({ served, page, close } = await openConsole(consoleErrors));
  }, 60_000);

  afterAll(async () => {
    await close?.();
  }, 60_000);

  it('refuses the page without the token', async () => {
    const res = await fetch(`http://127.0.0.1:${served.port}/`);
    expect(res.status).toBe(401);
  });

  it('shows the overview, connected to the engine', async () => {
    await page.goto(served.url);
    await page.getByText('engine connected').waitFor();
    await page.locator('[data-test=overview] .stat').first().waitFor();
    await shot('01-overview-empty');
  });

  it('shows spec errors inline in the New job editor', async () => {
    await page.goto(`${served.url}#/jobs/new`);
    await page.locator('[data-example=keyed-count]').waitFor();
    await page.locator('[data-test=spec-editor]').fill('name: broken\nparallelism: 0\nsource: { type: nope }\npipeline: []\n');
    await page.locator('[data-test=spec-errors] li').first().waitFor();
    expect(await page.locator('[data-test=start-job]').isDisabled()).toBe(true);
    await shot('02-new-job-errors');
  });

  it('starts the keyed-count example (run unbounded at a fixed rate) and shows throughput > 0', async () => {
    await page.locator('[data-example=keyed-count]').click();
    const editor = page.locator('[data-test=spec-editor]');
    await expect.poll(() => editor.inputValue()).toContain('name: keyed-count');
    const text = await editor.inputValue();
    // The shipped example is bounded (1M records, ~10 s); the drill needs it to keep running.
    await editor.fill(text.replace('count: 1000000', 'count: null, eventsPerSecond: 5000'));
    await expect.poll(() => page.locator('[data-test=start-job]').isEnabled(), { timeout: 10_000 }).toBe(true);
    await shot('03-new-job-example');
    await page.locator('[data-test=start-job]').click();
    await page.locator('[data-test=job-view] [data-test=job-name]').waitFor({ timeout: 30_000 });
    jobUrl = page.url().replace(/\/(overview|workers|checkpoints|state|timeline)$/, '');
    await expect
      .poll(async () => {
        const t = (await page.locator('[data-test=throughput]').textContent().catch(() => null)) ?? '0';
        return parseFloat(t.replace(/[^\d.]/g, '')) || 0;
      }, { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(0);
    await page.waitForTimeout(4000); // a few seconds of chart history
    await shot('04-job-overview');
  });

  it('kills a worker with the button and shows the restart and the recovery time', async () => {
    await page.locator('[data-tab=workers]').click();
    const kill = page.locator('[data-test=kill-1]');
    await expect.poll(() => kill.isEnabled(), { timeout: 20_000 }).toBe(true);
    const pidBefore = await page.locator('[data-worker="1"] td').nth(1).textContent();
    await kill.click();
    await page.locator('[data-test=confirm]').click();
    await page.locator('[data-test=recovery-ms]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-test=recovery-ms]').textContent()).toMatch(/\d+(\.\d+)? (ms|s)/);
    await expect.poll(async () => page.locator('[data-worker="1"] td').nth(1).textContent(), { timeout: 20_000 }).not.toBe(pidBefore);
    await expect.poll(() => page.locator('[data-test=job-state]').textContent(), { timeout: 20_000 }).toBe('RUNNING');
    // Rates need two reports of the new worker processes.
    await expect.poll(async () => page.locator('[data-worker="1"] td').nth(8).textContent(), { timeout: 20_000 }).toMatch(/%/);
    await page.waitForTimeout(1500);
    await shot('05-workers-after-kill');
    await page.locator('[data-tab=timeline]').click();
    await page.locator('[data-test=failures] tbody tr').first().waitFor();
    await shot('06-timeline');
  });

  it('triggers a checkpoint and shows it in the history', async () => {
    await page.locator('[data-tab=checkpoints]').click();
    await page.locator('[data-test=checkpoint-history]').waitFor();
    await page.locator('[data-test=trigger-checkpoint-tab]').click();
    const toast = page.locator('.toast', { hasText: /Checkpoint \d+ completed/ });
    await toast.waitFor({ timeout: 30_000 });
    const id = Number((await toast.textContent())!.match(/Checkpoint (\d+)/)![1]);
    const row = page.locator(`[data-test=checkpoint-history] tr[data-checkpoint="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('completed');
    // The checkpoint advisor: the current interval and the alternatives, from this job's measurements.
    await page.locator('[data-test=advisor-table] tr.mine').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-test=advisor-table] tbody tr').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('[data-test=checkpoint-advisor]').textContent()).toMatch(/records\/s in/);
    await page.waitForTimeout(1500);
    await shot('07-checkpoints');
  });

  it('shows top keys in the state tab and looks one up', async () => {
    await page.locator('[data-tab=state]').click();
    const rows = page.locator('[data-test=top-keys] tbody tr');
    await rows.first().waitFor({ timeout: 30_000 });
    expect(await rows.count()).toBeGreaterThan(0);
    await rows.first().locator('button').click();
    // The table re-sorts with every snapshot, so the key picked is the one the click put in
    // the lookup field (not the first row's text read a moment before the click).
    const key = (await page.locator('[data-test=key-input]').inputValue()).trim();
    expect(key).toMatch(/^k\d+$/);
    // The answer is the key's live state (JSON), or "no state" when its window fired and was purged since.
    await page.locator('[data-test=key-result], [data-test=key-error]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-test=key-error]').count()).toBe(0);
    expect(await page.locator('[data-test=key-result]').textContent()).toContain(key);
    await page.waitForTimeout(500);
    await shot('08-state');
  });

  it('lists the job, switches to the dark theme, shows the Kafka and Drills slots', async () => {
    await page.goto(`${served.url}#/jobs`);
    await page.locator('[data-job=keyed-count]').waitFor();
    await shot('09-jobs');
    await page.goto(`${served.url}#/overview`);
    await page.locator('[data-test=overview] a', { hasText: 'keyed-count' }).first().waitFor();
    await shot('10-overview-running');
    await page.getByRole('button', { name: /dark theme/i }).click();
    await page.goto(jobUrl);
    await page.locator('[data-test=throughput]').waitFor();
    await page.waitForTimeout(1500);
    await shot('11-job-overview-dark');
    await page.goto(`${jobUrl}/checkpoints`);
    await page.locator('[data-test=checkpoint-history] tbody tr').first().waitFor();
    await shot('12-checkpoints-dark');
    await page.goto(`${served.url}#/kafka`);
    await shot('13-kafka-slot');
    await page.getByRole('button', { name: /light theme/i }).click();
  });

  it('stops the job with a savepoint and resumes it at another parallelism (rescale)', async () => {
    await page.goto(jobUrl);
    await page.getByRole('button', { name: 'Stop with savepoint', exact: true }).click();
    await page.locator('[data-test=confirm]').click();
    await expect.poll(() => page.locator('[data-test=job-state]').textContent(), { timeout: 60_000 }).toBe('CANCELED');
    const oldUrl = page.url();
    await page.locator('[data-test=resume-parallelism]').fill('1');
    await page.locator('[data-test=resume-savepoint]').click();
    await expect.poll(() => page.url(), { timeout: 30_000 }).not.toBe(oldUrl);
    await expect.poll(() => page.locator('[data-test=job-state]').textContent(), { timeout: 30_000 }).toBe('RUNNING');
    await expect.poll(() => page.locator('[data-test=job-view]').textContent(), { timeout: 10_000 }).toContain('1 worker(s)');
    await expect
      .poll(async () => parseFloat(((await page.locator('[data-test=throughput]').textContent().catch(() => null)) ?? '0').replace(/[^\d.]/g, '')) || 0, { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(0);
    jobUrl = page.url().replace(/\/(overview|workers|checkpoints|state|timeline)$/, '');
  });

  it('cancels the job after a confirmation', async () => {
    await page.goto(jobUrl);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.locator('[data-test=confirm]').click();
    await expect.poll(() => page.locator('[data-test=job-state]').textContent(), { timeout: 30_000 }).toBe('CANCELED');
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
