/**
 * The drills half of the console API: the example drills of resources/drills, running one
 * of them in this process (src/engine/drills, the same runner as `sluice drill`) with its
 * run folder under `<dataDir>/drills/`, progress pushed as `drill` events, and the run
 * history in `<dataDir>/drill-history.db` (the same store format `sluice drill` writes).
 * One drill runs at a time: a drill measures recovery times, and two at once would skew
 * each other.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DrillInputError, loadDrillFile, prepareDrill, type DrillDocument, type DrillReport, type DrillSpec } from '../drills/index.js';
import { DrillHistory } from '../drills/history.js';
import { ApiError, type DrillInfo, type DrillProgress, type DrillReportInfo, type Params, type Result } from '../../shared/api.js';

interface Example {
  readonly file: string;
  readonly spec: DrillSpec;
  readonly document: DrillDocument;
}

interface Active {
  progress: DrillProgress;
  readonly startedAt: number;
  readonly done: Promise<void>;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const int = (n: number): number => Math.max(0, Math.round(n));
const num = (n: number | null): number | null => (n === null || !Number.isFinite(n) ? null : n);

function faultList(d: DrillDocument): DrillInfo['faults'] {
  const out: DrillInfo['faults'] = (d.faults ?? []).map((f) => ({
    type: f.type,
    detail: Object.entries(f)
      .filter(([k]) => k !== 'type')
      .map(([k, v]) => `${k} ${text(v)}`)
      .join(', ')
      .slice(0, 500),
  }));
  if (d.random !== undefined) {
    out.push({ type: 'random', detail: `${d.random.count}× ${(d.random.types ?? ['kill-worker']).join(' / ')} between ${text(d.random.from)} and ${text(d.random.to)}`.slice(0, 500) });
  }
  return out.slice(0, 100);
}

/** The report's parts the console shows (bounded like the contract). */
export function reportInfo(r: DrillReport): DrillReportInfo {
  return {
    runId: r.runId,
    drill: r.drill.name.slice(0, 200),
    description: r.drill.description === null ? null : r.drill.description.slice(0, 2000),
    seed: r.drill.seed,
    startedAt: r.startedAt,
    durationMs: int(r.durationMs),
    verdict: r.verdict,
    verdictReasons: r.verdictReasons.slice(0, 50).map((x) => x.slice(0, 2000)),
    guarantee: r.guarantee,
    jobState: r.job.state.slice(0, 40),
    aborted: r.aborted === null ? null : r.aborted.message.slice(0, 2000),
    records: { input: r.records.input, expected: r.records.expected, produced: r.records.produced, lost: r.records.lost, duplicated: r.records.duplicated, mismatched: r.records.mismatched },
    faults: r.faults.slice(0, 200).map((f) => ({
      seq: f.seq,
      type: f.type.slice(0, 60),
      origin: f.origin,
      description: f.description.slice(0, 2000),
      atMs: num(f.atMs),
      worker: f.worker,
      skipped: f.skipped === null ? null : f.skipped.slice(0, 2000),
      detectMs: num(f.detectMs),
      restartMs: num(f.restartMs),
      restoreMs: num(f.restoreMs),
      restoreBytes: num(f.restoreBytes),
      restoredFrom: f.restoredFrom,
      caughtUpMs: num(f.caughtUpMs),
      recordsReplayed: num(f.recordsReplayed),
      fallback: f.fallback.slice(0, 20).map((x) => x.slice(0, 2000)),
    })),
    checkpoints: {
      completed: r.checkpoints.completed,
      failed: r.checkpoints.failed,
      p50Ms: num(r.checkpoints.durationMs.p50),
      p99Ms: num(r.checkpoints.durationMs.p99),
      maxMs: num(r.checkpoints.durationMs.max),
    },
  };
}

export class DrillService {
  private historyDb: DrillHistory | null = null;
  private active: Active | null = null;
  private closed = false;

  constructor(
    private readonly dataDir: string,
    private readonly drillsDir: string | null,
    private readonly emit: (p: DrillProgress) => void,
  ) {}

  private history(): DrillHistory {
    return (this.historyDb ??= DrillHistory.open(path.join(this.dataDir, 'drill-history.db')));
  }

  /** The valid drill files of the drills folder (job specs and broken files are left out). */
  private examples(): Example[] {
    const dir = this.drillsDir;
    if (dir === null || !existsSync(dir)) return [];
    const out: Example[] = [];
    for (const f of readdirSync(dir).sort()) {
      if (!/\.ya?ml$/.test(f)) continue;
      const file = path.join(dir, f);
      const r = loadDrillFile(file);
      if (r.ok) out.push({ file, spec: r.spec, document: r.document });
    }
    return out;
  }

  private guarantee(e: Example): string | null {
    let job: unknown = e.spec.job;
    if (typeof job === 'string') {
      try {
        job = parse(readFileSync(path.resolve(e.spec.drillDir, job), 'utf8')) as unknown;
      } catch {
        return null;
      }
    }
    const g = job !== null && typeof job === 'object' ? (job as Record<string, unknown>)['guarantee'] : undefined;
    return typeof g === 'string' ? g.slice(0, 40) : null;
  }

