import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../shared/api.js';
import { invoke } from '../../shared/rpc.js';
import { EngineService } from './engine-service.js';
import { findResourcesDir } from './examples.js';
import { DrillService } from './drill-service.js';
import { DrillHistory } from '../drills/history.js';
import { findChromium } from '../drills/report-pdf.js';
import type { DrillReport } from '../drills/index.js';
import { runExample } from '../../../test/drills/helpers.js';

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
