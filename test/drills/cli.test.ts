/** `sluice drill` as scripts call it (CONTRACTS.md): exit 2 on invalid input, 0 on PASS with the JSON contract. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/jobs.js';
import { DRILLS } from './helpers.js';

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const dir = tempDir('sluice-drill-cli-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI from source (tsx), so the test does not depend on a fresh dist/ build. */
async function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', path.join(root, 'src/engine/cli.ts'), ...args], { cwd: root, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('sluice drill', () => {
  it('exit 2 and path: message for an invalid drill', async () => {
    const f = path.join(dir, 'bad.yaml');
    fs.writeFileSync(f, 'name: bad\njob: nope.yaml\nworkload: { type: generator, rate: -1 }\nduration: 5s\nfaults: [{ type: kill-worker }]\n');
    const r = await sluice('drill', f);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('workload.rate: ');
    expect(r.stdout).toContain('faults[0].at: expected a duration');
  });

  it('exit 2 for a drill whose job file is missing, and for a bad --seed', async () => {
    const f = path.join(dir, 'nojob.yaml');
    fs.writeFileSync(f, 'name: nojob\njob: nope.yaml\nworkload: { type: generator, rate: 100 }\nduration: 1s\n');
    const r = await sluice('drill', f, '--run-dir', path.join(dir, 'run-nojob'));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^job: cannot read job spec/m);
    expect((await sluice('drill', f, '--seed', 'x')).code).toBe(2);
  });

  it('runs a drill: exit 0 on PASS, JSON report with the contract fields, HTML and Markdown reports', async () => {
    const json = path.join(dir, 'r.json');
    const html = path.join(dir, 'r.html');
    const md = path.join(dir, 'r.md');
    const r = await sluice('drill', path.join(DRILLS, 'corrupt-newest-checkpoint.yaml'), '--json', json, '--report', html, '--markdown', md, '--run-dir', path.join(dir, 'run'), '--history', path.join(dir, 'history.db'), '--seed', '9');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('PASS (exactly-once)');
    const rep = JSON.parse(fs.readFileSync(json, 'utf8')) as Record<string, unknown>;
    expect(rep['verdict']).toBe('PASS');
    expect(rep['guarantee']).toBe('exactly-once');
    expect(rep['schema']).toBe('sluice.drill-report/1');
    expect((rep['drill'] as { seed: number }).seed).toBe(9);
    for (const k of ['expected', 'produced', 'lost', 'duplicated', 'mismatched']) expect(typeof (rep['records'] as Record<string, unknown>)[k]).toBe('number');
    const faults = rep['faults'] as Record<string, unknown>[];
    expect(faults[0]).toMatchObject({ type: 'corrupt-checkpoint' });
    for (const k of ['atMs', 'detectMs', 'restoreMs', 'caughtUpMs']) expect(k in faults[0]!).toBe(true);
    const cp = rep['checkpoints'] as { completed: number; failed: number; durationMs: Record<string, unknown> };
    expect(cp.completed).toBeGreaterThan(0);
    expect(Object.keys(cp.durationMs).sort()).toEqual(['max', 'p50', 'p99']);
    const page = fs.readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(fs.readFileSync(md, 'utf8')).toMatch(/^# Drill "corrupt-newest-checkpoint": PASS/);
    expect(fs.readFileSync(md, 'utf8')).toMatch(/## Checkpoint advisor\n\nRecommended interval: .*\n\n\| interval \| overhead/);
    expect(page).toContain('<h2>Checkpoint advisor</h2>');
  }, 120_000);
});
