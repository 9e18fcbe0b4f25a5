/**
 * The drills half of the console API: the example drills of resources/drills, running one
 * of them in this process (src/engine/drills, the same runner as `sluice drill`) with its
 * run folder under `<dataDir>/drills/`, progress pushed as `drill` events, and the run
 * history in `<dataDir>/drill-history.db` (the same store format `sluice drill` writes).
 * One drill runs at a time: a drill measures recovery times, and two at once would skew
 * each other.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { DrillInputError, loadDrillFile, prepareDrill, type DrillDocument, type DrillReport, type DrillSpec } from '../drills/index.js';
import { DrillHistory } from '../drills/history.js';
import { renderHtmlReport } from '../drills/report-html.js';
import { checkDrillText, stageEditedDrill } from './drill-edit.js';
import { renderMarkdownReport } from '../drills/report-markdown.js';
import { findChromium } from '../drills/report-pdf.js';
import { ApiError, DRILL_COMPARE_LIMITS, LIMITS, type DrillCompareSide, type DrillInfo, type DrillProgress, type DrillReportFormat, type DrillReportInfo, type Params, type Result } from '../../shared/api.js';

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

/** A report rendered for download or saving. */
export interface ReportFile {
  readonly fileName: string;
  readonly contentType: string;
  readonly body: Buffer;
}

const REPORT_TYPES: Record<DrillReportFormat, { ext: string; contentType: string }> = {
  html: { ext: 'html', contentType: 'text/html; charset=utf-8' },
  json: { ext: 'json', contentType: 'application/json; charset=utf-8' },
  markdown: { ext: 'md', contentType: 'text/markdown; charset=utf-8' },
  pdf: { ext: 'pdf', contentType: 'application/pdf' },
};

/** The file extension of each format (the browser-mode route is `/drill-reports/<runId>.<ext>`). */
export const reportExtension = (f: DrillReportFormat): string => REPORT_TYPES[f].ext;

const MARKER_KINDS = new Set(['fault', 'failure', 'restart', 'caught-up', 'fallback', 'guard']);

/** What the comparison view draws of one run, bounded like the contract. */
function compareSide(r: DrillReport): DrillCompareSide {
  const samples = r.timeline.samples;
  // Long runs are thinned evenly; a drill of ≤ 20 minutes keeps every second.
  const step = Math.max(1, Math.ceil(samples.length / DRILL_COMPARE_LIMITS.timelinePoints));
  const timeline = samples.filter((_, i) => i % step === 0).map((x) => ({ t: int(x.t), throughput: num(x.throughput), lagMs: num(x.lagMs) }));
  const markers = r.timeline.markers
    .filter((m) => MARKER_KINDS.has(m.kind))
    .slice(0, DRILL_COMPARE_LIMITS.markers)
    .map((m) => ({ t: int(m.t), kind: m.kind.slice(0, 40), label: m.label.slice(0, 200) }));
  const checkpoints = r.checkpoints.history.slice(-DRILL_COMPARE_LIMITS.checkpoints).map((c) => ({ id: c.id, triggerMs: int(c.triggerMs), durationMs: num(c.durationMs), status: c.status.slice(0, 40) }));
  return { report: reportInfo(r), timeline, markers, checkpoints };
}

const execFileAsync = promisify(execFile);

