import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DeadLetter, Rec } from '../core/types.js';
import { FileSource, FileSplitReader, fileSplitId, type FileSourceOptions } from './file-source.js';
import type { SourcePosition } from './source.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-file-source-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

interface Drained {
  records: Rec[];
  deadLetters: DeadLetter[];
}

function drain(r: FileSplitReader, batch = 1000, out: Drained = { records: [], deadLetters: [] }): Drained {
  for (;;) {
    const p = r.poll(batch);
    if (p.deadLetters) out.deadLetters.push(...p.deadLetters);
    if (p.kind === 'end') return out;
    if (p.kind === 'records') out.records.push(...p.records);
  }
}

function openOnly(opts: FileSourceOptions, position?: SourcePosition): FileSplitReader {
  const src = new FileSource(opts);
  const splits = src.listSplits();
  expect(splits).toHaveLength(1);
  return src.openReader(splits[0]!, position);
}

describe('FileSource (jsonl)', () => {
  it('reads objects, skips empty lines, handles CRLF and a final line without newline', () => {
    const p = write('in.jsonl', '{"a":1}\r\n\r\n{"a":2}\n\n   \n{"a":3,"s":"é😀"}');
    const r = openOnly({ path: p, format: 'jsonl' });
    const out = drain(r);
    expect(out.records).toEqual([{ a: 1 }, { a: 2 }, { a: 3, s: 'é😀' }]);
    expect(out.deadLetters).toEqual([]);
    expect(r.position()).toEqual({ offset: fs.statSync(p).size, line: 6 });
    expect(r.progress()).toEqual({ done: fs.statSync(p).size, total: fs.statSync(p).size });
    expect(r.poll(10).kind).toBe('end');
    r.close();
  });

  it('dead-letters malformed lines with their line numbers and keeps going', () => {
    const p = write('bad.jsonl', ['{"ok":1}', '', '{broken', '[1,2]', '42', 'null', '"s"', '{"ok":2}'].join('\n') + '\n');
    const r = openOnly({ path: p, format: 'jsonl' });
    const out = drain(r, 3);
    r.close();
    expect(out.records).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(out.deadLetters.map((d) => [d.origin, d.raw])).toEqual([
      ['bad.jsonl:3', '{broken'],
      ['bad.jsonl:4', '[1,2]'],
      ['bad.jsonl:5', '42'],
      ['bad.jsonl:6', 'null'],
      ['bad.jsonl:7', '"s"'],
    ]);
    expect(out.deadLetters[0]!.reason).toMatch(/invalid JSON/);
    expect(out.deadLetters[1]!.reason).toBe('expected a JSON object, got an array');
    expect(out.deadLetters[2]!.reason).toBe('expected a JSON object, got a number');
  });

  it('skips a UTF-8 byte order mark', () => {
    const p = write('bom.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"a":2}\n')]));
    const r = openOnly({ path: p, format: 'jsonl' });
    const first = r.poll(1);
    expect(first.kind === 'records' && first.records).toEqual([{ a: 1 }]);
    const pos = r.position();
    r.close();
    const r2 = openOnly({ path: p, format: 'jsonl' }, pos);
    expect(drain(r2).records).toEqual([{ a: 2 }]);
    r2.close();
  });

  it('reads lines much longer than a chunk', () => {
    const long = 'x'.repeat(10_000) + 'ü'.repeat(5000);
    const p = write('long.jsonl', JSON.stringify({ long }) + '\n' + JSON.stringify({ b: 1 }) + '\n');
    const r = openOnly({ path: p, format: 'jsonl', chunkSize: 7 });
    expect(drain(r).records).toEqual([{ long }, { b: 1 }]);
    r.close();
  });

  it('names the path when the file is missing', () => {
    const missing = path.join(dir, 'nope.jsonl');
    expect(() => new FileSource({ path: missing, format: 'jsonl' }).listSplits()).toThrow(missing);
  });

  it('rejects a position that does not fall on a line boundary or past the end', () => {
    const p = write('in.jsonl', '{"a":1}\n{"a":2}\n');
    expect(() => openOnly({ path: p, format: 'jsonl' }, { offset: 3, line: 1 })).toThrow(/not at the start of a line/);
    expect(() => openOnly({ path: p, format: 'jsonl' }, { offset: 999, line: 1 })).toThrow(/shorter than/);
  });

  it('one split per file of a directory, with stable ids', () => {
    write('b.jsonl', '{"f":"b"}\n');
    write('a.jsonl', '{"f":"a"}\n');
    write('.hidden', 'x\n');
    const src = new FileSource({ path: dir, format: 'jsonl' });
    const splits = src.listSplits();
    expect(splits.map((s) => s.id)).toEqual([fileSplitId(path.join(dir, 'a.jsonl')), fileSplitId(path.join(dir, 'b.jsonl'))]);
    expect(splits[0]!.id).toMatch(/^a\.jsonl#[0-9a-f]{8}$/);
    expect(new FileSource({ path: dir, format: 'jsonl' }).listSplits()).toEqual(splits);
    const recs = splits.flatMap((s) => {
      const r = src.openReader(s, undefined);
      const out = drain(r).records;
      r.close();
      return out;
    });
    expect(recs).toEqual([{ f: 'a' }, { f: 'b' }]);
  });
});

