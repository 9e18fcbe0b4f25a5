/**
 * `sluice run <spec>`: batch specs run through the MapReduce runner; stream specs run in
 * worker processes under a job manager until the input ends (bounded) or Ctrl-C
 * (unbounded: the job is cancelled cleanly and what was committed stays committed).
 */
import { formatSpecErrors, loadJobSpecFile } from '../job/index.js';
import { runBatchJob } from '../batch/index.js';
import { JobManager } from '../runtime/job-manager.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { formatLatency, formatOverload, mergeLatency, mergeOverload } from '../metrics/job-summary.js';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK } from './exit-codes.js';
import { ProgressLine } from './progress.js';

export interface RunOptions {
  readonly set: string[];
  readonly fromSavepoint?: string;
  readonly keepCheckpoints?: boolean;
  readonly stateDir?: string;
  readonly quiet?: boolean;
}

const err = (s: string): void => void process.stderr.write(s + '\n');

export async function runCommand(file: string, o: RunOptions): Promise<number> {
  const r = loadJobSpecFile(file, o.set);
  if (!r.ok) {
    err(`${file}: invalid job spec`);
    process.stdout.write(formatSpecErrors(r.errors) + '\n');
    return EXIT_INVALID;
  }
  const spec = r.spec;
  const progress = new ProgressLine(process.stderr, !o.quiet);

  if (spec.mode === 'batch') {
    try {
      const res = await runBatchJob(spec, {
        onProgress: (p) => progress.update({ records: p.done, done: p.done, total: p.total, extra: p.phase }),
      });
      progress.done();
      if (!o.quiet) {
        err(`finished: ${res.recordsIn.toLocaleString('en-US')} records in, ${res.recordsOut.toLocaleString('en-US')} out, ${res.deadLetters} dead letters, ${res.spilledRuns} spilled runs, ${(res.durationMs / 1000).toFixed(1)} s`);
      }
      return EXIT_OK;
    } catch (e) {
      progress.done();
      err(`job "${spec.name}" failed: ${e instanceof Error ? e.message : String(e)}`);
      return EXIT_FAILED;
    }
  }

  let restoreFrom: { checkpointDir: string; checkpoint?: number } | undefined;
  if (o.fromSavepoint !== undefined) {
    const [dir, id] = o.fromSavepoint.split('#');
    restoreFrom = id === undefined ? { checkpointDir: dir! } : { checkpointDir: dir!, checkpoint: Number(id) };
    if (id !== undefined && !Number.isInteger(Number(id))) {
      err(`--from-savepoint: "${id}" is not a checkpoint id`);
      return EXIT_INVALID;
    }
  }
  const jm = new JobManager(spec, {
    ...(restoreFrom ? { restoreFrom } : {}),
    ...(o.keepCheckpoints ? { keepCheckpoints: true } : {}),
    ...(o.stateDir ? { stateDir: o.stateDir } : {}),
  });
  const latest = new Map<number, WorkerMetrics>();
  let checkpoints = 0;
  jm.on('checkpoint', (c) => {
    if (c.status === 'completed') checkpoints++;
  });
  jm.on('metrics', (m) => {
    latest.set(m.worker, m);
    let records = 0;
    let done = 0;
    let total = 0;
    for (const w of latest.values()) {
      records += w.subtasks[0]?.numRecordsIn ?? 0;
      if (w.source.progress) {
        done += w.source.progress.done;
        total += w.source.progress.total;
      }
    }
    const restarts = jm.failureHistory().length;
    progress.update({ records, ...(total > 0 ? { done, total } : {}), extra: `${jm.state.toLowerCase()} · ${checkpoints} checkpoints${restarts ? ` · ${restarts} restarts` : ''}` });
  });
  jm.on('failure', (f) => {
    progress.done();
    err(`failure: ${f.reason}`);
  });
  jm.on('recovered', (f) => {
    if (f.caughtUpMs === null) err(`restarted from ${f.restoredFrom === null ? 'the beginning (no checkpoint yet)' : `checkpoint ${f.restoredFrom}`} in ${f.restartMs} ms`);
  });

  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress.done();
    err('stopping (Ctrl-C again to abort)…');
    void jm.cancel();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    await jm.start();
  } catch (e) {
    progress.done();
    err(`job "${spec.name}" could not start: ${e instanceof Error ? e.message : String(e)}`);
    await jm.cancel().catch(() => undefined);
    return EXIT_FAILED;
  }
  if (!o.quiet) {
    const ex = spec.execution.mode === 'micro-batch' ? `micro-batch every ${spec.execution.trigger} ms` : 'continuous';
    err(`job "${spec.name}" running: ${spec.parallelism} worker(s), pids ${jm.workers().map((w) => w.pid).join(', ')} · ${ex} · overload: ${spec.overload.strategy}`);
  }
  const result = await jm.done;
  progress.done();
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  if (result.state === 'FINISHED' || (result.state === 'CANCELED' && interrupted)) {
    if (!o.quiet) {
      const done = result.checkpoints.filter((c) => c.status === 'completed').length;
      err(`${result.state === 'FINISHED' ? 'finished' : 'stopped'}: ${done} checkpoints completed, ${result.failures.length} failures recovered`);
      // Counters are per worker process: after a restart they cover the last attempt only.
      err(formatLatency(mergeLatency(latest.values())));
      if (spec.overload.strategy === 'shed') err(formatOverload(mergeOverload(spec.overload, latest.values())));
    }
    return EXIT_OK;
  }
  err(`job "${spec.name}" ${result.state.toLowerCase()}: ${result.error ?? 'no reason given'}`);
  return EXIT_FAILED;
}
