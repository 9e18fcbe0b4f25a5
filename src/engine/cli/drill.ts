/**
 * `sluice drill <drill.yaml> [--report out.html] [--json out.json] [--markdown out.md]
 * [--pdf out.pdf] [--seed N]`: runs a chaos/recovery drill against the real engine,
 * prints progress, writes the reports, records the run in the drill history, and exits
 * 0 on PASS, 1 on FAIL, 2 on invalid input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DrillInputError, loadDrillFile, prepareDrill, type DrillReport } from '../drills/index.js';
import { renderHtmlReport } from '../drills/report-html.js';
import { renderMarkdownReport } from '../drills/report-markdown.js';
import { printPdf } from '../drills/report-pdf.js';
import { DrillHistory, defaultHistoryFile } from '../drills/history.js';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK } from './exit-codes.js';

export interface DrillCommandOptions {
  readonly report?: string;
  readonly json?: string;
  readonly markdown?: string;
  readonly pdf?: string;
  readonly seed?: string;
  readonly runDir?: string;
  readonly history?: string;
  readonly quiet?: boolean;
}

const err = (s: string): void => void process.stderr.write(s + '\n');

function write(file: string, text: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}

export async function drillCommand(file: string, o: DrillCommandOptions): Promise<number> {
  let seed: number | undefined;
  if (o.seed !== undefined) {
    seed = Number(o.seed);
    if (!Number.isSafeInteger(seed) || seed < 0) {
      err(`--seed: expected a non-negative integer, got "${o.seed}"`);
      return EXIT_INVALID;
    }
  }
  const loaded = loadDrillFile(file, seed);
  if (!loaded.ok) {
    err(`${file}: invalid drill spec`);
    process.stdout.write(new DrillInputError(loaded.errors).message + '\n');
    return EXIT_INVALID;
  }
  let report: DrillReport;
  try {
    const run = prepareDrill(loaded.spec, loaded.document, {
      drillFile: path.resolve(file),
      ...(o.runDir !== undefined ? { runDir: o.runDir } : {}),
      onProgress: o.quiet ? () => undefined : err,
    });
    report = await run.run();
  } catch (e) {
    if (e instanceof DrillInputError) {
      err(`${file}: invalid drill spec`);
      process.stdout.write(e.message + '\n');
      return EXIT_INVALID;
    }
    err(`drill "${loaded.spec.name}" could not run: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_FAILED;
  }

  const historyFile = o.history ?? defaultHistoryFile(loaded.spec.drillDir);
  try {
    const h = DrillHistory.open(historyFile);
    try {
      h.record(report);
    } finally {
      h.close();
    }
  } catch (e) {
    err(`could not record the run in ${historyFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (o.json !== undefined) write(o.json, JSON.stringify(report, null, 2) + '\n');
  if (o.markdown !== undefined) write(o.markdown, renderMarkdownReport(report));
  if (o.report !== undefined) write(o.report, renderHtmlReport(report));
  if (o.pdf !== undefined) {
    const html = o.report ?? o.pdf.replace(/\.pdf$/i, '') + '.html';
    if (o.report === undefined) write(html, renderHtmlReport(report));
    const r = printPdf(html, o.pdf);
    if (!r.ok) err(`PDF not written: ${r.reason}`);
  }
  const r = report.records;
  err('');
  err(`${report.verdict} (${report.guarantee}): expected ${r.expected}, produced ${r.produced}, lost ${r.lost}, duplicated ${r.duplicated}, mismatched ${r.mismatched}`);
  for (const why of report.verdictReasons) err(`  ${why}`);
  err(`checkpoints: ${report.checkpoints.completed} completed, ${report.checkpoints.failed} failed, p50 ${report.checkpoints.durationMs.p50 ?? '–'} ms, max ${report.checkpoints.durationMs.max ?? '–'} ms`);
  for (const f of report.faults) {
    err(`  fault ${f.seq} ${f.type}${f.skipped ? ` skipped: ${f.skipped}` : ` at ${f.atMs} ms: detect ${f.detectMs ?? '–'} ms, restore ${f.restoreMs ?? '–'} ms (${f.restoreBytes ?? '–'} bytes), caught up ${f.caughtUpMs ?? '–'} ms`}`);
  }
  err(`run ${report.runId} recorded in ${historyFile}`);
  return report.verdict === 'PASS' ? EXIT_OK : EXIT_FAILED;
}