describe('FileSource (csv, text)', () => {
  it('csv: header names fields, numbers become numbers, wrong field counts are dead letters', () => {
    const p = write('in.csv', 'id,name,score\r\n1,"Smith, J",3.5\r\n2,bob\r\n\r\n007,"say ""hi""",-1e3\r\n3,x,"unterminated\r\n');
    const r = openOnly({ path: p, format: 'csv' });
    const out = drain(r);
    r.close();
    expect(out.records).toEqual([
      { id: 1, name: 'Smith, J', score: 3.5 },
      { id: '007', name: 'say "hi"', score: -1000 },
    ]);
    expect(out.deadLetters.map((d) => d.origin)).toEqual(['in.csv:3', 'in.csv:6']);
    expect(out.deadLetters[0]!.reason).toBe('expected 3 fields, got 2');
    expect(out.deadLetters[1]!.reason).toMatch(/malformed CSV/);
  });

  it('csv: resuming after the header still knows the field names; other delimiters; no header', () => {
    const p = write('semi.csv', 'a;b\n1;x\n2;y\n3;z\n');
    const r = openOnly({ path: p, format: 'csv', csv: { delimiter: ';' } });
    const head = r.poll(1);
    expect(head.kind === 'records' && head.records).toEqual([{ a: 1, b: 'x' }]);
    const pos = r.position();
    expect(pos).toEqual({ offset: 8, line: 2 });
    r.close();
    const r2 = openOnly({ path: p, format: 'csv', csv: { delimiter: ';' } }, pos);
    expect(drain(r2).records).toEqual([
      { a: 2, b: 'y' },
      { a: 3, b: 'z' },
    ]);
    r2.close();
    const r3 = openOnly({ path: p, format: 'csv', csv: { header: false, delimiter: ';' } }, { offset: 4, line: 1 });
    expect(drain(r3).records).toEqual([
      { c0: 1, c1: 'x' },
      { c0: 2, c1: 'y' },
      { c0: 3, c1: 'z' },
    ]);
    r3.close();
  });

  it('text: one {line} per non-empty line', () => {
    const p = write('in.txt', 'hello\r\n\nwörld\n  \nlast');
    const r = openOnly({ path: p, format: 'text' });
    expect(drain(r).records).toEqual([{ line: 'hello' }, { line: 'wörld' }, { line: '  ' }, { line: 'last' }]);
    expect(r.position()).toEqual({ offset: fs.statSync(p).size, line: 5 });
    r.close();
  });
});

describe('FileSource resume (property)', () => {
  const lineArb = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => ({ kind: 'obj' as const, s: s.replace(/[\r\n]/g, '') })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const, s: '' }) },
    { weight: 1, arbitrary: fc.constantFrom('{bad', '[1]', '7', 'ü{').map((s) => ({ kind: 'bad' as const, s })) },
  );

  it('resuming at any position yields exactly the remaining records and dead letters', () => {
    fc.assert(
      fc.property(
        fc.array(lineArb, { maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 45 }),
        fc.integer({ min: 1, max: 7 }),
        (lines, crlf, finalNewline, chunkSize, cut, batch) => {
          const text = lines.map((l) => (l.kind === 'obj' ? JSON.stringify({ s: l.s }) : l.s));
          const nl = crlf ? '\r\n' : '\n';
          const content = text.join(nl) + (finalNewline && text.length > 0 ? nl : '');
          const p = write('prop.jsonl', content);
          const opts: FileSourceOptions = { path: p, format: 'jsonl', chunkSize };

          const expected: Rec[] = lines.filter((l) => l.kind === 'obj').map((l) => ({ s: l.s }));
          const expectedDead = lines.flatMap((l, i) => (l.kind === 'bad' ? [`prop.jsonl:${i + 1}`] : []));

          const whole = openOnly(opts);
          const all = drain(whole, batch);
          whole.close();
          expect(all.records).toEqual(expected);
          expect(all.deadLetters.map((d) => d.origin)).toEqual(expectedDead);

          // Read some of it, then resume a fresh reader at the serialized position.
          const first = openOnly(opts);
          const head: Drained = { records: [], deadLetters: [] };
          while (head.records.length + head.deadLetters.length < cut) {
            const r = first.poll(Math.min(batch, cut - head.records.length - head.deadLetters.length));
            if (r.deadLetters) head.deadLetters.push(...r.deadLetters);
            if (r.kind !== 'records') break;
            head.records.push(...r.records);
          }
          const pos = JSON.parse(JSON.stringify(first.position())) as SourcePosition;
          first.close();
          const second = openOnly(opts, pos);
          const tail = drain(second, batch);
          second.close();
          expect([...head.records, ...tail.records]).toEqual(expected);
          expect([...head.deadLetters, ...tail.deadLetters].map((d) => d.origin)).toEqual(expectedDead);
        },
      ),
      { numRuns: 300 },
    );
  });
});
