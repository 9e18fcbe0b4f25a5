/**
 * `sluice lambda speed|batch` and `sluice query` as a user runs them: the speed layer as
 * a child process, the batch layer advancing the cut-off, the merged answer as JSON equal
 * to a full recomputation, and clear errors for bad views.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBatchResult } from '../../src/engine/batch/index.js';
import { PartitionedLog } from '../../src/engine/connectors/log/index.js';
import type { Rec } from '../../src/engine/core/types.js';
import { loadViewFile, viewAggregateSpec, ViewStore } from '../../src/engine/lambda/index.js';
import { spec, tempDir, waitFor } from '../helpers/jobs.js';
import { BIN, ensureEngineBuilt, sluiceIn } from '../helpers/cli.js';

const dir = tempDir('sluice-lambda-cli-');
const T0 = 1_700_000_000_000;

const sluice = sluiceIn(dir);


beforeAll(ensureEngineBuilt);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const VIEW = `view:
  name: sales
  store: out/sales.db
  source: { type: log, path: log, topic: sales, timestampField: ts }
  keyBy: shop
  aggregate: { n: { count: true }, revenue: { sum: amount }, avgTicket: { avg: amount }, top: { max: amount } }
  bucket: 1s
  checkpoint: 200ms
`;

describe('sluice lambda / query', () => {
  it('refuses a view with an aggregate that does not merge, naming it (exit 2)', async () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), VIEW.replace('top: { max: amount }', 'p50: { median: amount }'));
    const r = await sluice('query', 'bad.yaml');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^view\.aggregate\.p50: median is not mergeable across the batch\/speed cut-off/m);
  });

  it('runs the speed layer, advances the cut-off and answers exactly', async () => {
    fs.writeFileSync(path.join(dir, 'sales.yaml'), VIEW);
    expect((await sluice('query', 'sales.yaml')).code).toBe(2); // no store yet: says so
    const log = PartitionedLog.open(path.join(dir, 'log'));
    log.createTopic('sales', 2);
    const events: Rec[] = [];
    for (let i = 0; i < 3000; i++) events.push({ shop: `s${i % 5}`, amount: (i * 13) % 90, ts: T0 + i * 4 });
    for (let p = 0; p < 2; p++) {
      const recs = events.filter((_, i) => i % 2 === p);
      log.append('sales', p, recs, recs.map((r) => r['ts'] as number));
    }
    log.close();

    const speed = spawn(process.execPath, [BIN, 'lambda', 'speed', 'sales.yaml', '-q'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    speed.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => speed.on('exit', (code) => resolve(code)));
    try {
      const loaded = loadViewFile(path.join(dir, 'sales.yaml'));
      if (!loaded.ok) throw new Error('view');
      const view = loaded.view;
      // The last bucket with records closes once the watermark passes it: 12 s of input → horizon T0 + 11 s.
      await waitFor(
        () => {
          if (!fs.existsSync(view.store)) return false;
          const s = ViewStore.open(view);
          try {
            return (s.horizon() ?? 0) >= T0 + 11_000;
          } finally {
            s.close();
          }
        },
        { timeoutMs: 60_000, message: `speed horizon (stderr: ${stderr})`, intervalMs: 200 },
      );
      expect((await sluice('lambda', 'batch', 'sales.yaml', '--cutoff', String(T0 + 500))).stderr).toMatch(/not on a bucket boundary/);
      const b = await sluice('lambda', 'batch', 'sales.yaml', '--cutoff', new Date(T0 + 6000).toISOString());
      expect(b.code, b.stderr).toBe(0);

      const q = await sluice('query', 'sales.yaml', '--json');
      expect(q.code, q.stderr).toBe(0);
      const answer = JSON.parse(q.stdout) as { cutoff: number; horizon: number; rows: { key: string; value: Record<string, number> }[] };
      expect(answer.cutoff).toBe(T0 + 6000);
      const job = spec(
        { name: 'full', mode: 'batch', source: { type: 'file', path: 'x.jsonl', timestampField: 'ts' }, pipeline: [{ keyBy: 'shop' }, { aggregate: { count: true } }], sink: { type: 'file', path: 'y.jsonl' } },
        dir,
      );
      const full = await computeBatchResult(
        { ...job, pipeline: job.pipeline.map((s) => (s.kind === 'aggregate' ? { kind: 'aggregate' as const, aggregate: viewAggregateSpec(view.aggregates) } : s)) },
        events.filter((e) => (e['ts'] as number) < answer.horizon),
      );
      expect(answer.rows).toEqual(full.map((r) => ({ key: String(r['key']), value: r['value'] })).sort((x, y) => (x.key < y.key ? -1 : 1)));

      const one = await sluice('query', 'sales.yaml', '--key', 's2');
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(/^s2\s+\d+/m);
      const none = await sluice('query', 'sales.yaml', '--key', 'nope');
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('key "nope" is not in view sales');
    } finally {
      speed.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 180_000);
});
