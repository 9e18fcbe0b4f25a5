import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineService } from './engine-service.js';
import type { ApiEvent, JobSnapshot } from '../../shared/api.js';

let dir: string;
let service: EngineService;
const events: ApiEvent[] = [];

const SPEC = `name: live-counts
parallelism: 2
source: { type: generator, seed: 7, count: null, keys: 500, eventsPerSecond: 4000 }
pipeline:
  - keyBy: key
  - window: { type: tumbling, size: 1s }
  - aggregate: { count: true }
checkpoint: { interval: 1s, retain: 3 }
restart: { strategy: fixed-delay, attempts: 10, delay: 50ms }
sink: { type: sqlite, path: out/results.db, table: results }
`;

async function waitFor<T>(f: () => T | undefined | null | false, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-service-'));
  service = new EngineService({ dataDir: dir, examplesDir: path.resolve('resources/examples'), tickMs: 500 });
  service.subscribe((e) => events.push(e));
});

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('EngineService with a real job', () => {
  it('lists the shipped examples', async () => {
    const ex = await service.listExamples();
    expect(ex.map((e) => e.id)).toContain('keyed-count');
    expect(ex.find((e) => e.id === 'keyed-count')?.description).toMatch(/generated events/);
  });

  it('runs a job, snapshots it, kills a worker, recovers, checkpoints, looks up a key, cancels', async () => {
    const { jobId } = await service.startJob({ text: SPEC });
    const snap = await waitFor(
      () => events.find((e): e is { event: 'snapshot'; data: JobSnapshot } => e.event === 'snapshot' && e.data.jobId === jobId && e.data.recordsInPerSec > 0),
      'throughput > 0',
    );
    expect(snap.data.operators.length).toBe(2);
    expect(snap.data.workers.map((w) => w.status)).toEqual(['running', 'running']);

    const cp = await service.triggerCheckpoint({ jobId });
    expect(cp.status).toBe('completed');
    const detail = await service.getJob({ jobId });
    expect(detail.checkpoints.some((c) => c.id === cp.id)).toBe(true);
    expect(detail.graph.nodes.map((n) => n.kind)).toEqual(['source', 'stage', 'stage', 'sink']);

    const withState = await waitFor(() => service.metricsView().latest.get(jobId)?.keyedState?.topKeys.length, 'state stats');
    expect(withState).toBeGreaterThan(0);
    const top = service.metricsView().latest.get(jobId)!.keyedState!.topKeys[0]!;
    const found = await service.lookupKey({ jobId, key: top.key });
    expect(found.found).toBe(true);

    const killed = await service.killWorker({ jobId, worker: 1 });
    expect(killed.pid).toBeGreaterThan(0);
    const rec = await waitFor(() => events.find((e) => e.event === 'recovered' && e.data.jobId === jobId && e.data.recoveryMs !== null), 'recovery');
    expect(rec.event === 'recovered' && rec.data.worker).toBe(1);
    const after = await service.getJob({ jobId });
    expect(after.failures[0]?.recoveryMs).toBeGreaterThan(0);
    expect(after.timeline.some((t) => t.kind === 'recovered')).toBe(true);
    await expect(service.killWorker({ jobId, worker: 9 })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const history = await service.getMetricsHistory({ jobId });
    expect(history.length).toBeGreaterThan(1);
    const text = (await import('../serve/prometheus.js')).prometheusText(service.metricsView().jobs, service.metricsView().latest);
    expect(text).toMatch(/sluice_job_records_in_per_second\{job="live-counts"/);

    const c = await service.cancelJob({ jobId });
    expect(c.state).toBe('CANCELED');
    await expect(service.killWorker({ jobId, worker: 0 })).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
    const jobs = await service.listJobs();
    expect(jobs.find((j) => j.jobId === jobId)?.state).toBe('CANCELED');
  }, 120_000);
});
