/**
 * The `sluice` command as users and outside scripts call it (CONTRACTS.md): exit codes,
 * `path: message` errors, bounded runs to completion, and workers as child processes
 * that can be SIGKILLed from outside.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, readTable, tempDir, waitFor } from '../helpers/jobs.js';
import { BIN, ensureEngineBuilt, sluiceIn } from '../helpers/cli.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = tempDir('sluice-cli-');

const sluice = sluiceIn(dir);


beforeAll(ensureEngineBuilt);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sluice CLI', () => {
  it('--help lists the commands', async () => {
    const r = await sluice('--help');
    expect(r.code).toBe(0);
    for (const c of ['validate', 'run', 'schema']) expect(r.stdout).toContain(c);
  });

  it('validate: exit 0 for a valid spec', async () => {
    const r = await sluice('validate', path.join(root, 'resources/examples/clicks/clicks-per-user.yaml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid');
  });

  it('validate: exit 2 and one "path: message" line per problem', async () => {
    fs.writeFileSync(
      path.join(dir, 'bad.yaml'),
      'name: x\nsource: { type: file, path: in.jsonl, timestampField: ts }\npipeline:\n  - keyBy: key\n  - window: { type: tumbling, size: ten }\n  - aggregate: { count: true }\nsink: { type: file, path: o.jsonl }\n',
    );
    const r = await sluice('validate', 'bad.yaml');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('pipeline[1].window.size: expected a duration like "10s", got "ten"');
  });

  it('validate: --set overrides are applied before validation', async () => {
    const r = await sluice('validate', path.join(root, 'resources/examples/keyed-count/keyed-count.yaml'), '--set', 'parallelism=0');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^parallelism: /m);
  });

  it('a missing spec file is invalid input (exit 2) with a message naming it', async () => {
    const r = await sluice('run', 'nope.yaml');
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain('nope.yaml');
  });

  it('run: a bounded job runs to completion (exit 0) and writes its output', async () => {
    fs.cpSync(path.join(root, 'resources/examples/clicks'), path.join(dir, 'clicks'), { recursive: true });
    fs.rmSync(path.join(dir, 'clicks/out'), { recursive: true, force: true });
    const r = await sluice('run', 'clicks/clicks-per-user.yaml', '--quiet');
    expect(r.code).toBe(0);
    const out = readJsonl(path.join(dir, 'clicks/out/clicks.jsonl'));
    expect(out).toContainEqual({ key: 'alice', windowStart: 0, windowEnd: 2000, value: 8 });
    expect(readJsonl(path.join(dir, 'clicks/out/late.jsonl'))).toEqual([{ key: 'bob', value: 7, ts: 1800 }]);
  });

  it('run: mode batch gives the same result as stream', async () => {
    const r = await sluice('run', 'clicks/clicks-per-user.yaml', '--quiet', '--set', 'mode=batch', '--set', 'sink.path=out/batch.jsonl', '--set', 'source.watermarks.strategy=none');
    expect(r.code).toBe(0);
    const batch = readJsonl(path.join(dir, 'clicks/out/batch.jsonl'));
    // Batch has no late records: every record counts in its window.
    expect(batch).toContainEqual({ key: 'bob', windowStart: 0, windowEnd: 2000, value: 9 });
  });

  it('run: a job that fails exits 1 with the reason', async () => {
    fs.writeFileSync(path.join(dir, 'in.jsonl'), '{"key":"a","value":1}\n');
    fs.mkdirSync(path.join(dir, 'blocked.db'));
    fs.writeFileSync(
      path.join(dir, 'fail.yaml'),
      'name: fails\nsource: { type: file, path: in.jsonl }\npipeline: [{ keyBy: key }, { aggregate: { count: true } }]\nrestart: { strategy: none }\nsink: { type: sqlite, path: blocked.db, table: t }\n',
    );
    const r = await sluice('run', 'fail.yaml', '--quiet');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/fail/i);
  });

  it('run: workers are child processes; a SIGKILL from outside is recovered and the result is exact', async () => {
    fs.writeFileSync(
      path.join(dir, 'kc.yaml'),
      [
        'name: keyed-count',
        'parallelism: 2',
        'guarantee: exactly-once',
        'source: { type: generator, seed: 7, count: 200000, keys: 1000, eventsPerSecond: 40000 }',
        'pipeline: [{ keyBy: key }, { window: { type: tumbling, size: 2s } }, { aggregate: { count: true } }]',
        'checkpoint: { interval: 300ms }',
        'restart: { strategy: fixed-delay, attempts: 5, delay: 100ms }',
        'sink: { type: sqlite, path: kc.db, table: results }',
      ].join('\n'),
    );
    const child = spawn(process.execPath, [BIN, 'run', 'kc.yaml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    await waitFor(() => /running: 2 worker\(s\), pids (\d+), (\d+)/.test(stderr), { timeoutMs: 60_000, message: 'workers started' });
    const pids = /pids (\d+), (\d+)/.exec(stderr)!.slice(1).map(Number);
    // They are children of the sluice process.
    const ppid = Number(fs.readFileSync(`/proc/${pids[0]}/stat`, 'utf8').split(' ')[3]);
    expect(ppid).toBe(child.pid);
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(pids[1]!, 'SIGKILL');
    expect(await exit).toBe(0);
    expect(stderr).toContain('killed by SIGKILL');
    const rows = readTable(path.join(dir, 'kc.db'), 'results');
    expect(rows.reduce((s, r) => s + (r['value'] as number), 0)).toBe(200_000);
    const keys = new Set(rows.map((r) => `${String(r['key'])}|${String(r['windowStart'])}`));
    expect(keys.size).toBe(rows.length);
  }, 120_000);

  it('run: an unbounded job runs until Ctrl-C, then stops cleanly (exit 0, no worker left)', async () => {
    fs.writeFileSync(
      path.join(dir, 'unbounded.yaml'),
      'name: forever\nparallelism: 2\nsource: { type: generator, seed: 1, keys: 100, eventsPerSecond: 5000 }\npipeline: [{ keyBy: key }, { window: { type: tumbling, size: 1s } }, { aggregate: { count: true } }]\ncheckpoint: { interval: 200ms }\nsink: { type: sqlite, path: forever.db, table: results }\n',
    );
    const child = spawn(process.execPath, [BIN, 'run', 'unbounded.yaml'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    await waitFor(() => /pids (\d+), (\d+)/.test(stderr), { timeoutMs: 60_000, message: 'workers started' });
    const pids = /pids (\d+), (\d+)/.exec(stderr)!.slice(1).map(Number);
    // Wait until a completed checkpoint committed some output, then interrupt.
    const committed = (): number => {
      try {
        return readTable(path.join(dir, 'forever.db'), 'results').length;
      } catch {
        return 0;
      }
    };
    await waitFor(() => committed() > 0, { timeoutMs: 60_000, message: 'committed output' });
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(stderr).toContain('stopping');
    for (const pid of pids) expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    // What completed checkpoints committed is in the sink.
    expect(readTable(path.join(dir, 'forever.db'), 'results').length).toBeGreaterThan(0);
  }, 60_000);
});
