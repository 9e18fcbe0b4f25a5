/**
 * The console's job overview shows how a job is executed and how it handles overload
 * (issue 8, parts 1 and 4): the load-shedding example, unbounded and unthrottled so its
 * sources outrun the exchange, shows strategy shed, a growing shed count per priority and
 * the end-to-end latency from latency markers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, openConsole, SCREENSHOTS, type Served } from './serve-harness.js';

describe.skipIf(!chromiumAvailable())('console e2e: execution and overload', () => {
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

  it('shows strategy shed, what was shed per priority and the latency', async () => {
    await page.goto(`${served.url}#/jobs/new`);
    await page.locator('[data-example=load-shedding]').click();
    const editor = page.locator('[data-test=spec-editor]');
    await expect.poll(() => editor.inputValue()).toContain('name: load-shedding');
    await editor.fill((await editor.inputValue()).replace('count: 300000', 'count: null'));
    await expect.poll(() => page.locator('[data-test=start-job]').isEnabled(), { timeout: 10_000 }).toBe(true);
    await page.locator('[data-test=start-job]').click();
    await page.locator('[data-test=job-view] [data-test=job-name]').waitFor({ timeout: 30_000 });

    const card = page.locator('[data-test=execution]');
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('[data-test=execution-mode]').textContent()).toContain('continuous');
    expect(await card.locator('[data-test=overload-strategy]').textContent()).toMatch(/shed\s+above 2,000 queued records, lowest priority first → side output "shed"/);
    await expect
      .poll(async () => Number(((await card.locator('[data-test=shed-total] b').textContent()) ?? '0').replace(/\D/g, '')), { timeout: 60_000, interval: 500 })
      .toBeGreaterThan(0);
    await card.locator('[data-test=shed-by-priority] tbody tr').first().waitFor();
    await expect.poll(() => card.locator('[data-test=latency]').textContent(), { timeout: 30_000 }).toMatch(/p50 .+ · p99 .+ · max .+\(\d[\d,]* markers\)/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'execution-overload.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  }, 180_000);
});
