import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointId, type Rec, type RecordBatch } from '../core/types.js';
import { FileSink, fileSinkPaths, type FileSinkOptions } from './file-sink.js';
import { connectorModule, makeTempDir, removeDir, runInChild } from './test-util.js';

let dir: string;
let out: string;
beforeEach(() => {
  dir = makeTempDir('file-sink');
  out = path.join(dir, 'out.jsonl');
});
afterEach(() => {
  removeDir(dir);
});

const batch = (records: Rec[]): RecordBatch => ({ records, timestamps: records.map(() => NaN) });
const recs = (tag: string, n: number): Rec[] => Array.from({ length: n }, (_, i) => ({ tag, i, s: `ü${i}` }));
const lines = (file: string): Rec[] =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rec);
const eos = (format: FileSinkOptions['format'] = 'jsonl', file = out): FileSinkOptions => ({ path: file, format, guarantee: 'exactly-once' });

describe('FileSink exactly-once', () => {
  it('stages per writer and checkpoint; commit appends ≤ n in (checkpoint, subtask) order, idempotently', async () => {
    const sink = new FileSink(eos());
    const c = await sink.openCommitter();
    const w0 = await sink.openWriter(0, 2);
    const w1 = await sink.openWriter(1, 2);
    await w1.write(batch(recs('b1', 2)));
    await w0.write(batch(recs('a1', 3)));
    await w0.preCommit(checkpointId(1));
    await w1.preCommit(checkpointId(1));
    await w0.write(batch(recs('a2', 2)));
    await w0.preCommit(checkpointId(2));
    await w1.preCommit(checkpointId(2)); // nothing written: no part
    expect(fs.readdirSync(fileSinkPaths(out).staging).sort()).toEqual(['0-1.part', '0-2.part', '0.inprogress.tmp', '1-1.part', '1.inprogress.tmp']);
    expect(fs.existsSync(out) ? lines(out) : []).toEqual([]); // invisible before commit

    await c.commit(checkpointId(1));
    expect(lines(out)).toEqual([...recs('a1', 3), ...recs('b1', 2)]);
    await c.commit(checkpointId(1));
    await c.commit(checkpointId(2));
    await c.commit(checkpointId(2));
    expect(lines(out)).toEqual([...recs('a1', 3), ...recs('b1', 2), ...recs('a2', 2)]);
    const manifest = JSON.parse(fs.readFileSync(fileSinkPaths(out).manifest, 'utf8'));
    expect(manifest).toMatchObject({ length: fs.statSync(out).size, lastCheckpoint: 2 });
    await w0.close();
    await w1.close();
    await c.close();
  });

  it('recover(n) commits staged ≤ n and discards later parts; recover(null) discards all', async () => {
    const sink = new FileSink(eos());
    const w0 = await sink.openWriter(0, 2);
    const w1 = await sink.openWriter(1, 2);
    for (const ck of [1, 2, 3]) {
      await w0.write(batch(recs(`a${ck}`, 2)));
      await w1.write(batch(recs(`b${ck}`, 1)));
      await w0.preCommit(checkpointId(ck));
      await w1.preCommit(checkpointId(ck));
    }
    await w0.write(batch(recs('lost', 5))); // in progress at the crash
    // crash: no commit was ever called; writers die
    const c = await new FileSink(eos()).openCommitter();
    await c.recover(checkpointId(2));
    const expected = [...recs('a1', 2), ...recs('b1', 1), ...recs('a2', 2), ...recs('b2', 1)];
    expect(lines(out)).toEqual(expected);
    expect(fs.readdirSync(fileSinkPaths(out).staging)).toEqual([]);

    // A new attempt (after recover(2)) numbers checkpoints 3, 4 again; they must apply.
    const w = await sink.openWriter(0, 1);
    await w.write(batch(recs('again', 1)));
    await w.preCommit(checkpointId(3));
    await c.commit(checkpointId(3));
    expect(lines(out)).toEqual([...expected, ...recs('again', 1)]);

    await w.write(batch(recs('never', 2)));
    await w.preCommit(checkpointId(4));
    await c.recover(null);
    await c.commit(checkpointId(4));
    expect(lines(out)).toEqual([...expected, ...recs('again', 1)]);
    await w.close();
    await c.close();
  });

  it('repairs a crash in the middle of a commit: truncates to the manifest and re-applies', async () => {
    const sink = new FileSink(eos());
    const c = await sink.openCommitter();
    const w = await sink.openWriter(0, 1);
    await w.write(batch(recs('x', 3)));
    await w.preCommit(checkpointId(1));
    await c.commit(checkpointId(1));
    await w.write(batch(recs('y', 2)));
    await w.preCommit(checkpointId(2));
    const committed = fs.readFileSync(out);

    // A commit of checkpoint 2 that died after appending part of the bytes (manifest not yet updated).
    const part = fs.readFileSync(path.join(fileSinkPaths(out).staging, '0-2.part'));
    fs.appendFileSync(out, part.subarray(0, 7));
    fs.appendFileSync(out, 'garbage that is not JSON\n');
    const c2 = await new FileSink(eos()).openCommitter();
    await c2.recover(checkpointId(2));
    expect(lines(out)).toEqual([...recs('x', 3), ...recs('y', 2)]);
    expect(fs.readFileSync(out).subarray(0, committed.length)).toEqual(committed);

    // Garbage again, then a plain commit (no recover) also repairs first.
    fs.appendFileSync(out, '{"half":');
    await c2.commit(checkpointId(3));
    expect(lines(out)).toEqual([...recs('x', 3), ...recs('y', 2)]);
    await w.close();
    await c.close();
    await c2.close();
  });

  it('a crash after the manifest was written but before the parts were deleted does not duplicate', async () => {
    const sink = new FileSink(eos());
    const c = await sink.openCommitter();
    const w = await sink.openWriter(0, 1);
    await w.write(batch(recs('x', 2)));
    await w.preCommit(checkpointId(1));
    const staged = path.join(fileSinkPaths(out).staging, '0-1.part');
    const bytes = fs.readFileSync(staged);
    await c.commit(checkpointId(1));
    fs.writeFileSync(staged, bytes); // as if the deletion never happened
    await c.commit(checkpointId(1));
    await c.recover(checkpointId(1));
    expect(lines(out)).toEqual(recs('x', 2));
    expect(fs.existsSync(staged)).toBe(false);
    await w.close();
  });

  it('ignores and cleans up half-written staging files', async () => {
    const sink = new FileSink(eos());
    const c = await sink.openCommitter();
    const { staging } = fileSinkPaths(out);
    fs.writeFileSync(path.join(staging, '0-1.part.tmp'), '{"torn":');
    fs.writeFileSync(path.join(staging, '3.inprogress.tmp'), '{"a":1}\n');
    await c.commit(checkpointId(1));
    expect(fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '').toBe('');
    await c.recover(checkpointId(1));
    expect(fs.readdirSync(staging)).toEqual([]);
  });

  it('CSV: one header; parts with other column orders are re-ordered to the file’s columns', async () => {
    const csv = path.join(dir, 'out.csv');
    const sink = new FileSink(eos('csv', csv));
    const c = await sink.openCommitter();
    const w0 = await sink.openWriter(0, 2);
    const w1 = await sink.openWriter(1, 2);
    await w0.write(batch([{ id: 1, name: 'a,b', v: 1.5 }]));
    await w1.write(batch([{ v: 2, id: 2, name: 'say "x"' }, { id: 3, v: 3 }]));
    await w0.preCommit(checkpointId(1));
    await w1.preCommit(checkpointId(1));
    await c.commit(checkpointId(1));
    await w0.write(batch([{ id: 4, name: 'd', v: 4 }]));
    await w0.preCommit(checkpointId(2));
    await c.commit(checkpointId(2));
    expect(fs.readFileSync(csv, 'utf8')).toBe('id,name,v\n1,"a,b",1.5\n2,"say ""x""",2\n3,,3\n4,d,4\n');
    await w0.close();
    await w1.close();
  });

  it('writers in separate processes stage; the committer here commits exactly once', async () => {
    const mod = connectorModule('file-sink.ts');
    const worker = (subtask: number) => `
      import { FileSink } from ${JSON.stringify(mod)};
      const w = new FileSink(${JSON.stringify(eos())}).openWriter(${subtask}, 3);
      for (let ck = 1; ck <= 4; ck++) {
        for (let b = 0; b < 20; b++) w.write({ records: [{ s: ${subtask}, ck, b }], timestamps: [NaN] });
        w.preCommit(ck);
      }
      w.write({ records: [{ s: ${subtask}, ck: 5 }], timestamps: [NaN] });
      process.exit(0); // dies without closing
    `;
    const c = await new FileSink(eos()).openCommitter();
    await Promise.all([0, 1, 2].map((s) => runInChild(worker(s))));
    await c.commit(checkpointId(2));
    await c.recover(checkpointId(3));
    await c.commit(checkpointId(3));
    const expected: Rec[] = [];
    for (let ck = 1; ck <= 3; ck++) for (let s = 0; s < 3; s++) for (let b = 0; b < 20; b++) expected.push({ s, ck, b });
    expect(lines(out)).toEqual(expected);
  });
});

