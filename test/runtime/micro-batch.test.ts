/**
 * Micro-batch execution gives the same results as continuous execution on the same bounded
 * input (issue 8, part 1): event-time windows over out-of-order input, at parallelism 1
 * and 2, and with a worker SIGKILLed mid-run and recovered from a checkpoint taken between
 * two micro-batches. Both modes also report end-to-end latency from their latency markers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobManager, type JobResult } from '../../src/engine/runtime/job-manager.js';
import { mergeLatency } from '../../src/engine/metrics/job-summary.js';
import type { WorkerMetrics } from '../../src/engine/metrics/worker-metrics.js';
import { readJsonl, spec, tempDir, waitFor, windowResults } from '../helpers/jobs.js';

const dir = tempDir('sluice-micro-batch-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const COUNT = 60_000;
const KEYS = 40;
const WINDOW_MS = 1000;
const BOUND_MS = 500;

/** Out-of-order input where no record is late for a watermark of (max ts − BOUND_MS − 1). */
function writeInput(file: string): Map<string, unknown> {
  let x = 12345;
  const rnd = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const lines: string[] = [];
  const expected = new Map<string, { n: number; total: number }>();
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < COUNT; i++) {
    const ts = t0 + i * 2 - Math.floor(rnd() * (BOUND_MS - 10)); // at most BOUND_MS−10 behind the newest
    const key = `k${Math.floor(rnd() * KEYS)}`;
    const value = Math.floor(rnd() * 100);
    lines.push(JSON.stringify({ key, value, ts }));
    const start = ts - (ts % WINDOW_MS);
    const k = `${key}|${start}|${start + WINDOW_MS}`;
    const agg = expected.get(k) ?? { n: 0, total: 0 };
    agg.n++;
    agg.total += value;
    expected.set(k, agg);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return expected;
}

const input = path.join(dir, 'input.jsonl');
const expected = writeInput(input);

const doc = (name: string, parallelism: number, execution: Record<string, unknown>): Record<string, unknown> => ({
  name,
  parallelism,
  guarantee: 'exactly-once',
  // Throttled so the input spans many micro-batches (and a kill lands mid-run).
  source: { type: 'file', path: 'input.jsonl', timestampField: 'ts', watermarks: { strategy: 'bounded', maxOutOfOrderness: `${BOUND_MS}ms` }, maxRecordsPerSecond: 20_000 },
  execution,
  pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: `${WINDOW_MS}ms` } }, { aggregate: { n: { count: true }, total: { sum: 'value' } } }],
  checkpoint: { interval: '200ms' },
  restart: { strategy: 'fixed-delay', attempts: 5, delay: '100ms' },
  sink: { type: 'file', path: `${name}.jsonl` },
});

async function run(name: string, parallelism: number, execution: Record<string, unknown>, kill = false): Promise<{ result: JobResult; metrics: Map<number, WorkerMetrics> }> {
  const jm = new JobManager(spec(doc(name, parallelism, execution), dir), { stateDir: path.join(dir, `state-${name}`) });
  const metrics = new Map<number, WorkerMetrics>();
  jm.on('metrics', (m) => metrics.set(m.worker, m));
  await jm.start();
  if (kill) {
    await waitFor(() => jm.checkpoints(10).some((c) => c.status === 'completed'), { timeoutMs: 30_000, message: 'a completed checkpoint before the kill' });
    jm.killWorker(parallelism - 1);
  }
  const result = await jm.done;
  return { result, metrics };
}

function output(name: string): Map<string, unknown> {
  return windowResults(readJsonl(path.join(dir, `${name}.jsonl`)));
}

describe('micro-batch execution', () => {
  it('gives the same window results as continuous execution, at parallelism 1 and 2', async () => {
    for (const p of [1, 2]) {
      const cont = await run(`continuous-p${p}`, p, { mode: 'continuous' });
      const micro = await run(`micro-p${p}`, p, { mode: 'micro-batch', trigger: '100ms' });
      expect(cont.result.state).toBe('FINISHED');
      expect(micro.result.state).toBe('FINISHED');
      expect(output(`continuous-p${p}`)).toEqual(expected);
      expect(output(`micro-p${p}`)).toEqual(expected);
      for (const m of [cont, micro]) {
        const l = mergeLatency(m.metrics.values());
        expect(l, 'latency markers reached the sink').not.toBeNull();
        expect(l!.samples).toBeGreaterThan(0);
        expect(l!.p50Ms).toBeLessThanOrEqual(l!.p99Ms);
        expect(l!.p99Ms).toBeLessThanOrEqual(l!.maxMs);
      }
    }
  }, 240_000);

  it('recovers from a SIGKILLed worker with the same result (checkpoints fall between micro-batches)', async () => {
    const { result } = await run('micro-kill', 2, { mode: 'micro-batch', trigger: '100ms' }, true);
    expect(result.state).toBe('FINISHED');
    expect(result.failures.length).toBeGreaterThanOrEqual(1);
    expect(output('micro-kill')).toEqual(expected);
  }, 120_000);
});
