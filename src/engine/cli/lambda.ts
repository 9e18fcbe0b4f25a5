/**
 * `sluice lambda speed|batch <view>` runs a view's layers; `sluice query <view>` answers
 * from its store (batch view + speed buckets, merged at the cut-off).
 */
import type { Command } from 'commander';
import { formatSpecErrors } from '../job/index.js';
import { CutoffError, loadViewFile, queryView, runBatchLayer, startSpeedLayer, ViewNotFoundError, ViewStore, type ViewAnswer, type ViewSpec } from '../lambda/index.js';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK } from './exit-codes.js';
import { ProgressLine } from './progress.js';

const err = (s: string): void => void process.stderr.write(s + '\n');
const iso = (ms: number | null): string => (ms === null ? 'none' : `${new Date(ms).toISOString()} (${ms})`);

/** A cut-off as integer ms since the epoch or an ISO-8601 date. */
export function parseCutoff(text: string): number | null {
  if (/^-?\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

function loadView(file: string): ViewSpec | null {
  const r = loadViewFile(file);
  if (r.ok) return r.view;
  err(`${file}: invalid view`);
  process.stdout.write(formatSpecErrors(r.errors) + '\n');
  return null;
}

async function speedCommand(file: string, o: { quiet?: boolean }): Promise<number> {
  const view = loadView(file);
  if (view === null) return EXIT_INVALID;
  let layer;
  try {
    layer = await startSpeedLayer(view);
  } catch (e) {
    err(`speed layer of ${view.name} could not start: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_FAILED;
  }
  const { jm } = layer;
  if (!o.quiet) err(`speed layer of view "${view.name}" running from cut-off ${iso(layer.cutoff)}: ${view.parallelism} worker(s); Ctrl-C stops it`);
  const store = ViewStore.open(view);
  const progress = new ProgressLine(process.stderr, !o.quiet);
  const readByWorker = new Map<number, number>();
  jm.on('metrics', (m) => void readByWorker.set(m.worker, m.subtasks[0]?.numRecordsIn ?? 0));
  const tick = setInterval(() => {
    let records = 0;
    for (const n of readByWorker.values()) records += n;
    progress.update({ records, extra: `horizon ${iso(store.horizon())}` });
  }, 1000);
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress.done();
    err('stopping the speed layer…');
    void jm.cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const result = await jm.done;
  clearInterval(tick);
  progress.done();
  store.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (result.state === 'FINISHED' || (result.state === 'CANCELED' && interrupted)) return EXIT_OK;
  err(`speed layer ${result.state.toLowerCase()}: ${result.error ?? 'no reason given'}`);
  return EXIT_FAILED;
}

async function batchCommand(file: string, o: { cutoff?: string; quiet?: boolean }): Promise<number> {
  const view = loadView(file);
  if (view === null) return EXIT_INVALID;
  let cutoff: number | undefined;
  if (o.cutoff !== undefined) {
    const c = parseCutoff(o.cutoff);
    if (c === null) {
      err(`--cutoff: "${o.cutoff}" is neither ms since the epoch nor an ISO date`);
      return EXIT_INVALID;
    }
    cutoff = c;
  }
  const progress = new ProgressLine(process.stderr, !o.quiet);
  try {
    const run = await runBatchLayer(view, { ...(cutoff !== undefined ? { cutoff } : {}), onProgress: (p) => progress.update({ records: p.done, done: p.done, total: p.total, extra: p.phase }) });
    progress.done();
    if (!o.quiet) err(`batch layer of "${view.name}" installed: cut-off ${iso(run.cutoff)}, ${run.keys} keys from ${run.batch.recordsIn.toLocaleString('en-US')} records (${run.batch.deadLetters} dead letters) in ${(run.batch.durationMs / 1000).toFixed(1)} s`);
    return EXIT_OK;
  } catch (e) {
    progress.done();
    err(`batch layer of "${view.name}": ${e instanceof Error ? e.message : String(e)}`);
    return e instanceof CutoffError ? EXIT_INVALID : EXIT_FAILED;
  }
}

function formatAnswer(a: ViewAnswer): string {
  const lines = [
    `view ${a.view} · cut-off ${iso(a.cutoff)} · horizon ${iso(a.horizon)} · ${a.batchRuns} batch run(s)`,
    'counts every record with event time < horizon: batch layer below the cut-off, speed layer from it',
  ];
  if (a.rows.length === 0) return [...lines, '(no rows)'].join('\n') + '\n';
  const names = Object.keys(a.rows[0]!.value);
  const table = [['key', ...names], ...a.rows.map((r) => [r.key, ...names.map((n) => String(r.value[n] ?? 'null'))])];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table) lines.push(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  return lines.join('\n') + '\n';
}

export function queryCommand(file: string, o: { key?: string; json?: boolean }): number {
  if (loadView(file) === null) return EXIT_INVALID;
  try {
    const a = queryView(file, o.key);
    if (o.json) process.stdout.write(JSON.stringify(a) + '\n');
    else process.stdout.write(formatAnswer(a));
    if (o.key !== undefined && a.rows.length === 0) {
      err(`key ${JSON.stringify(o.key)} is not in view ${a.view}`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return e instanceof ViewNotFoundError ? EXIT_INVALID : EXIT_FAILED;
  }
}

export function registerLambdaCommands(lambda: Command, setExit: (code: number) => void): void {
  lambda
    .command('speed')
    .description("run a view's speed layer (stream job from the cut-off on) until Ctrl-C")
    .argument('<view>', 'view file (YAML or JSON)')
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string, o: { quiet?: boolean }) => setExit(await speedCommand(file, o)));
  lambda
    .command('batch')
    .description("recompute a view's batch layer up to a cut-off and install it (drops the speed buckets it covers, atomically)")
    .argument('<view>', 'view file (YAML or JSON)')
    .option('--cutoff <ms|ISO date>', 'event time where the batch layer ends (default: the speed horizon); on a bucket boundary')
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string, o: { cutoff?: string; quiet?: boolean }) => setExit(await batchCommand(file, o)));
}
