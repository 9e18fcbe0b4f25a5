/**
 * Memory an operator pays: a worker's resident set per million keys of keyed state, and
 * the host's resident set while it supervises four running jobs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JobManager } from '../../src/engine/runtime/job-manager.js';
import { nexmarkSpec } from '../nexmark/specs.js';
import { benchSpec } from './runtime.js';

/** VmRSS of a live process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One worker holding window state (a keyed count in a 1-day tumbling window, so nothing
 * fires) for `keys` distinct keys: its RSS once every key has state, after a checkpoint
 * has measured the key count. The caller subtracts a run with few keys.
 */
export async function workerRssWithKeys(keys: number, timeoutMs: number): Promise<{ rssBytes: number; numKeys: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-mem-'));
  const spec = benchSpec(
    {
      name: 'bench-memory',
      parallelism: 1,
      // Unbounded: the state stays while we measure. Keys uniform: after 8×keys records nearly all have appeared.
      source: { type: 'generator', seed: 9, count: null, keys, eventTimeRate: 1_000_000 },
      pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '1d' } }, { aggregate: { count: true } }],
      checkpoint: { interval: '1s' },
      sink: { type: 'file', path: 'out.jsonl' },
      guarantee: 'at-least-once',
    },
    dir,
  );
  const jm = new JobManager(spec, { stateDir: path.join(dir, 'state') });
  let numKeys = 0;
  jm.on('checkpoint', (c) => {
    if (c.status === 'completed' && c.stats) numKeys = c.stats.numKeys;
  });
  try {
    await jm.start();
    const deadline = Date.now() + timeoutMs;
    while (numKeys < keys * 0.99) {
      if (Date.now() > deadline || jm.state !== 'RUNNING') throw new Error(`state reached ${numKeys} of ${keys} keys (${jm.state})`);
      await sleep(100);
    }
    const pid = jm.workers()[0]!.pid;
    // The median of samples half a second apart: the worker keeps processing, so RSS swings
    // with garbage and checkpoint copies; the median is its typical footprint.
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      samples.push(rssOf(pid));
      await sleep(500);
    }
    samples.sort((a, b) => a - b);
    return { rssBytes: samples[2]!, numKeys };
  } finally {
    await jm.cancel();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The host's RSS (this process) before and while four Nexmark q12 jobs run, throttled. */
export async function hostRssWithJobs(jobs: number, runMs: number): Promise<{ before: number; during: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-host-'));
  const before = process.memoryUsage().rss;
  const managers: JobManager[] = [];
  try {
    for (let i = 0; i < jobs; i++) {
      const spec = nexmarkSpec('q12', { events: null, parallelism: 1, checkpointMs: 1000, sinkPath: path.join(dir, `out-${i}.jsonl`), guarantee: 'at-least-once' });
      const throttled = { ...spec, name: `bench-host-${i}`, source: { ...spec.source, maxRecordsPerSecond: 20_000 } };
      const jm = new JobManager(throttled, { stateDir: path.join(dir, `state-${i}`) });
      managers.push(jm);
      await jm.start();
    }
    let during = 0;
    const end = Date.now() + runMs;
    while (Date.now() < end) {
      for (const jm of managers) if (jm.state !== 'RUNNING') throw new Error(`a host-memory job is ${jm.state}`);
      during = Math.max(during, process.memoryUsage().rss);
      await sleep(250);
    }
    return { before, during };
  } finally {
    for (const jm of managers) await jm.cancel();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
