/**
 * The console's engine side, hosted in Electron main or `sluice serve`: a registry of the
 * jobs the console started and every call of the console API (src/shared/api.ts) on them.
 * Once a second it takes a snapshot of every live job, pushes it to subscribers and
 * stores it (SQLite, under the app data folder). Params arrive already validated by the
 * transport (src/shared/rpc.ts); errors leave as ApiError with a code.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseJobSpecText } from '../job/index.js';
import { JobManager, type FailureRecord } from '../runtime/job-manager.js';
import { IllegalJobTransition } from '../runtime/job-state.js';
import type { WorkerLauncher } from '../runtime/launcher.js';
import { ApiError, jobDetailSchema, LIMITS, type ApiEvent, type ConsoleApi, type DrillReportFormat, type JobDetail, type JobSnapshot, type JobSummary, type Params, type Result } from '../../shared/api.js';
import { checkpointInfo, failureInfo } from './convert.js';
import { ExampleCatalog } from './examples.js';
import { HistoryStore } from './history-store.js';
import { JobRun } from './job-run.js';
import { KafkaService } from './kafka-service.js';
import { queryView, ViewNotFoundError } from '../lambda/query.js';
import type { SecretBox } from './connection-store.js';
import { DrillService, type ReportFile } from './drill-service.js';

export interface EngineServiceOptions {
  /** App data folder: history.db and one work folder per job run. */
  readonly dataDir: string;
  /** resources/examples (null: no examples). */
  readonly examplesDir: string | null;
  /** resources/drills (default: `drills` next to examplesDir; null: no drills). */
  readonly drillsDir?: string | null;
  readonly launcher?: WorkerLauncher;
  /** Encrypts saved Kafka passwords (Electron: safeStorage). Without it passwords are not saved. */
  readonly secrets?: SecretBox | null;
  /** Snapshot period (default 1000 ms). */
  readonly tickMs?: number;
  /** Snapshots older than this are pruned from SQLite (default 24 h). */
  readonly retainHistoryMs?: number;
}

type Listener = (e: ApiEvent) => void;

