/**
 * `sluice reprocess` as a user runs it: the first version is served once it has output,
 * a version name is used once, a timestamp start needs Kafka, a bad deployment is exit 2.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartitionedLog } from '../../src/engine/connectors/log/index.js';
import { tempDir, waitFor } from '../helpers/jobs.js';
import { BIN, ensureEngineBuilt, sluiceIn } from '../helpers/cli.js';

const dir = tempDir('sluice-kappa-cli-');
const T0 = 1_700_000_000_000;

const sluice = sluiceIn(dir);


beforeAll(ensureEngineBuilt);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sluice reprocess', () => {
  it('rejects a broken deployment with path: message (exit 2)', async () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'kappa: { name: "has space", serving: s.db }\n');
    const r = await sluice('reprocess', 'bad.yaml', 'v1');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^kappa\.name: a serving name is a letter/m);
    expect(r.stdout).toMatch(/^kappa\.job: /m);
  });

  it('serves the first version once it has output; a version name is used once; a log cannot start at a timestamp', async () => {
    fs.writeFileSync(
      path.join(dir, 'job.yaml'),
      `name: per-key
source: { type: log, path: log, topic: ev, timestampField: ts }
pipeline: [ { keyBy: k }, { window: { type: tumbling, size: 1s } }, { aggregate: { count: true } } ]
checkpoint: { interval: 200ms }
sink: { type: file, path: unused.jsonl }
`,
    );
    fs.writeFileSync(path.join(dir, 'deploy.yaml'), 'kappa: { name: per_key, serving: out/serving.db, job: job.yaml }\n');
    const log = PartitionedLog.open(path.join(dir, 'log'));
    log.createTopic('ev', 1);
    const recs = Array.from({ length: 2000 }, (_, i) => ({ k: `k${i % 3}`, ts: T0 + i * 5 }));
    log.append('ev', 0, recs, recs.map((r) => r.ts));
    log.close();

    const v1 = spawn(process.execPath, [BIN, 'reprocess', 'deploy.yaml', 'v1'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errText = '';
    v1.stdout.on('data', (b: Buffer) => (out += b.toString()));
    v1.stderr.on('data', (b: Buffer) => (errText += b.toString()));
    const exited = new Promise<number | null>((resolve) => v1.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => out.includes('per_key now serves v1 (table per_key_v1)'), { timeoutMs: 90_000, message: `v1 served (stdout: ${out}; stderr: ${errText})`, intervalMs: 100 });
      expect(errText).toMatch(/v1: [\d,]+ read · [\d,]+ behind · /);

      const again = await sluice('reprocess', 'deploy.yaml', 'v1');
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('version v1 already has an output table (per_key_v1');
      const byTime = await sluice('reprocess', 'deploy.yaml', 'v2', '--from-timestamp', '2023-11-14T22:13:20Z');
      expect(byTime.code).toBe(2);
      expect(byTime.stderr).toContain('the built-in log source starts from the earliest or latest offset only');
    } finally {
      v1.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 180_000);
});
