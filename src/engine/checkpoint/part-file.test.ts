import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointId } from '../core/types.js';
import { PartReader, parsePartFileName, partFileName, verifyPart, writePart } from './part-file.js';
import { makeTempDir } from './test-model.js';
import type { CheckpointPart, StateEntry } from './types.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function part(over: Partial<CheckpointPart> & { entries: StateEntry[] }): CheckpointPart {
  return {
    checkpoint: checkpointId(7),
    worker: 1,
    operatorState: { src: { assigned: ['a'] } },
    sourcePositions: { 'gen-0': { next: 42 } },
    full: false,
    keyGroups: { start: 0, end: 9 },
    ...over,
  };
}

function readAll(file: string): Array<{ operator: string; keyGroup: number; key: string; value: unknown; deleted: boolean }> {
  const r = PartReader.open(dir, file);
  try {
    const out = [];
    for (let kg = r.marker.keyGroups.start; kg <= r.marker.keyGroups.end; kg++) {
      for (const c of r.chunks(kg)) {
        for (let i = 0; i < c.keys.length; i++) {
          out.push({ operator: c.operator, keyGroup: kg, key: c.keys[i]!, value: c.vals[i], deleted: c.deleted.includes(i) });
        }
      }
    }
    return out;
  } finally {
    r.close();
  }
}

