import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../../shared/api.js';
import { invoke } from '../../shared/rpc.js';
import { EngineService } from './engine-service.js';
import { findResourcesDir } from './examples.js';

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
