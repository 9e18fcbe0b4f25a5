import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadJobSpecFile } from '../job/index.js';
import { runBatchJob } from './run-batch.js';

const example = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../resources/examples/wordcount');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-wordcount-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The same count in plain JavaScript: non-empty lines (as the text source reads them), split on spaces. */
function plainCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) continue;
    for (const w of line.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}

it('the word count example counts every word of its input in batch mode', async () => {
  const out = path.join(dir, 'counts.jsonl');
  // A budget and chunk size that make the run spill, so the example also exercises the merge.
  const r = loadJobSpecFile(path.join(example, 'wordcount.yaml'), [`sink.path=${out}`, 'batch.chunkRecords=50']);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  expect(r.spec.mode).toBe('batch');
  const res = await runBatchJob({ ...r.spec, batch: { ...r.spec.batch, memoryBudgetMb: 0.002 } }, { tmpDir: dir });

  const expected = plainCount(fs.readFileSync(path.join(example, 'input.txt'), 'utf8'));
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
  const got = new Map(lines.map((l) => JSON.parse(l) as { key: string; value: number }).map((c) => [c.key, c.value]));
  expect(lines).toHaveLength(expected.size);
  expect(got).toEqual(expected);
  expect(got.get('the')).toBeGreaterThan(10);
  expect(res.recordsOut).toBe(expected.size);
  expect(res.deadLetters).toBe(0);
  expect(res.spilledRuns).toBeGreaterThan(0);
  // The spill directory is gone; what is left is the sinks' own files.
  expect(fs.readdirSync(dir).filter((f) => f.startsWith('sluice-batch-'))).toEqual([]);
});
