/**
 * Overload by load shedding (issue 8, part 4): a source that reads faster than a slowed
 * sink writes. With `shed`, every record is either delivered or shed — exactly, checked
 * record by record — each shed record is counted under its priority and lands in the shed
 * output, and the lowest priority goes first. With `backpressure` nothing is shed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { mergeOverload } from '../../src/engine/metrics/job-summary.js';
import { generatedRecord } from '../../src/engine/connectors/generator.js';
import type { WorkerMetrics } from '../../src/engine/metrics/worker-metrics.js';
import { readJsonl, spec, tempDir, waitFor } from '../helpers/jobs.js';

const dir = tempDir('sluice-shed-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const COUNT = 40_000;

const doc = (name: string, overload: Record<string, unknown>): Record<string, unknown> => ({
  name,
  parallelism: 2,
  guarantee: 'exactly-once',
  source: { type: 'generator', seed: 5, count: COUNT, keys: 500 },
  overload,
  // No keyBy: each worker's source stage writes straight to its sink, so no exchange buffer
  // (16 frames of credit per channel) absorbs the overload before the source sees it.
  pipeline: [{ map: { key: 'key', ts: 'ts', value: 'value', priority: 'int(value) % 3' } }],
  checkpoint: { interval: '300ms' },
  sink: { type: 'file', path: `${name}.jsonl` },
  sideOutputs: { shed: { type: 'file', path: `${name}.shed.jsonl` } },
});

async function run(name: string, overload: Record<string, unknown>, o: { kill?: boolean; sinkDelayMs?: number; source?: Record<string, unknown> } = {}): Promise<WorkerMetrics[]> {
  const d = doc(name, overload);
  if (o.source) d['source'] = { ...(d['source'] as Record<string, unknown>), ...o.source };
  const s = spec(d, dir);
  // Each sink writes ≤ 20k records/s and takes no input while a write is in flight; the
  // generator (unthrottled) reads far faster, so the sources meet a full output again and again.
  const jm = new JobManager(s, { stateDir: path.join(dir, `state-${name}`), sinkDelayMs: o.sinkDelayMs ?? 0.05 });
  const latest = new Map<number, WorkerMetrics>();
  jm.on('metrics', (m) => latest.set(m.worker, m));
  await jm.start();
  if (o.kill) {
    await waitFor(() => jm.checkpoints(10).some((c) => c.status === 'completed'), { timeoutMs: 30_000, message: 'a completed checkpoint before the kill' });
    jm.killWorker(1);
  }
  const r = await jm.done;
  expect(r.state).toBe('FINISHED');
  if (o.kill) expect(r.failures.length).toBeGreaterThanOrEqual(1);
  return [...latest.values()];
}

const id = (r: Record<string, unknown>): string => `${String(r['key'])}@${String(r['ts'])}#${String(r['value'])}`;

/** The generator's records as a sorted multiset of ids (two records may look alike). */
function inputIds(): string[] {
  const opts = { seed: 5, count: COUNT, keys: 500, eventsPerSecond: null, skew: 0, startTs: 1_700_000_000_000, eventTimeRate: 100_000, splits: 16 };
  return Array.from({ length: COUNT }, (_, j) => id(generatedRecord(opts, j))).sort();
}

describe('overload: shed', () => {
  it('counts every shed record by priority; delivered + shed = input, exactly', async () => {
    const metrics = await run('shed', { strategy: 'shed', priority: 'int(value) % 3', queueThreshold: 500, shedOutput: 'shed' });
    const delivered = readJsonl(path.join(dir, 'shed.jsonl'));
    const shed = readJsonl(path.join(dir, 'shed.shed.jsonl'));
    expect(delivered.length + shed.length).toBe(COUNT);
    // Record by record: each input record is in exactly one of the two outputs.
    expect([...delivered, ...shed].map(id).sort()).toEqual(inputIds());

    const o = mergeOverload({ strategy: 'shed', priority: 'int(value) % 3', queueThreshold: 500, shedOutput: 'shed' }, metrics);
    expect(o.shedTotal).toBe(shed.length);
    expect(shed.length).toBeGreaterThan(0); // the sink really was outrun
    const byPriority = new Map<number, number>();
    for (const r of shed) {
      const p = Math.trunc(r['value'] as number) % 3;
      byPriority.set(p, (byPriority.get(p) ?? 0) + 1);
    }
    expect(o.shedByPriority).toEqual([...byPriority].sort((a, b) => a[0] - b[0]).map(([priority, count]) => ({ priority, count })));
    // Lowest priority first: what got through is skewed towards priority 2.
    const deliveredOf = (p: number): number => delivered.filter((r) => r['priority'] === p).length;
    expect(deliveredOf(2)).toBeGreaterThan(deliveredOf(0));
    expect(byPriority.get(0) ?? 0).toBeGreaterThan(byPriority.get(2) ?? 0);
  }, 180_000);

  it('exactly-once: after a SIGKILLed worker every record is still in exactly one of sink and shed output', async () => {
    // Throttled input (the job outlives its first checkpoint) at twice what the slowed sinks take.
    await run('shed-kill', { strategy: 'shed', priority: 'int(value) % 3', queueThreshold: 500, shedOutput: 'shed' }, { kill: true, sinkDelayMs: 0.2, source: { maxRecordsPerSecond: 20_000 } });
    const delivered = readJsonl(path.join(dir, 'shed-kill.jsonl'));
    const shed = readJsonl(path.join(dir, 'shed-kill.shed.jsonl'));
    expect(shed.length).toBeGreaterThan(0);
    expect([...delivered, ...shed].map(id).sort()).toEqual(inputIds());
  }, 180_000);

  it('backpressure (the default) sheds nothing: everything is delivered', async () => {
    const metrics = await run('backpressure', { strategy: 'backpressure' });
    expect(readJsonl(path.join(dir, 'backpressure.jsonl'))).toHaveLength(COUNT);
    expect(readJsonl(path.join(dir, 'backpressure.shed.jsonl'))).toHaveLength(0);
    const o = mergeOverload({ strategy: 'backpressure' }, metrics);
    expect(o).toMatchObject({ strategy: 'backpressure', shedTotal: 0, shedByPriority: [] });
    expect(metrics.every((m) => m.overload === null)).toBe(true);
  }, 180_000);
});
