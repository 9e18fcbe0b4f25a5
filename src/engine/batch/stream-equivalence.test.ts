/**
 * Batch and stream on the same spec, for real: the stream run uses the job manager and
 * worker processes (parallelism 2); the batch run reads the same file. With input in
 * event-time order no record is late, so the final results must be the same.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Rec } from '../core/types.js';
import { batchJob, session, tumbling } from '../job/index.js';
import { JobManager } from '../runtime/job-manager.js';
import { runBatchJob } from './run-batch.js';
import { canonical } from './test-util.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-batch-vs-stream-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const readJsonl = (file: string): Rec[] =>
  fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Rec);

it('a two-exchange windowed job gives the same result in stream (2 workers) and batch mode', async () => {
  const lines: string[] = [];
  let ts = -5_000;
  for (let i = 0; i < 20_000; i++) {
    ts += (i * 7919) % 5;
    lines.push(JSON.stringify({ user: `u${(i * 31) % 97}`, ts, amount: (i * 13) % 50 }));
  }
  fs.writeFileSync(path.join(dir, 'in.jsonl'), lines.join('\n') + '\n');
  const build = (out: string) =>
    batchJob('eq')
      .fromFile('in.jsonl', { timestampField: 'ts' })
      .keyBy('user')
      .window(session('40ms'))
      .aggregate({ n: { count: true }, total: { sum: 'amount' } })
      .map({ user: 'key', n: 'value.n', total: 'value.total' })
      .keyBy('n')
      .window(tumbling('1s', { offset: '250ms' }))
      .aggregate({ sessions: { count: true }, total: { sum: 'total' } })
      .toFile(out)
      .parallelism(2)
      .batchOptions({ memoryBudgetMb: 1, chunkRecords: 3000 })
      .buildOrThrow(dir);

  const batchRes = await runBatchJob(build('batch.jsonl'), { tmpDir: dir });
  expect(batchRes.deadLetters).toBe(0);

  const jm = new JobManager({ ...build('stream.jsonl'), mode: 'stream' }, { stateDir: path.join(dir, 'state') });
  await jm.start();
  const done = await jm.done;
  expect(done.state).toBe('FINISHED');

  const batch = readJsonl(path.join(dir, 'batch.jsonl'));
  const stream = readJsonl(path.join(dir, 'stream.jsonl'));
  expect(batch.length).toBeGreaterThan(20);
  expect(canonical(batch)).toEqual(canonical(stream));
});
