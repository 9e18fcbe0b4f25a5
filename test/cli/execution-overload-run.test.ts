/**
 * `sluice run` on the two shipped examples of issue 8: the end-of-run summary prints the
 * end-to-end latency (both) and what was shed per priority (load shedding), and the shed
 * count it prints is exactly what the shed output holds.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, tempDir } from '../helpers/jobs.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/sluice.mjs');
const run = promisify(execFile);
const dir = tempDir('sluice-cli-exec-');

async function sluiceRun(spec: string, ...set: string[]): Promise<string> {
  const r = await run(process.execPath, [bin, 'run', spec, ...set.flatMap((s) => ['--set', s])], { cwd: dir, timeout: 170_000 });
  return r.stderr;
}

beforeAll(() => {
  if (!fs.existsSync(path.join(root, 'dist/engine/cli.js'))) execFileSync(process.execPath, [path.join(root, 'scripts/build-engine.mjs')]);
  // The spec only: outputs of earlier runs in the examples' own folders must not count here.
  for (const ex of ['micro-batch', 'load-shedding']) {
    fs.mkdirSync(path.join(dir, ex));
    fs.copyFileSync(path.join(root, 'resources/examples', ex, `${ex}.yaml`), path.join(dir, ex, `${ex}.yaml`));
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const LATENCY = /latency \(source read → sink write\): p50 [\d.]+ ms · p99 [\d.]+ ms · max [\d.]+ ms \([\d,]+ markers\)/;

describe('sluice run: execution mode and overload summary', () => {
  it('micro-batch example: runs as micro-batches and prints the end-to-end latency', async () => {
    const stderr = await sluiceRun('micro-batch/micro-batch.yaml', 'source.count=50000');
    expect(stderr).toMatch(/running: 2 worker\(s\), pids \d+, \d+ · micro-batch every 1000 ms · overload: backpressure/);
    expect(stderr).toMatch(LATENCY);
    expect(readJsonl(path.join(dir, 'micro-batch/out/micro-batch.jsonl')).length).toBeGreaterThan(0);
  }, 180_000);

  it('load-shedding example: prints the shed count per priority, equal to the shed output', async () => {
    const stderr = await sluiceRun('load-shedding/load-shedding.yaml');
    expect(stderr).toMatch(LATENCY);
    const m = /overload: shed above 2,000 queued records — ([\d,]+) shed(?: \(([^)]*)\))?, written to side output "shed"/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    const shed = readJsonl(path.join(dir, 'load-shedding/out/shed.jsonl'));
    const delivered = readJsonl(path.join(dir, 'load-shedding/out/delivered.jsonl'));
    expect(Number(m![1]!.replace(/,/g, ''))).toBe(shed.length);
    expect(delivered.length + shed.length).toBe(300_000);
    const printed = new Map((m![2] ?? '').split(' · ').filter(Boolean).map((p) => {
      const [, prio, n] = /^priority (-?\d+): ([\d,]+)$/.exec(p)!;
      return [Number(prio), Number(n!.replace(/,/g, ''))] as const;
    }));
    const counted = new Map<number, number>();
    for (const r of shed) counted.set(Math.trunc(r['value'] as number) % 3, (counted.get(Math.trunc(r['value'] as number) % 3) ?? 0) + 1);
    expect(printed).toEqual(counted);
  }, 180_000);
});