/** The HTML report printed to PDF by headless Chromium, without blocking the engine's event loop. */
async function pdfOf(html: string): Promise<Buffer> {
  const bin = findChromium();
  if (bin === null) throw new ApiError('ILLEGAL_STATE', 'PDF needs Chromium, which is not installed here (set SLUICE_CHROMIUM to its path); export HTML and print it instead');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-report-'));
  try {
    const htmlFile = path.join(dir, 'report.html');
    const pdfFile = path.join(dir, 'report.pdf');
    writeFileSync(htmlFile, html);
    try {
      await execFileAsync(bin, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${path.join(dir, 'profile')}`, `--print-to-pdf=${pdfFile}`, '--no-pdf-header-footer', pathToFileURL(htmlFile).href], { timeout: 60_000 });
    } catch (e) {
      throw new ApiError('INTERNAL', `Chromium could not print the report: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    if (!existsSync(pdfFile)) throw new ApiError('INTERNAL', 'Chromium ran but wrote no PDF');
    return readFileSync(pdfFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
    const example = this.example('name' in p ? p.name : p.example);
    // An edited drill is checked before anything is written or started.
    const edited = 'text' in p ? checkDrillText(p.text, path.dirname(example.file)) : null;
    if (edited !== null && !edited.ok) throw new ApiError('INVALID_SPEC', `the edited drill is invalid (${edited.errors.length} problem(s)): ${edited.errors.slice(0, 3).map((e) => `${e.path || '(drill)'}: ${e.message}`).join('; ')}`, edited.errors);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    // An edited name is free text: no separators, and no leading dot (".." would climb out of drills/).
    const folder = (edited?.spec.name ?? example.spec.name).replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_').slice(0, 100);
    const runDir = path.join(this.dataDir, 'drills', folder, `${stamp}-${Math.random().toString(36).slice(2, 8)}`);
    let ex: Example = example;
    if ('text' in p) {
      // The run loads the staged file like `sluice drill` loads a file, so its report names that file.
      const file = stageEditedDrill(example.file, p.text, path.join(runDir, 'drill'));
      const r = loadDrillFile(file);
      if (!r.ok) throw new ApiError('INVALID_SPEC', 'the edited drill is invalid', r.errors.slice(0, 500).map((x) => ({ path: x.path.slice(0, 500), message: x.message.slice(0, 2000) })));
      ex = { file, spec: r.spec, document: r.document };
    }
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
      this.emit({ ...(a?.progress ?? { runId, drill: ex.spec.name.slice(0, 200), durationMs: int(ex.spec.durationMs), faultsDone, faultsTotal, elapsedMs: 0 }), phase, verdict, error, elapsedMs: int(Date.now() - startedAt), line: line.slice(0, 2000) });
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
      progress: { runId, drill: ex.spec.name.slice(0, 200), phase: 'running', elapsedMs: 0, durationMs: int(ex.spec.durationMs), faultsDone, faultsTotal, line: 'starting', verdict: null, error: null },
    };
    this.emit(this.active.progress);
    return { runId };
  }

  /** The example drill of that name, or NOT_FOUND. */
  private example(name: string): Example {
    const ex = this.examples().find((e) => e.spec.name === name);
    if (ex === undefined) throw new ApiError('NOT_FOUND', `no example drill "${name}"`);
    return ex;
  }

  async source(p: Params<'getDrillSource'>): Promise<Result<'getDrillSource'>> {
    const ex = this.example(p.name);
    const text = readFileSync(ex.file, 'utf8');
    if (text.length > LIMITS.maxSpecChars) throw new ApiError('ILLEGAL_STATE', `drill "${p.name}" is longer than ${LIMITS.maxSpecChars} characters, more than the console edits`);
    return { name: ex.spec.name, text };
  }

  async validate(p: Params<'validateDrill'>): Promise<Result<'validateDrill'>> {
    const dir = p.example === undefined ? null : path.dirname(this.example(p.example).file);
    const r = checkDrillText(p.text, dir);
    return r.ok ? { ok: true, errors: [] } : { ok: false, errors: r.errors };
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

  async compare(p: Params<'compareDrillRuns'>): Promise<Result<'compareDrillRuns'>> {
    const c = this.history().compare(p.a, p.b);
    if (c === undefined) throw new ApiError('NOT_FOUND', `no drill run ${this.history().get(p.a) === undefined ? p.a : p.b}`);
    return {
      a: compareSide(c.a),
      b: compareSide(c.b),
      differences: c.differences.slice(0, DRILL_COMPARE_LIMITS.differences).map((d) => ({
        ...d,
        label: d.label.slice(0, 200),
        a: typeof d.a === 'string' ? d.a.slice(0, 200) : num(d.a),
        b: typeof d.b === 'string' ? d.b.slice(0, 200) : num(d.b),
      })),
    };
  }

  /**
   * A past run's report as a file, from the same builders as `sluice drill --report/--json/
   * --markdown/--pdf` (the JSON is the whole sluice.drill-report/1 document).
   */
  async reportFile(runId: string, format: DrillReportFormat): Promise<ReportFile> {
    const r = this.history().get(runId);
    if (r === undefined) throw new ApiError('NOT_FOUND', `no drill run ${runId}`);
    const t = REPORT_TYPES[format];
    const fileName = `drill-${r.drill.name.replace(/[^\w.-]+/g, '_').slice(0, 80)}-${runId}.${t.ext}`;
    let body: Buffer;
    if (format === 'html') body = Buffer.from(renderHtmlReport(r));
    else if (format === 'json') body = Buffer.from(JSON.stringify(r, null, 2) + '\n');
    else if (format === 'markdown') body = Buffer.from(renderMarkdownReport(r));
    else body = await pdfOf(renderHtmlReport(r));
    return { fileName, contentType: t.contentType, body };
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