  async list(): Promise<Result<'listDrills'>> {
    return this.examples()
      .filter((e) => /^[A-Za-z0-9_.-]+$/.test(e.spec.name) && e.spec.name.length <= 100)
      .slice(0, 100)
      .map((e) => ({
        name: e.spec.name,
        description: (e.spec.description ?? '').slice(0, 2000),
        durationMs: int(e.spec.durationMs),
        guarantee: this.guarantee(e),
        faults: faultList(e.document),
      }));
  }

  async run(p: Params<'runDrill'>): Promise<Result<'runDrill'>> {
    if (this.closed) throw new ApiError('ILLEGAL_STATE', 'the engine is shutting down');
    if (this.active !== null) throw new ApiError('ILLEGAL_STATE', `drill "${this.active.progress.drill}" is running; one drill runs at a time`);
    const ex = this.examples().find((e) => e.spec.name === p.name);
    if (ex === undefined) throw new ApiError('NOT_FOUND', `no example drill "${p.name}"`);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const runDir = path.join(this.dataDir, 'drills', ex.spec.name.replace(/[^\w.-]+/g, '_'), `${stamp}-${Math.random().toString(36).slice(2, 8)}`);
    let faultsTotal = 0;
    let faultsDone = 0;
    const onProgress = (line: string): void => {
      const a = this.active;
      const m = /, (\d+) fault\(s\), seed/.exec(line);
      if (m !== null) faultsTotal = Number(m[1]);
      if (/^\s+inject fault \d+/.test(line)) faultsDone++;
      if (a === null) return;
      a.progress = { ...a.progress, elapsedMs: int(Date.now() - a.startedAt), faultsDone, faultsTotal: Math.max(faultsTotal, faultsDone), line: line.slice(0, 2000) };
      this.emit(a.progress);
    };
    let run;
    try {
      run = prepareDrill(ex.spec, ex.document, { drillFile: ex.file, runDir, onProgress });
    } catch (e) {
      if (e instanceof DrillInputError) throw new ApiError('INVALID_SPEC', `drill "${ex.spec.name}" is invalid`, e.errors.slice(0, 500).map((x) => ({ path: x.path.slice(0, 500), message: x.message.slice(0, 2000) })));
      throw new ApiError('INTERNAL', e instanceof Error ? e.message : String(e));
    }
    const runId = run.runId;
    const startedAt = Date.now();
    const finish = (phase: 'done' | 'failed', verdict: 'PASS' | 'FAIL' | null, error: string | null, line: string): void => {
      const a = this.active;
      this.active = null;
      this.emit({ ...(a?.progress ?? { runId, drill: ex.spec.name, durationMs: int(ex.spec.durationMs), faultsDone, faultsTotal, elapsedMs: 0 }), phase, verdict, error, elapsedMs: int(Date.now() - startedAt), line: line.slice(0, 2000) });
    };
    const done = run.run().then(
      (report) => {
        let recordError: string | null = null;
        try {
          this.history().record(report);
        } catch (e) {
          recordError = `the run could not be recorded in the history: ${e instanceof Error ? e.message : String(e)}`;
        }
        const r = report.records;
        finish('done', report.verdict, recordError, `${report.verdict}: expected ${r.expected}, produced ${r.produced}, lost ${r.lost}, duplicated ${r.duplicated}, mismatched ${r.mismatched}`);
      },
      (e: unknown) => {
        const why = e instanceof Error ? e.message : String(e);
        finish('failed', null, why.slice(0, 4000), `drill "${ex.spec.name}" could not run`);
      },
    );
    this.active = {
      startedAt,
      done,
      progress: { runId, drill: ex.spec.name, phase: 'running', elapsedMs: 0, durationMs: int(ex.spec.durationMs), faultsDone, faultsTotal, line: 'starting', verdict: null, error: null },
    };
    this.emit(this.active.progress);
    return { runId };
  }

  async runs(): Promise<Result<'listDrillRuns'>> {
    return this.history()
      .list(undefined, 100)
      .filter((s) => s.verdict === 'PASS' || s.verdict === 'FAIL')
      .map((s) => ({
        runId: s.runId,
        drill: s.drill.slice(0, 200),
        verdict: s.verdict as 'PASS' | 'FAIL',
        guarantee: s.guarantee.slice(0, 40),
        expected: s.expected,
        produced: s.produced,
        lost: s.lost,
        duplicated: s.duplicated,
        mismatched: s.mismatched,
        faults: s.faults,
        startedAt: s.startedAt.slice(0, 64),
        durationMs: int(s.durationMs),
      }));
  }

  async get(p: Params<'getDrillRun'>): Promise<Result<'getDrillRun'>> {
    const r = this.history().get(p.runId);
    if (r === undefined) throw new ApiError('NOT_FOUND', `no drill run ${p.runId}`);
    return reportInfo(r);
  }

  /** Waits (bounded) for a running drill to end, then closes the history. */
  async close(): Promise<void> {
    this.closed = true;
    const a = this.active;
    if (a !== null) await Promise.race([a.done, new Promise((r) => setTimeout(r, 10_000).unref())]);
    this.historyDb?.close();
    this.historyDb = null;
  }
}
