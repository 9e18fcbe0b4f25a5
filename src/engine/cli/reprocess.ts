/**
 * `sluice reprocess <deployment> <version>`: Kappa reprocessing from the command line.
 * Starts the version from the beginning (or a timestamp) of its log beside the served
 * version, shows catch-up progress with an ETA, diffs the outputs and switches the serving
 * name when the diff is clean (or `--force`); then keeps it running until Ctrl-C.
 * Exit 0 switched (and stopped cleanly), 1 not switched or failed, 2 invalid input.
 */
import { formatSpecErrors } from '../job/index.js';
import { loadDeploymentFile, reprocess, type CatchUpProgress, type ReprocessOutcome, type StartPosition } from '../kappa/index.js';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK } from './exit-codes.js';
import { parseCutoff } from './lambda.js';

export interface ReprocessCliOptions {
  version: string;
  job?: string;
  set: string[];
  fromTimestamp?: string;
  force?: boolean;
  quiet?: boolean;
}

const err = (s: string): void => void process.stderr.write(s + '\n');
const n = (x: number): string => Math.round(x).toLocaleString('en-US');

export function describeProgress(version: string, p: CatchUpProgress): string {
  if (p.behind === null) return `${version}: starting…`;
  const eta = p.caughtUp ? 'caught up' : p.etaMs === null ? 'ETA unknown (not gaining on the input)' : `ETA ${Math.ceil(p.etaMs / 1000)} s`;
  return `${version}: ${n(p.read)} read · ${n(p.behind)} behind · ${n(p.readRate)} rec/s · gaining ${n(p.catchUpRate)} rec/s · ${eta}`;
}

function describeOutcome(o: ReprocessOutcome, name: string): string[] {
  const lines: string[] = [];
  if (o.previous === null) lines.push(`no version was served: nothing to compare with`);
  else if (o.diff !== null) {
    const r = o.diff.records;
    const range = o.diff.upTo === null ? 'whole outputs' : `windows ending at or before ${new Date(o.diff.upTo).toISOString()}`;
    lines.push(`diff ${o.previous.version} → ${o.version} (${range}): ${n(r.expected)} vs ${n(r.produced)} results · lost ${r.lost} · duplicated ${r.duplicated} · mismatched ${r.mismatched} → ${o.diff.clean ? 'clean' : 'NOT clean'}`);
    for (const kind of ['lost', 'duplicated', 'mismatched'] as const) {
      for (const ex of o.diff.examples[kind].slice(0, 3)) lines.push(`  ${kind} ${ex.id}: ${o.previous.version} ${JSON.stringify(ex.expected)} · ${o.version} ${JSON.stringify(ex.produced)}`);
    }
  }
  lines.push(
    o.switched
      ? `${name} now serves ${o.version} (table ${o.table})${o.forced ? ' — FORCED despite the diff' : ''}${o.previous ? `; stop ${o.previous.version}'s job when you are ready` : ''}`
      : `${name} still serves ${o.previous?.version ?? 'nothing'}: not switched (use --force to switch anyway); ${o.version}'s output stays in table ${o.table} for inspection`,
  );
  return lines;
}

export async function reprocessCommand(file: string, o: ReprocessCliOptions): Promise<number> {
  const dep = loadDeploymentFile(file);
  if (!dep.ok) {
    err(`${file}: invalid deployment`);
    process.stdout.write(formatSpecErrors(dep.errors) + '\n');
    return EXIT_INVALID;
  }
  let start: StartPosition = { from: 'earliest' };
  if (o.fromTimestamp !== undefined) {
    const ts = parseCutoff(o.fromTimestamp);
    if (ts === null) {
      err(`--from-timestamp: "${o.fromTimestamp}" is neither ms since the epoch nor an ISO date`);
      return EXIT_INVALID;
    }
    start = { from: 'timestamp', timestamp: ts };
  }
  const abort = new AbortController();
  let lastLine = '';
  let run;
  try {
    run = await reprocess({
      deployment: dep.deployment,
      version: o.version,
      ...(o.job !== undefined ? { job: o.job } : {}),
      overrides: o.set,
      start,
      force: o.force === true,
      signal: abort.signal,
      onWarning: (w) => err(`warning: ${w}`),
      onProgress: (p) => {
        // One line per new report from the workers, not per tick.
        const line = describeProgress(o.version, p);
        if (!o.quiet && line !== lastLine) err(line);
        lastLine = line;
      },
    });
  } catch (e) {
    err(`reprocess ${o.version}: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_INVALID;
  }
  const { jm } = run;
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    abort.abort();
    err(`stopping ${o.version}…`);
    void jm.cancel({ keepCheckpoints: false });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    let outcome: ReprocessOutcome;
    try {
      outcome = await run.outcome;
    } catch (e) {
      err(`reprocess ${o.version}: ${e instanceof Error ? e.message : String(e)}`);
      await jm.cancel();
      return EXIT_FAILED;
    }
    for (const line of describeOutcome(outcome, dep.deployment.name)) (outcome.switched ? process.stdout : process.stderr).write(line + '\n');
    if (!outcome.switched) {
      await jm.cancel();
      return EXIT_FAILED;
    }
    if (!o.quiet) err(`${o.version} keeps running and serving; Ctrl-C stops it`);
    const result = await jm.done;
    return result.state === 'FINISHED' || (result.state === 'CANCELED' && interrupted) ? EXIT_OK : EXIT_FAILED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
