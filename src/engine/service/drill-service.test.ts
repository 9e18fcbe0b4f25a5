import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ApiEvent, type DrillProgress } from '../../shared/api.js';
import { invoke } from '../../shared/rpc.js';
import { EngineService } from './engine-service.js';
import { findResourcesDir } from './examples.js';
import { DrillService } from './drill-service.js';
import { DrillHistory } from '../drills/history.js';
import { findChromium } from '../drills/report-pdf.js';
import type { DrillReport } from '../drills/index.js';
import { DRILLS, runExample } from '../../../test/drills/helpers.js';

describe('drill calls of the console API', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-drill-svc-'));
  const resources = findResourcesDir();
  const service = new EngineService({ dataDir, examplesDir: resources === null ? null : path.join(resources, 'examples') });
  afterAll(async () => {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the example drills of resources/drills (not the job spec next to them)', async () => {
    const list = api.listDrills.result.parse(await invoke(service, 'listDrills', {}));
    const names = list.map((d) => d.name);
    expect(names).toContain('kill-workers-exactly-once');
    expect(names).toContain('corrupt-newest-checkpoint');
    expect(names).not.toContain('drill-keyed-count');
    const corrupt = list.find((d) => d.name === 'corrupt-newest-checkpoint')!;
    expect(corrupt.durationMs).toBe(6000);
    expect(corrupt.guarantee).toBe('exactly-once');
    expect(corrupt.faults).toEqual([{ type: 'corrupt-checkpoint', detail: 'at 3s' }]);
    const kill = list.find((d) => d.name === 'kill-workers-exactly-once')!;
    expect(kill.guarantee).toBe('exactly-once');
    expect(kill.faults.map((f) => f.type)).toEqual(['kill-worker', 'kill-burst', 'random']);
  });

  it('has no runs yet; unknown drills and runs are NOT_FOUND; bad names are BAD_REQUEST', async () => {
    expect(await invoke(service, 'listDrillRuns', {})).toEqual([]);
    await expect(invoke(service, 'runDrill', { name: 'no-such-drill' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(invoke(service, 'getDrillRun', { runId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(invoke(service, 'runDrill', { name: '../etc/passwd' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(invoke(service, 'runDrill', { name: 'x', duration: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('comparing two recorded drill runs and exporting their reports', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-drill-cmp-'));
  const drills = new DrillService(dataDir, null, () => undefined);
  let a: DrillReport;
  let b: DrillReport;

  beforeAll(async () => {
    // Two real runs of the corrupt-checkpoint example (its fault at 3 s, exactly-once), recorded in the history the service reads.
    a = (await runExample('corrupt-newest-checkpoint.yaml')).report;
    b = (await runExample('corrupt-newest-checkpoint.yaml', { tweak: (d) => ({ ...d, seed: d.seed + 1 }) })).report;
    const h = DrillHistory.open(path.join(dataDir, 'drill-history.db'));
    h.record(a);
    h.record(b);
    h.close();
  }, 300_000);

  afterAll(async () => {
    await drills.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('compares them within the contract: both reports, timelines, checkpoints and every figure', async () => {
    const c = api.compareDrillRuns.result.parse(await drills.compare({ a: a.runId, b: b.runId }));
    expect(c.a.report.runId).toBe(a.runId);
    expect(c.b.report.runId).toBe(b.runId);
    expect(c.a.report.records.expected).toBe(a.records.expected);
    expect(c.a.timeline.length).toBeGreaterThan(0);
    expect(c.a.checkpoints.length).toBe(a.checkpoints.history.length);
    expect(c.a.markers.some((m) => m.kind === 'fault')).toBe(true);
    const seed = c.differences.find((d) => d.label === 'seed')!;
    expect(seed).toMatchObject({ a: a.drill.seed, b: b.drill.seed, differs: true, better: 'n/a' });
    expect(c.differences.find((d) => d.label === 'verdict')).toMatchObject({ a: 'PASS', b: 'PASS', differs: false, better: 'same' });
    expect(c.differences.find((d) => d.label === 'fault 1: type')).toMatchObject({ a: 'corrupt-checkpoint', b: 'corrupt-checkpoint', differs: false });
    await expect(drills.compare({ a: a.runId, b: 'missing' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no drill run missing' });
  });

  it('renders the report in every format from the report builders', async () => {
    const json = await drills.reportFile(a.runId, 'json');
    expect(json.fileName).toBe(`drill-corrupt-newest-checkpoint-${a.runId}.json`);
    expect(json.contentType).toContain('application/json');
    expect(JSON.parse(json.body.toString('utf8'))).toMatchObject({ schema: 'sluice.drill-report/1', runId: a.runId, verdict: a.verdict, records: a.records });
    const html = await drills.reportFile(a.runId, 'html');
    expect(html.body.toString('utf8')).toMatch(/^<!doctype html>[\s\S]*<svg/i);
    const md = await drills.reportFile(a.runId, 'markdown');
    expect(md.fileName.endsWith('.md')).toBe(true);
    expect(md.body.toString('utf8')).toContain(`# Drill "corrupt-newest-checkpoint": ${a.verdict}`);
    if (findChromium() !== null) {
      const pdf = await drills.reportFile(a.runId, 'pdf');
      expect(pdf.contentType).toBe('application/pdf');
      expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    }
    await expect(drills.reportFile('missing', 'html')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('editing a drill in the console: source, validation, running the edited text', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-drill-edit-'));
  const resources = findResourcesDir();
  const service = new EngineService({ dataDir, examplesDir: resources === null ? null : path.join(resources, 'examples') });
  const KILL = 'kill-workers-exactly-once';
  const shipped = readFileSync(path.join(DRILLS, `${KILL}.yaml`), 'utf8');
  /** The kill example cut to 3 s with one kill at 1.2 s; its job stays the relative file keyed-count-job.yaml. */
  const edited = shipped
    .replace(/^name: .*$/m, 'name: edited-kill')
    .replace(/^duration: 8s$/m, 'duration: 3s')
    .replace(/^ {2}- \{ type: kill-worker, at: 2s, worker: 0 \}$/m, '  - { type: kill-worker, at: 1200ms, worker: 0 }')
    .replace(/^ {2}- \{ type: kill-burst.*\n/m, '')
    .replace(/^random: .*\n/m, '');
  const validate = (text: string, example?: string) => invoke(service, 'validateDrill', example === undefined ? { text } : { text, example }) as Promise<{ ok: boolean; errors: { path: string; message: string }[] }>;

  afterAll(async () => {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives an example drill\'s YAML as shipped; unknown names are NOT_FOUND', async () => {
    const src = api.getDrillSource.result.parse(await invoke(service, 'getDrillSource', { name: KILL }));
    expect(src).toEqual({ name: KILL, text: shipped });
    await expect(invoke(service, 'getDrillSource', { name: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(invoke(service, 'getDrillSource', { name: '../keyed-count-job' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('validates like `sluice drill`: YAML errors, field errors and job errors with their path', async () => {
    expect(edited).toContain('duration: 3s');
    expect(edited).not.toContain('kill-burst');
    expect(await validate(edited, KILL)).toEqual({ ok: true, errors: [] });
    const yamlBroken = await validate(`${edited}\nfaults: [ {`, KILL);
    expect(yamlBroken.ok).toBe(false);
    expect(yamlBroken.errors[0]!.message).toMatch(/YAML syntax error in drill spec at line \d+/);
    // A fault after the end of the workload: the path names the fault.
    const late = await validate(edited.replace('at: 1200ms', 'at: 9s'), KILL);
    expect(late).toEqual({ ok: false, errors: [{ path: 'faults[0].at', message: "must be within the drill's duration (0 … 3s)" }] });
    const noDuration = await validate(edited.replace('duration: 3s', 'duration: soon'), KILL);
    expect(noDuration.errors.map((e) => e.path)).toContain('duration');
    // The job is resolved too: a worker the job does not have, a broken inline job.
    const noWorker = await validate(edited.replace('worker: 0 }', 'worker: 5 }'), KILL);
    expect(noWorker.errors).toEqual([{ path: 'faults', message: expect.stringContaining('no worker 5 (parallelism 2)') }]);
    const badJob = await validate(edited.replace('job: keyed-count-job.yaml', 'job: { name: j, parallelism: 0, source: { type: generator }, sink: { type: sqlite, path: o.db, table: t } }'), KILL);
    expect(badJob.ok).toBe(false);
    expect(badJob.errors.some((e) => e.path.startsWith('job.parallelism'))).toBe(true);
    // The relative job file resolves only in an example's folder.
    expect(await validate(edited)).toMatchObject({ ok: false, errors: [{ path: 'job' }] });
    const missingJob = await validate(edited.replace('keyed-count-job.yaml', 'no-such-job.yaml'), KILL);
    expect(missingJob.errors[0]).toMatchObject({ path: 'job', message: expect.stringContaining('no such file') });
  });

  it('refuses an invalid edit, a hostile or unknown example, and starts nothing', async () => {
    const err = await invoke(service, 'runDrill', { text: edited.replace('at: 1200ms', 'at: 9s'), example: KILL }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_SPEC', details: [{ path: 'faults[0].at' }] });
    expect((err as Error).message).toContain('faults[0].at: must be within');
    await expect(invoke(service, 'runDrill', { text: 'name: [', example: KILL })).rejects.toMatchObject({ code: 'INVALID_SPEC' });
    await expect(invoke(service, 'runDrill', { text: edited, example: '../drills/kill-workers-exactly-once' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(invoke(service, 'runDrill', { text: edited, example: '..' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(invoke(service, 'validateDrill', { text: edited, example: '../../etc' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(invoke(service, 'runDrill', { text: edited })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('or {text, example}') });
    await expect(invoke(service, 'runDrill', { text: 'x'.repeat(64 * 1024 + 1), example: KILL })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await invoke(service, 'listDrillRuns', {})).toEqual([]);
    expect(existsSync(path.join(dataDir, 'drills'))).toBe(false);
  });

  it('runs the edited drill from a copy of its example folder and records it with the edited content', async () => {
    const events: DrillProgress[] = [];
    const off = service.subscribe((e: ApiEvent) => {
      if (e.event === 'drill') events.push(e.data);
    });
    try {
      const { runId } = api.runDrill.result.parse(await invoke(service, 'runDrill', { text: edited, example: KILL }));
      await expect.poll(() => events.find((e) => e.runId === runId && e.phase !== 'running'), { timeout: 120_000, interval: 250 }).toBeDefined();
      const end = events.find((e) => e.runId === runId && e.phase !== 'running')!;
      expect(end).toMatchObject({ phase: 'done', verdict: 'PASS', drill: 'edited-kill', durationMs: 3000, faultsTotal: 1, error: null });

      const runs = api.listDrillRuns.result.parse(await invoke(service, 'listDrillRuns', {}));
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ runId, drill: 'edited-kill', verdict: 'PASS', faults: 1, lost: 0, duplicated: 0 });
      const report = api.getDrillRun.result.parse(await invoke(service, 'getDrillRun', { runId }));
      expect(report.faults).toHaveLength(1);
      expect(report.faults[0]).toMatchObject({ type: 'kill-worker', worker: 0 });
      expect(report.faults[0]!.atMs).toBeGreaterThanOrEqual(1200);
      expect(report.faults[0]!.atMs).toBeLessThan(3000);
      // The whole recorded report holds the edited spec, loaded from the staged copy (its job file beside it).
      const full = JSON.parse((await service.drillReportFile(runId, 'json')).body.toString('utf8')) as { drill: { file: string }; drillSpec: Record<string, unknown>; job: { name: string } };
      expect(full.drillSpec).toMatchObject({ name: 'edited-kill', duration: '3s', faults: [{ type: 'kill-worker', at: '1200ms', worker: 0 }] });
      expect(full.drillSpec['random']).toBeUndefined();
      expect(full.job.name).toBe('drill-keyed-count');
      expect(full.drill.file.startsWith(path.join(dataDir, 'drills', 'edited-kill'))).toBe(true);
      const staged = path.dirname(full.drill.file);
      expect(readFileSync(full.drill.file, 'utf8')).toBe(edited);
      expect(readdirSync(staged).sort()).toEqual(readdirSync(DRILLS).filter((f) => f.endsWith('.yaml')).sort());
      // The shipped example is untouched.
      expect(readFileSync(path.join(DRILLS, `${KILL}.yaml`), 'utf8')).toBe(shipped);
    } finally {
      off();
    }
  }, 150_000);
});
