/**
 * Comparing two drill runs and exporting their reports, in Chromium against `sluice serve`
 * (a real engine running real drills). Two example drills are run through the API
 * (corrupt-newest-checkpoint under exactly-once, then at-least-once-duplicates); in the
 * Drills view two past runs are ticked and compared: both verdicts, the differences table
 * (which must equal the engine's compareDrillRuns answer, with the guarantees and the
 * fault types highlighted as differing) and the side-by-side charts. Then each report
 * format is exported with its button: the download must actually happen and the file must
 * parse (JSON equal to the engine's report, HTML with inline SVG charts, Markdown, PDF).
 * Screenshots 18-drill-compare.png and 19-drill-export.png; fails on console errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { callApi, chromiumAvailable, openConsole, SCREENSHOTS, type Served } from './serve-harness.js';

const run = chromiumAvailable();

interface RunRow {
  runId: string;
  drill: string;
  verdict: string;
  duplicated: number;
}

/** Runs an example drill in the engine and waits until it is in the history. */
async function runDrill(served: Served, name: string, runsBefore: number): Promise<RunRow> {
  const { runId } = (await callApi(served, 'runDrill', { name })) as { runId: string };
  // Polled by hand: this runs in beforeAll, where expect.poll is not available.
  const deadline = Date.now() + 150_000;
  while (((await callApi(served, 'listDrillRuns', {})) as RunRow[]).length < runsBefore + 1) {
    if (Date.now() > deadline) throw new Error(`drill ${name} (run ${runId}) did not finish within 150 s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const row = ((await callApi(served, 'listDrillRuns', {})) as RunRow[]).find((r) => r.runId === runId);
  if (row === undefined) throw new Error(`run ${runId} of ${name} is not in the history`);
  return row;
}

interface Difference {
  section: string;
  label: string;
  a: number | string | null;
  b: number | string | null;
  differs: boolean;
  better: string;
}

describe.skipIf(!run)('Drill comparison and report export e2e (Chromium against sluice serve)', () => {
  let served: Served;
  let close: (() => Promise<void>) | undefined;
  let page: Page;
  let downloads: string;
  const consoleErrors: string[] = [];
  let eo: RunRow;
  let alo: RunRow;

  beforeAll(async () => {
    downloads = mkdtempSync(path.join(os.tmpdir(), 'sluice-downloads-'));
    ({ served, page, close } = await openConsole(consoleErrors));
    eo = await runDrill(served, 'corrupt-newest-checkpoint', 0);
    alo = await runDrill(served, 'at-least-once-duplicates', 1);
  }, 360_000);

  afterAll(async () => {
    await close?.();
    if (downloads !== undefined) rmSync(downloads, { recursive: true, force: true });
  }, 60_000);

  it('ran two different drills, both to PASS', () => {
    // (Whether the at-least-once run shows duplicates is the drills suite's business; here only that the views show what the engine says.)
    expect(eo).toMatchObject({ drill: 'corrupt-newest-checkpoint', verdict: 'PASS', duplicated: 0 });
    expect(alo).toMatchObject({ drill: 'at-least-once-duplicates', verdict: 'PASS' });
  });

  it('compares the two ticked past runs side by side with the differences highlighted', async () => {
    await page.goto(`${served.url}#/drills`);
    await page.getByText('engine connected').waitFor();
    const compare = page.locator('[data-test=compare-runs]');
    await page.locator(`[data-test=drill-runs] tr[data-run="${alo.runId}"]`).waitFor();
    expect(await compare.isDisabled()).toBe(true);
    await page.locator(`[data-test=drill-runs] tr[data-run="${alo.runId}"] [data-test=pick-run]`).check();
    await page.locator(`[data-test=drill-runs] tr[data-run="${eo.runId}"] [data-test=pick-run]`).check();
    await compare.click();
    // The older run is A.
    await expect.poll(() => page.url()).toBe(`${served.url}#/drills/compare?a=${eo.runId}&b=${alo.runId}`);

    const view = page.locator('[data-test=drill-compare]');
    await view.locator('[data-test=differences]').waitFor({ timeout: 20_000 });
    expect(await view.locator('[data-test=side-a] [data-test=verdict]').textContent()).toBe('PASS');
    expect(await view.locator('[data-test=side-b] [data-test=verdict]').textContent()).toBe('PASS');
    expect(await view.locator('[data-test=side-a]').textContent()).toContain('corrupt-newest-checkpoint');
    expect(await view.locator('[data-test=side-b]').textContent()).toContain('at-least-once-duplicates');

    // Every figure the engine compared is a row, with the same values and highlighting.
    const engine = (await callApi(served, 'compareDrillRuns', { a: eo.runId, b: alo.runId })) as { differences: Difference[]; a: { checkpoints: unknown[]; timeline: unknown[] }; b: { checkpoints: unknown[]; timeline: unknown[] } };
    const rows = view.locator('[data-test=differences] tr[data-label]');
    expect(await rows.count()).toBe(engine.differences.length);
    const differing = engine.differences.filter((d) => d.differs).length;
    expect(differing).toBeGreaterThan(0);
    expect(await view.locator('[data-test=differing]').textContent()).toContain(`${differing} of ${engine.differences.length} figures differ`);
    for (const d of engine.differences) {
      const r = view.locator(`[data-test=differences] tbody[data-section="${d.section}"] tr[data-label="${d.label}"]`);
      expect(await r.getAttribute('data-differs'), d.label).toBe(String(d.differs));
      expect(await r.getAttribute('data-better'), d.label).toBe(d.better);
    }
    // The guarantees differ, with no "better" side; shown as changed (amber) on both sides.
    expect(engine.differences.find((d) => d.label === 'guarantee')).toMatchObject({ a: 'exactly-once', b: 'at-least-once', differs: true, better: 'n/a' });
    const gRow = view.locator('tr[data-label="guarantee"]');
    expect(await gRow.locator('[data-side=a]').textContent()).toBe('exactly-once');
    expect(await gRow.locator('[data-side=b]').getAttribute('class')).toContain('changed');
    // Duplicates: what each run's verifier counted; under at-least-once they have no "better" side either.
    const dup = engine.differences.find((d) => d.label === 'duplicated')!;
    expect(dup).toMatchObject({ a: 0, b: alo.duplicated, differs: alo.duplicated !== 0, better: alo.duplicated !== 0 ? 'n/a' : 'same' });
    const dupRow = view.locator('tr[data-label="duplicated"]');
    expect(await dupRow.locator('[data-side=a]').textContent()).toBe('0');
    expect(await dupRow.locator('[data-side=b]').textContent()).toBe(alo.duplicated.toLocaleString('en-US'));
    // The first faults differ in type; recovery times have a row per fault and measurement.
    const type1 = engine.differences.find((d) => d.label === 'fault 1: type')!;
    expect(type1).toMatchObject({ a: 'corrupt-checkpoint', b: 'deliver-twice', differs: true });
    for (const label of ['fault 1: detect', 'fault 1: restore', 'fault 1: caught up', 'duration p50', 'duration p99']) await view.locator(`tr[data-label="${label}"]`).waitFor();
    // A worse side is red and a better side green wherever the engine named one.
    const directed = engine.differences.find((d) => d.better === 'a' || d.better === 'b');
    if (directed !== undefined) {
      const r = view.locator(`tr[data-label="${directed.label}"]`);
      expect(await r.locator(`[data-side=${directed.better}]`).getAttribute('class')).toContain('better');
      expect(await r.locator(`[data-side=${directed.better === 'a' ? 'b' : 'a'}]`).getAttribute('class')).toContain('worse');
    }

    // Charts side by side: a timeline and checkpoint durations per run.
    expect(engine.a.timeline.length).toBeGreaterThan(0);
    expect(engine.b.timeline.length).toBeGreaterThan(0);
    for (const id of ['timeline-a', 'timeline-b']) await view.locator(`[data-test=${id}] canvas`).first().waitFor();
    for (const [id, side] of [['checkpoints-a', engine.a], ['checkpoints-b', engine.b]] as const) {
      if (side.checkpoints.length > 0) await view.locator(`[data-test=${id}] canvas`).first().waitFor();
    }
    // From the top, so the sticky header is not painted into the middle of the full-page shot.
    await page.evaluate(() => (globalThis as unknown as { scrollTo: (x: number, y: number) => void }).scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, '18-drill-compare.png'), fullPage: true });
  }, 60_000);

  it('switches run B with the picker', async () => {
    await page.locator('[data-test=pick-b]').selectOption(eo.runId);
    await expect.poll(() => page.url()).toBe(`${served.url}#/drills/compare?a=${eo.runId}&b=${eo.runId}`);
    // The same run against itself: nothing differs.
    await expect.poll(() => page.locator('[data-test=differing]').textContent(), { timeout: 20_000 }).toMatch(/^0 of \d+ figures differ/);
  });

  async function download(runId: string, format: string): Promise<{ name: string; body: Buffer }> {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), page.locator(`[data-test="export-${runId}"] [data-export=${format}]`).click()]);
    const file = path.join(downloads, `${format}-${dl.suggestedFilename()}`);
    await dl.saveAs(file);
    // The console confirms with a toast naming the file; close it so it covers nothing.
    await page.locator('.toast', { hasText: dl.suggestedFilename() }).waitFor();
    for (const b of await page.locator('.toast button').all()) await b.click().catch(() => undefined);
    return { name: dl.suggestedFilename(), body: readFileSync(file) };
  }

  it('exports a run as JSON, HTML, Markdown and PDF: each download happens and parses', async () => {
    await page.goto(`${served.url}#/drills/compare?a=${eo.runId}&b=${alo.runId}`);
    await page.locator(`[data-test="export-${alo.runId}"]`).waitFor({ timeout: 20_000 });

    const json = await download(alo.runId, 'json');
    expect(json.name).toBe(`drill-at-least-once-duplicates-${alo.runId}.json`);
    const report = JSON.parse(json.body.toString('utf8')) as { schema: string; runId: string; verdict: string; guarantee: string; records: Record<string, number>; faults: { type: string }[]; checkpoints: { completed: number } };
    expect(report.schema).toBe('sluice.drill-report/1');
    expect(report.runId).toBe(alo.runId);
    const shown = (await callApi(served, 'getDrillRun', { runId: alo.runId })) as { verdict: string; guarantee: string; records: Record<string, number>; checkpoints: { completed: number } };
    expect(report.verdict).toBe(shown.verdict);
    expect(report.guarantee).toBe(shown.guarantee);
    expect(report.records).toEqual(shown.records);
    expect(report.checkpoints.completed).toBe(shown.checkpoints.completed);
    expect(report.faults.map((f) => f.type)).toContain('deliver-twice');

    const html = (await download(alo.runId, 'html')).body.toString('utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('at-least-once-duplicates');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script/i);

    const md = (await download(alo.runId, 'markdown')).body.toString('utf8');
    expect(md.startsWith('# Drill "at-least-once-duplicates": PASS')).toBe(true);
    expect(md).toContain(`| ${report.records['expected']} | ${report.records['produced']} |`);

    const pdf = await download(alo.runId, 'pdf');
    expect(pdf.name.endsWith('.pdf')).toBe(true);
    expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.body.length).toBeGreaterThan(10_000);

    // The verdict panel of the Drills view has the same export links.
    await page.goto(`${served.url}#/drills`);
    await page.locator(`[data-test=drill-runs] tr[data-run="${eo.runId}"] .run-link`).click();
    const fromPanel = await download(eo.runId, 'json');
    expect((JSON.parse(fromPanel.body.toString('utf8')) as { runId: string; verdict: string }).runId).toBe(eo.runId);
    for (const b of await page.locator('.toast button').all()) await b.click();
    // From the top, so the sticky header is not painted into the middle of the full-page shot.
    await page.evaluate(() => (globalThis as unknown as { scrollTo: (x: number, y: number) => void }).scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, '19-drill-export.png'), fullPage: true });
  }, 180_000);

  it('refuses the report route without the token', async () => {
    const res = await fetch(`http://127.0.0.1:${served.port}/drill-reports/${alo.runId}.json`);
    expect(res.status).toBe(401);
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