describe('FileSink at-least-once', () => {
  it('appends each batch and fsyncs on preCommit; the committer is a no-op', async () => {
    const sink = new FileSink({ path: out, format: 'jsonl', guarantee: 'at-least-once' });
    expect(sink.guarantee).toBe('at-least-once');
    const w0 = await sink.openWriter(0, 2);
    const w1 = await sink.openWriter(1, 2);
    await w0.write(batch(recs('a', 2)));
    await w1.write(batch(recs('b', 1)));
    await w0.preCommit(checkpointId(1));
    expect(lines(out)).toEqual([...recs('a', 2), ...recs('b', 1)]);
    const c = await sink.openCommitter();
    await c.recover(null);
    expect(lines(out)).toHaveLength(3);
    await w0.close();
    await w1.close();
  });

  it('CSV: concurrent writers in separate processes produce exactly one header', async () => {
    const csv = path.join(dir, 'alo.csv');
    const mod = connectorModule('file-sink.ts');
    const worker = (subtask: number) => `
      import { FileSink } from ${JSON.stringify(mod)};
      const w = new FileSink({ path: ${JSON.stringify(csv)}, format: 'csv', guarantee: 'at-least-once' }).openWriter(${subtask}, 4);
      for (let b = 0; b < 25; b++) w.write({ records: [${subtask % 2 === 0 ? '{ k: "w' + subtask + '", b }' : '{ b, k: "w' + subtask + '" }'}], timestamps: [NaN] });
      w.preCommit(1);
      w.close();
    `;
    await Promise.all([0, 1, 2, 3].map((s) => runInChild(worker(s))));
    const text = fs.readFileSync(csv, 'utf8').split('\n').filter((l) => l !== '');
    expect(text).toHaveLength(101);
    const header = text[0]!;
    expect(['k,b', 'b,k']).toContain(header);
    const cols = header.split(',');
    const rows = text.slice(1).map((l) => {
      const cells = l.split(',');
      return { [cols[0]!]: cells[0], [cols[1]!]: cells[1] } as Record<string, string>;
    });
    for (const s of [0, 1, 2, 3]) {
      expect(rows.filter((r) => r['k'] === `w${s}`).map((r) => Number(r['b']))).toEqual(Array.from({ length: 25 }, (_, i) => i));
    }
    expect(fs.existsSync(fileSinkPaths(csv).headerLock)).toBe(false);
  });
});
