/**
 * The parallel runtime end to end: a job manager, worker processes, exchanges,
 * checkpoints — the numbers an operator of `sluice run` gets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateJobSpecObject } from '../../src/engine/job/index.js';
import type { JobSpec } from '../../src/engine/job/spec.js';
import { JobManager, type FailureRecord } from '../../src/engine/runtime/job-manager.js';

export function benchSpec(doc: Record<string, unknown>, dir: string): JobSpec {
  const r = validateJobSpecObject(doc, dir);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return r.spec;
}

/** Events per second per core of a keyed tumbling count through `parallelism` workers. */
export async function keyedCountThroughput(opts: { parallelism: number; events: number; keys: number; checkpointMs: number | null }): Promise<{ perCore: number; total: number; checkpoints: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-rt-'));
  try {
    const spec = benchSpec(
      {
        name: 'bench-keyed-count',
        parallelism: opts.parallelism,
        source: { type: 'generator', seed: 1, count: opts.events, keys: opts.keys, eventTimeRate: 1_000_000 },
        pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '1s' } }, { aggregate: { count: true } }],
        checkpoint: { interval: opts.checkpointMs },
        sink: { type: 'sqlite', path: 'out.db', table: 'results' },
      },
      dir,
    );
    const jm = new JobManager(spec, { stateDir: path.join(dir, 'state') });
    await jm.start();
    const t0 = performance.now();
    const r = await jm.done;
    const s = (performance.now() - t0) / 1000;
    if (r.state !== 'FINISHED') throw new Error(`bench job ${r.state}: ${r.error}`);
    const total = opts.events / s;
    return { total, perCore: total / Math.min(opts.parallelism, os.cpus().length), checkpoints: r.checkpoints.filter((c) => c.status === 'completed').length };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SIGKILL one worker of a job holding ≈`keys` keys of state; returns the recovery
 * record: detect → restart → restore → caught up.
 */
export async function recoveryAfterKill(keys: number): Promise<FailureRecord> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-rec-'));
  try {
    const spec = benchSpec(
      {
        name: 'bench-recovery',
        parallelism: 2,
        source: { type: 'generator', seed: 3, count: keys * 20, keys, eventTimeRate: 1000 },
        pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '1d' } }, { aggregate: { count: true } }],
        checkpoint: { interval: '1s' },
        restart: { strategy: 'fixed-delay', attempts: 3, delay: 0 },
        sink: { type: 'sqlite', path: 'out.db', table: 'results' },
      },
      dir,
    );
    const jm = new JobManager(spec, { stateDir: path.join(dir, 'state') });
    let stateKeys = 0;
    jm.on('checkpoint', (c) => {
      if (c.status === 'completed' && c.stats) stateKeys = c.stats.numKeys;
    });
    await jm.start();
    const deadline = Date.now() + 300_000;
    while (stateKeys < keys * 0.9) {
      if (Date.now() > deadline || jm.state !== 'RUNNING') throw new Error(`state did not reach ${keys} keys (${stateKeys}, ${jm.state})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const recovered = new Promise<FailureRecord>((resolve) => {
      jm.on('recovered', (f) => {
        if (f.caughtUpMs !== null) resolve(f);
      });
    });
    jm.killWorker(0);
    const f = await recovered;
    await jm.cancel();
    return f;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
