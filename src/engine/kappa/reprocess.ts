/**
 * Kappa reprocessing: start a new version of a job from the beginning (or a timestamp) of
 * its log beside the served version, follow its catch-up, compare its output with the
 * served version's (the drill verifier's diff), and switch the serving name to it when
 * the diff is clean (or when forced). The new version keeps running; the old one is the
 * operator's to stop once the switch is done.
 */
import { TERMINAL_STATES } from '../runtime/job-state.js';
import { JobManager, type JobManagerOptions } from '../runtime/job-manager.js';
import { CatchUpTracker, type CatchUpProgress } from './catch-up.js';
import { diffVersions, type VersionDiff } from './compare.js';
import { versionJobSpec, versionTable, type Deployment, type StartPosition } from './deployment.js';
import { checkCoverage, type Coverage } from './retention.js';
import { ServingStore, type ServedVersion } from './serving.js';

export interface ReprocessOptions {
  deployment: Deployment;
  version: string;
  /** Another job spec for this version (default: the deployment's). */
  job?: string;
  overrides?: readonly string[];
  start?: StartPosition;
  /** Switch even when the diff is not clean. */
  force?: boolean;
  /** Behind at most this many records counts as caught up (default 500, or one second of reading). */
  caughtUpRecords?: number;
  /** Progress period (default 1000 ms). */
  tickMs?: number;
  onProgress?: (p: CatchUpProgress) => void;
  onWarning?: (line: string) => void;
  signal?: AbortSignal;
  jobManager?: JobManagerOptions;
}

export interface ReprocessOutcome {
  version: string;
  table: string;
  coverage: Coverage;
  /** The version served before (null: none, the first deployment). */
  previous: ServedVersion | null;
  /** null when there was nothing to compare with. */
  diff: VersionDiff | null;
  switched: boolean;
  forced: boolean;
}

export interface Reprocessing {
  /** The new version's job; it keeps running after the outcome. */
  readonly jm: JobManager;
  readonly outcome: Promise<ReprocessOutcome>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function nextCompletedCheckpoint(jm: JobManager): Promise<void> {
  return new Promise((resolve) => {
    const off = jm.on('checkpoint', (c) => {
      if (c.status !== 'completed') return;
      off();
      resolve();
    });
    void jm.done.then(() => (off(), resolve()));
  });
}

/** Starts the new version; `outcome` settles once it caught up and was (or was not) switched to. */
export async function reprocess(o: ReprocessOptions): Promise<Reprocessing> {
  const start = o.start ?? { from: 'earliest' };
  const d = o.deployment;
  const spec = versionJobSpec(d, o.version, { ...(o.job !== undefined ? { job: o.job } : {}), ...(o.overrides ? { overrides: o.overrides } : {}), start });
  const table = versionTable(d, o.version);
  const serving = ServingStore.open(d.serving);
  let jm: JobManager;
  let coverage: Coverage;
  try {
    if (serving.hasTable(table)) {
      throw new Error(`version ${o.version} already has an output table (${table} in ${d.serving}); a version is computed once from its start: choose a new version name`);
    }
    coverage = await checkCoverage(spec, start);
    for (const w of coverage.warnings) o.onWarning?.(w);
    jm = new JobManager(spec, o.jobManager ?? {});
    await jm.start();
  } catch (e) {
    serving.close();
    throw e;
  }
  const tracker = new CatchUpTracker(spec.parallelism, o.caughtUpRecords);
  jm.on('metrics', (m) => tracker.onMetrics(m));

  const run = async (): Promise<ReprocessOutcome> => {
    try {
      let streak = 0;
      for (;;) {
        if (o.signal?.aborted) throw new Error('reprocessing interrupted before the switch');
        if (TERMINAL_STATES.has(jm.state) && jm.state !== 'FINISHED') throw new Error(`version ${o.version} ${jm.state.toLowerCase()} before catching up: ${(await jm.done).error ?? 'no reason given'}`);
        const p = tracker.sample();
        o.onProgress?.(p);
        streak = p.caughtUp || jm.state === 'FINISHED' ? streak + 1 : 0;
        if (streak >= 2) break;
        await sleep(o.tickMs ?? 1000, o.signal);
      }
      // The output of what was read so far is in the table once a checkpoint completes; a
      // version that has closed no window yet has no table: wait for its first output.
      if (jm.state === 'RUNNING') await nextCompletedCheckpoint(jm);
      while (!serving.hasTable(table) && jm.state === 'RUNNING' && !o.signal?.aborted) {
        o.onProgress?.(tracker.sample());
        await nextCompletedCheckpoint(jm);
      }
      if (o.signal?.aborted) throw new Error('reprocessing interrupted before the switch');
      const previous = serving.served(d.name);
      let diff: VersionDiff | null = null;
      let switched = false;
      const forced = o.force === true;
      if (previous === null) {
        serving.switchTo(d.name, o.version, table, { forced: false, diff: null });
        switched = true;
      } else {
        diff = diffVersions(serving.rows(previous.table), serving.rows(table));
        if (diff.clean || forced) {
          serving.switchTo(d.name, o.version, table, { forced: forced && !diff.clean, diff: { upTo: diff.upTo, records: diff.records } });
          switched = true;
        }
      }
      return { version: o.version, table, coverage, previous, diff, switched, forced: forced && diff !== null && !diff.clean };
    } finally {
      serving.close();
    }
  };
  return { jm, outcome: run() };
}