const RECENT_FAILURES = 20;
const PAST_RUNS = 50;
const CALL_TIMEOUT_MS = 60_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new ApiError('INTERNAL', `${what} did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e)),
    );
  });
}

/** Engine errors → API errors: an action in the wrong job state is ILLEGAL_STATE. */
function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof IllegalJobTransition) return new ApiError('ILLEGAL_STATE', e.message);
  const msg = e instanceof Error ? e.message : String(e);
  if (/^no worker \d+/.test(msg)) return new ApiError('NOT_FOUND', msg);
  if (/is not a completed checkpoint/.test(msg)) return new ApiError('NOT_FOUND', msg);
  return new ApiError('INTERNAL', msg);
}

async function guarded<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw asApiError(e);
  }
}

export class EngineService implements ConsoleApi {
  private readonly jobs = new Map<string, JobRun>();
  private readonly listeners = new Set<Listener>();
  private readonly history: HistoryStore;
  private readonly examples: ExampleCatalog;
  private readonly kafka: KafkaService;
  private readonly drills: DrillService;
  private readonly timer: NodeJS.Timeout;
  private readonly pruneTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: EngineServiceOptions) {
    mkdirSync(opts.dataDir, { recursive: true });
    this.history = new HistoryStore(opts.dataDir);
    this.examples = new ExampleCatalog(opts.examplesDir);
    this.kafka = new KafkaService(opts.dataDir, opts.secrets ?? null);
    const drillsDir = opts.drillsDir !== undefined ? opts.drillsDir : opts.examplesDir === null ? null : path.join(path.dirname(opts.examplesDir), 'drills');
    this.drills = new DrillService(opts.dataDir, drillsDir, (data) => this.emit({ event: 'drill', data }));
    const retain = opts.retainHistoryMs ?? 24 * 3600_000;
    this.history.prune(Date.now() - retain);
    this.timer = setInterval(() => this.tick(), opts.tickMs ?? 1000);
    this.timer.unref();
    this.pruneTimer = setInterval(() => this.history.prune(Date.now() - retain), 10 * 60_000);
    this.pruneTimer.unref();
  }

  get dataDir(): string {
    return this.opts.dataDir;
  }

  /** Pushed events (snapshots, job list, checkpoints, failures, notifications). Returns an unsubscribe. */
  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(e: ApiEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* one broken subscriber must not stop the others */
      }
    }
  }

  private tick(): void {
    const now = Date.now();
    let any = false;
    for (const run of this.jobs.values()) {
      if (!run.live) continue;
      any = true;
      const s = run.tick(now);
      this.emit({ event: 'snapshot', data: s });
      try {
        this.history.addSnapshot(run.jobId, s.ts, JSON.stringify(s));
      } catch {
        /* history is best effort; the live view keeps working */
      }
    }
    if (any) this.emit({ event: 'jobs', data: this.summaries() });
  }

  private run(jobId: string): JobRun {
    const r = this.jobs.get(jobId);
    if (r === undefined) throw new ApiError('NOT_FOUND', `no running or recent job ${jobId}`);
    return r;
  }

  private summaries(): JobSummary[] {
    return [...this.jobs.values()].map((r) => r.summary()).sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Past runs from SQLite that this process did not start (from an earlier session). */
  private pastRuns(): JobDetail[] {
    const out: JobDetail[] = [];
    for (const r of this.history.runs(PAST_RUNS)) {
      if (this.jobs.has(r.jobId) || r.detail === null) continue;
      const parsed = jobDetailSchema.safeParse(JSON.parse(r.detail));
      if (parsed.success) out.push(parsed.data);
    }
    return out;
  }

  // ---- the API -------------------------------------------------------------------------

  async listExamples(): Promise<Result<'listExamples'>> {
    return this.examples.list();
  }

  async validateSpec(p: Params<'validateSpec'>): Promise<Result<'validateSpec'>> {
    const r = parseJobSpecText(p.text, { specDir: path.join(this.opts.dataDir, 'jobs', '_validate') });
    if (r.ok) return { ok: true, errors: [], mode: r.spec.mode };
    return { ok: false, errors: r.errors.slice(0, 500).map((e) => ({ path: e.path.slice(0, 500), message: e.message.slice(0, 2000) })), mode: null };
  }

  async startJob(p: Params<'startJob'>): Promise<Result<'startJob'>> {
    return this.launch(p.text, p.example ?? null, [], null);
  }

  /** Rescale: the job's spec again, restored from its latest savepoint, at another parallelism. */
  async resumeFromSavepoint(p: Params<'resumeFromSavepoint'>): Promise<Result<'resumeFromSavepoint'>> {
    const r = this.run(p.jobId);
    const sp = r.savepoints[r.savepoints.length - 1];
    if (sp === undefined) throw new ApiError('ILLEGAL_STATE', `job ${r.name} has no savepoint: stop it with a savepoint first`);
    if (p.parallelism > r.spec.maxParallelism) {
      throw new ApiError('BAD_REQUEST', `parallelism ${p.parallelism} is above the job's maxParallelism ${r.spec.maxParallelism} (its number of key groups)`);
    }
    return this.launch(r.specText, r.example, [`parallelism=${p.parallelism}`], { checkpointDir: sp.checkpointDir, checkpoint: sp.checkpoint });
  }

  private async launch(text: string, example: string | null, overrides: string[], restoreFrom: { checkpointDir: string; checkpoint: number } | null): Promise<Result<'startJob'>> {
    if (this.closed) throw new ApiError('ILLEGAL_STATE', 'the engine is shutting down');
    if (example !== null && !this.examples.has(example)) throw new ApiError('NOT_FOUND', `no example "${example}"`);
    const runDir = path.join(this.opts.dataDir, 'jobs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}`);
    const parsed = parseJobSpecText(text, { specDir: runDir, overrides });
    if (!parsed.ok) throw new ApiError('INVALID_SPEC', `invalid job spec (${parsed.errors.length} problem(s))`, parsed.errors.slice(0, 500));
    const spec = parsed.spec;
    if (spec.mode !== 'stream') {
      throw new ApiError('INVALID_SPEC', 'the console runs stream jobs; run batch jobs with `sluice run <spec>`', [{ path: 'mode', message: 'must be "stream" in the console' }]);
    }
    mkdirSync(runDir, { recursive: true });
    if (example !== null) this.examples.copyInputs(example, runDir);
    const jm = new JobManager(spec, {
      stateDir: path.join(runDir, 'state'),
      ...(this.opts.launcher ? { launcher: this.opts.launcher } : {}),
      ...(restoreFrom !== null ? { restoreFrom } : {}),
    });
    const run = new JobRun(jm, spec, text, example, runDir);
    this.jobs.set(run.jobId, run);
    this.wire(run);
    this.history.saveRun({ jobId: run.jobId, name: run.name, started: run.startedAt, ended: null, state: jm.state, detail: null });
    try {
      await jm.start();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      run.error = `could not start: ${why}`;
      run.note('failure', run.error);
      await jm.cancel().catch(() => undefined);
      this.emit({ event: 'jobs', data: this.summaries() });
      throw new ApiError('INTERNAL', `job "${spec.name}" could not start: ${why}`);
    }
    const from = restoreFrom === null ? '' : ` from savepoint ${restoreFrom.checkpoint}`;
    run.note('action', `started${from} with ${spec.parallelism} worker(s), pids ${jm.workers().map((w) => w.pid).join(', ')}`);
    this.emit({ event: 'jobs', data: this.summaries() });
    return { jobId: run.jobId };
  }

  private wire(run: JobRun): void {
    const { jm } = run;
    const fi = (f: FailureRecord) => failureInfo(run.jobId, run.name, f, run.recoveredAt.get(f));
    jm.on('state', () => this.emit({ event: 'jobs', data: this.summaries() }));
    jm.on('checkpoint', (c) => this.emit({ event: 'checkpoint', data: { jobId: run.jobId, checkpoint: checkpointInfo(c) } }));
    jm.on('failure', (f) => {
      this.emit({ event: 'failure', data: fi(f) });
      this.emit({ event: 'notification', data: { level: 'error', title: `${run.name}: failure`, body: f.reason.slice(0, 2000), jobId: run.jobId } });
    });
    jm.on('recovered', (f) => this.emit({ event: 'recovered', data: fi(f) }));
    void jm.done.then((result) => {
      run.finish(result);
      run.tick(Date.now());
      this.persistRun(run);
      this.emit({ event: 'jobs', data: this.summaries() });
      if (result.state === 'FAILED') {
        this.emit({ event: 'notification', data: { level: 'error', title: `${run.name} failed`, body: (result.error ?? 'no reason given').slice(0, 2000), jobId: run.jobId } });
      } else if (result.state === 'FINISHED') {
        this.emit({ event: 'notification', data: { level: 'info', title: `${run.name} finished`, body: `${result.checkpoints.filter((c) => c.status === 'completed').length} checkpoints, ${result.failures.length} failures recovered`, jobId: run.jobId } });
      }
    });
  }

  private persistRun(run: JobRun): void {
    try {
      this.history.saveRun({ jobId: run.jobId, name: run.name, started: run.startedAt, ended: run.endedAt, state: run.jm.state, detail: JSON.stringify(run.detail()) });
    } catch {
      /* best effort */
    }
  }

  async listJobs(): Promise<Result<'listJobs'>> {
    return [...this.summaries(), ...this.pastRuns().map((d) => d.summary)].slice(0, 1000);
  }

  async getOverview(): Promise<Result<'getOverview'>> {
    const jobs = await this.listJobs();
    const failures = [...this.jobs.values()].flatMap((r) => r.failures());
    failures.sort((a, b) => b.at - a.at);
    let running = 0;
    let total = 0;
    for (const r of this.jobs.values()) {
      if (!r.live) continue;
      for (const w of r.jm.workers()) {
        total++;
        if (w.status === 'running') running++;
      }
    }
    return { jobs, recentFailures: failures.slice(0, RECENT_FAILURES), workers: { running, total }, dataDir: this.opts.dataDir.slice(0, 4000) };
  }

  async getJob(p: Params<'getJob'>): Promise<Result<'getJob'>> {
    const r = this.jobs.get(p.jobId);
    if (r !== undefined) return r.detail();
    const past = this.pastRuns().find((d) => d.summary.jobId === p.jobId);
    if (past === undefined) throw new ApiError('NOT_FOUND', `no job ${p.jobId}`);
    return past;
  }

  async getMetricsHistory(p: Params<'getMetricsHistory'>): Promise<Result<'getMetricsHistory'>> {
    const since = Math.max(p.sinceTs ?? 0, Date.now() - LIMITS.historyWindowMs);
    const r = this.jobs.get(p.jobId);
    if (r !== undefined) return r.snapshots.filter((s) => s.ts >= since);
    return this.history.snapshots(p.jobId, since, LIMITS.historyPoints).map((j) => JSON.parse(j) as JobSnapshot);
  }

  async cancelJob(p: Params<'cancelJob'>): Promise<Result<'cancelJob'>> {
    const r = this.run(p.jobId);
    r.note('action', 'cancel requested');
    const res = await guarded(() => r.jm.cancel());
    return { state: res.state };
  }

  async stopWithSavepoint(p: Params<'stopWithSavepoint'>): Promise<Result<'stopWithSavepoint'>> {
    const r = this.run(p.jobId);
    r.note('action', 'stop with savepoint requested');
    const sp = await guarded(() => withTimeout(r.jm.stopWithSavepoint(), CALL_TIMEOUT_MS, 'stop with savepoint'));
    r.savepoints.push({ ...sp, ts: Date.now() });
    r.note('savepoint', `savepoint ${sp.checkpoint} in ${sp.checkpointDir}`);
    this.persistRun(r);
    return sp;
  }

  async killWorker(p: Params<'killWorker'>): Promise<Result<'killWorker'>> {
    const r = this.run(p.jobId);
    const { pid } = await guarded(() => r.jm.killWorker(p.worker));
    r.note('action', `operator killed worker ${p.worker} (pid ${pid})`);
    return { worker: p.worker, pid };
  }

  async killRandomWorker(p: Params<'killRandomWorker'>): Promise<Result<'killRandomWorker'>> {
    const r = this.run(p.jobId);
    const k = await guarded(() => r.jm.killRandomWorker());
    r.note('action', `operator killed random worker ${k.worker} (pid ${k.pid})`);
    return k;
  }

  async triggerCheckpoint(p: Params<'triggerCheckpoint'>): Promise<Result<'triggerCheckpoint'>> {
    const r = this.run(p.jobId);
    r.note('action', 'checkpoint triggered by the operator');
    const rec = await guarded(() => withTimeout(r.jm.triggerCheckpoint(), CALL_TIMEOUT_MS, 'the checkpoint'));
    return checkpointInfo(rec);
  }

  async restoreCheckpoint(p: Params<'restoreCheckpoint'>): Promise<Result<'restoreCheckpoint'>> {
    const r = this.run(p.jobId);
    await guarded(() => r.jm.restoreFromCheckpoint(p.checkpoint));
    r.note('action', `operator restored checkpoint ${p.checkpoint}`);
    return { restoring: p.checkpoint };
  }

  async lookupKey(p: Params<'lookupKey'>): Promise<Result<'lookupKey'>> {
    const r = this.run(p.jobId);
    const state = await guarded(() => withTimeout(r.jm.lookupKey(p.key), 10_000, 'the key lookup'));
    let json: string;
    try {
      json = JSON.stringify(state, null, 2) ?? '{}';
    } catch {
      json = '(state is not JSON-serialisable)';
    }
    const plain = JSON.parse(json.startsWith('(') ? '{}' : json) as Record<string, unknown>;
    return { key: p.key, found: Object.keys(plain).length > 0, state: plain, json: json.slice(0, 64 * 1024) };
  }

  async queryView(p: Params<'queryView'>): Promise<Result<'queryView'>> {
    const a = await guarded(() => {
      try {
        return queryView(p.view, p.key);
      } catch (e) {
        throw e instanceof ViewNotFoundError ? new ApiError('NOT_FOUND', e.message) : e;
      }
    });
    return { ...a, rows: a.rows.slice(0, LIMITS.maxViewRows), truncated: a.rows.length > LIMITS.maxViewRows };
  }

  // ---- Kafka (src/engine/kafka through KafkaService) -------------------------------------

  kafkaListConnections(): Promise<Result<'kafkaListConnections'>> {
    return this.kafka.listConnections();
  }
  kafkaSaveConnection(p: Params<'kafkaSaveConnection'>): Promise<Result<'kafkaSaveConnection'>> {
    return this.kafka.saveConnection(p);
  }
  kafkaRemoveConnection(p: Params<'kafkaRemoveConnection'>): Promise<Result<'kafkaRemoveConnection'>> {
    return this.kafka.removeConnection(p);
  }
  kafkaTestConnection(p: Params<'kafkaTestConnection'>): Promise<Result<'kafkaTestConnection'>> {
    return this.kafka.testConnection(p);
  }
  kafkaCluster(p: Params<'kafkaCluster'>): Promise<Result<'kafkaCluster'>> {
    return this.kafka.clusterInfo(p);
  }
  kafkaTopics(p: Params<'kafkaTopics'>): Promise<Result<'kafkaTopics'>> {
    return this.kafka.topics(p);
  }
  kafkaBrowse(p: Params<'kafkaBrowse'>): Promise<Result<'kafkaBrowse'>> {
    return this.kafka.browse(p);
  }
  kafkaProduce(p: Params<'kafkaProduce'>): Promise<Result<'kafkaProduce'>> {
    return this.kafka.produce(p);
  }
  kafkaGroups(p: Params<'kafkaGroups'>): Promise<Result<'kafkaGroups'>> {
    return this.kafka.groups(p);
  }
  kafkaGroupLag(p: Params<'kafkaGroupLag'>): Promise<Result<'kafkaGroupLag'>> {
    return this.kafka.groupLag(p);
  }
  kafkaLagHistory(p: Params<'kafkaLagHistory'>): Promise<Result<'kafkaLagHistory'>> {
    return this.kafka.lagHistory(p);
  }
  kafkaPlanReset(p: Params<'kafkaPlanReset'>): Promise<Result<'kafkaPlanReset'>> {
    return this.kafka.planReset(p);
  }
  kafkaApplyReset(p: Params<'kafkaApplyReset'>): Promise<Result<'kafkaApplyReset'>> {
    return this.kafka.applyReset(p);
  }

  // ---- Drills (src/engine/drills through DrillService) ------------------------------------

  listDrills(): Promise<Result<'listDrills'>> {
    return guarded(() => this.drills.list());
  }
  getDrillSource(p: Params<'getDrillSource'>): Promise<Result<'getDrillSource'>> {
    return guarded(() => this.drills.source(p));
  }
  validateDrill(p: Params<'validateDrill'>): Promise<Result<'validateDrill'>> {
    return guarded(() => this.drills.validate(p));
  }
  runDrill(p: Params<'runDrill'>): Promise<Result<'runDrill'>> {
    if (this.closed) return Promise.reject(new ApiError('ILLEGAL_STATE', 'the engine is shutting down'));
    return guarded(() => this.drills.run(p));
  }
  listDrillRuns(): Promise<Result<'listDrillRuns'>> {
    return guarded(() => this.drills.runs());
  }
  getDrillRun(p: Params<'getDrillRun'>): Promise<Result<'getDrillRun'>> {
    return guarded(() => this.drills.get(p));
  }
  compareDrillRuns(p: Params<'compareDrillRuns'>): Promise<Result<'compareDrillRuns'>> {
    return guarded(() => this.drills.compare(p));
  }
  /** Only the desktop app can save with a dialog (src/main overrides this call); browser mode downloads from `/drill-reports/…`. */
  saveDrillReport(): Promise<Result<'saveDrillReport'>> {
    return Promise.reject(new ApiError('ILLEGAL_STATE', 'saving a report to a file needs the desktop app; in a browser, download it from the Export links (/drill-reports/<runId>.<html|json|md|pdf>)'));
  }
  /** A past run's report as a file (browser-mode download route, the desktop app's save dialog). */
  drillReportFile(runId: string, format: DrillReportFormat): Promise<ReportFile> {
    return guarded(() => this.drills.reportFile(runId, format));
  }

  // ---- lifecycle -----------------------------------------------------------------------

  /** Job list and each live job's latest snapshot (for `/metrics`). */
  metricsView(): { jobs: JobSummary[]; latest: Map<string, JobSnapshot> } {
    const latest = new Map<string, JobSnapshot>();
    for (const r of this.jobs.values()) {
      const s = r.snapshots[r.snapshots.length - 1];
      if (s !== undefined) latest.set(r.jobId, s);
    }
    return { jobs: this.summaries(), latest };
  }

  /** Live jobs (for a shutdown prompt). */
  liveJobs(): JobSummary[] {
    return [...this.jobs.values()].filter((r) => r.live).map((r) => r.summary());
  }

  /** Graceful shutdown: cancel every live job (workers killed, committed output stays), close the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
    await Promise.all(
      [...this.jobs.values()].filter((r) => r.live).map(async (r) => {
        r.note('action', 'cancelled: the console is shutting down');
        await r.jm.cancel().catch(() => undefined);
        await r.jm.done.catch(() => undefined);
      }),
    );
    for (const r of this.jobs.values()) if (r.result !== null) this.persistRun(r);
    this.listeners.clear();
    await this.kafka.close();
    await this.drills.close();
    this.history.close();
  }

}