describe('writePart', () => {
  it('stores entries, tombstones, operator state, positions and a marker in one self-contained file', () => {
    const ref = writePart(
      dir,
      part({
        entries: [
          { operator: 'count', keyGroup: 3, key: 'b', value: { c: 1 } },
          { operator: 'count', keyGroup: 3, key: 'a', value: null },
          { operator: 'sum', keyGroup: 1, key: 'x', value: undefined },
          { operator: 'count', keyGroup: 3, key: 'b', value: { c: 2 } }, // last change wins
          { operator: 'count', keyGroup: 9, key: '\u{1F600}é', value: 'ü' },
        ],
      }),
    );
    expect(ref).toMatchObject({ file: 'parts/ckpt-000007-w1.db', worker: 1, keyGroups: { start: 0, end: 9 }, full: false, entries: 4 });
    expect(ref.bytes).toBe(fs.statSync(path.join(dir, ref.file)).size);
    expect(fs.readdirSync(path.join(dir, 'parts'))).toEqual(['ckpt-000007-w1.db']); // no -wal, no .tmp

    expect(readAll(ref.file)).toEqual([
      { operator: 'sum', keyGroup: 1, key: 'x', value: null, deleted: true },
      { operator: 'count', keyGroup: 3, key: 'b', value: { c: 2 }, deleted: false },
      { operator: 'count', keyGroup: 3, key: 'a', value: null, deleted: false },
      { operator: 'count', keyGroup: 9, key: '\u{1F600}é', value: 'ü', deleted: false },
    ]);
    const r = PartReader.open(dir, ref.file);
    expect(r.marker).toMatchObject({ checkpoint: 7, worker: 1, full: false, entries: 4, tombstones: 1 });
    expect(r.operatorState()).toEqual({ src: { assigned: ['a'] } });
    expect(r.sourcePositions()).toEqual({ 'gen-0': { next: 42 } });
    expect(r.quickCheck()).toBe('ok');
    r.close();
    const db = new Database(path.join(dir, ref.file), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(db.prepare('SELECT count(*) FROM state_chunks').pluck().get()).toBe(3);
    db.close();
    expect(verifyPart(dir, 7, ref)).toBeUndefined();
  });

  it('splits a large key group into chunks and stores pre-encoded JSON values verbatim', () => {
    const entries: StateEntry[] = [];
    for (let i = 0; i < 5000; i++) entries.push({ operator: 'op', keyGroup: 4, key: `k${i}`, value: i % 7 === 0 ? undefined : JSON.stringify({ i }) });
    const ref = writePart(dir, part({ entries, valuesAreJson: true, full: true }));
    const rows = readAll(ref.file);
    expect(rows).toHaveLength(5000);
    expect(rows.filter((r) => r.deleted)).toHaveLength(Math.ceil(5000 / 7));
    expect(rows[1]).toEqual({ operator: 'op', keyGroup: 4, key: 'k1', value: { i: 1 }, deleted: false });
    const r = PartReader.open(dir, ref.file);
    expect(r.marker.chunks).toBe(5);
    r.close();
  });

  it('refuses entries outside its key groups, non-JSON text with valuesAreJson, and a second write', () => {
    expect(() => writePart(dir, part({ entries: [{ operator: 'o', keyGroup: 10, key: 'k', value: 1 }] }))).toThrow(/key group 10, outside .*\[0, 9\]/);
    expect(() => writePart(dir, part({ entries: [{ operator: 'o', keyGroup: 1, key: 'k', value: 1 }], valuesAreJson: true }))).toThrow(/not JSON text/);
    expect(fs.readdirSync(path.join(dir, 'parts'))).toEqual([]); // nothing left behind
    writePart(dir, part({ entries: [] }));
    expect(() => writePart(dir, part({ entries: [] }))).toThrow(/already exists/);
  });

  it('replaces a leftover .tmp of a killed attempt', () => {
    fs.mkdirSync(path.join(dir, 'parts'));
    fs.writeFileSync(path.join(dir, 'parts/ckpt-000007-w1.db.tmp'), 'half-written garbage');
    fs.writeFileSync(path.join(dir, 'parts/ckpt-000007-w1.db.tmp-wal'), 'garbage');
    const ref = writePart(dir, part({ entries: [{ operator: 'o', keyGroup: 1, key: 'k', value: 1 }] }));
    expect(fs.readdirSync(path.join(dir, 'parts'))).toEqual(['ckpt-000007-w1.db']);
    expect(verifyPart(dir, 7, ref)).toBeUndefined();
  });
});

describe('verifyPart', () => {
  const entries = (n: number): StateEntry[] => Array.from({ length: n }, (_, i) => ({ operator: 'o', keyGroup: i % 10, key: `k${i}`, value: { i } }));

  it('names the file when it is missing, truncated, overwritten with garbage, or not this part', () => {
    const ref = writePart(dir, part({ entries: entries(3000) }));
    const abs = path.join(dir, ref.file);
    const original = fs.readFileSync(abs);

    fs.truncateSync(abs, Math.floor(ref.bytes / 2));
    expect(verifyPart(dir, 7, ref)).toMatch(/parts\/ckpt-000007-w1\.db .*truncated/);

    const garbage = Buffer.alloc(ref.bytes, 0x5a);
    fs.writeFileSync(abs, garbage);
    expect(verifyPart(dir, 7, ref)).toMatch(/parts\/ckpt-000007-w1\.db .*corrupt/);

    // Same size, valid header, damaged B-tree pages.
    const damaged = Buffer.from(original);
    damaged.fill(0xa5, 4096 * 2, 4096 * 4);
    fs.writeFileSync(abs, damaged);
    expect(verifyPart(dir, 7, ref)).toMatch(/parts\/ckpt-000007-w1\.db .*corrupt/);

    fs.writeFileSync(abs, original);
    expect(verifyPart(dir, 7, ref)).toBeUndefined();
    expect(verifyPart(dir, 8, ref)).toMatch(/does not match its record/);

    fs.rmSync(abs);
    expect(verifyPart(dir, 7, ref)).toMatch(/parts\/ckpt-000007-w1\.db .*missing/);
  });
});

describe('part file names', () => {
  it('round-trips and recognises temporary and side files', () => {
    expect(partFileName(42, 1)).toBe('parts/ckpt-000042-w1.db');
    expect(parsePartFileName('ckpt-000042-w1.db')).toEqual({ checkpoint: 42, worker: 1 });
    expect(parsePartFileName('ckpt-1234567-w12.db.tmp-wal')).toEqual({ checkpoint: 1234567, worker: 12 });
    expect(parsePartFileName('notes.txt')).toBeUndefined();
  });
});
