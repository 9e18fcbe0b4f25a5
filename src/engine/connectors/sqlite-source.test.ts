import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Rec } from '../core/types.js';
import { SqliteSource, SqliteSplitReader } from './sqlite-source.js';
import type { SourcePosition } from './source.js';
import { makeTempDir, removeDir } from './test-util.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = makeTempDir('sqlite-source');
  file = path.join(dir, 'in.db');
  const db = new Database(file);
  db.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);
           CREATE TABLE seqd (seq INTEGER NOT NULL UNIQUE, v TEXT) ;
           CREATE VIEW v_events AS SELECT id, name FROM events;`);
  const ins = db.prepare('INSERT INTO events (id, name, score, data) VALUES (?, ?, ?, ?)');
  // Gaps in the ids: rowids need not be dense.
  for (let i = 0; i < 50; i++) ins.run(i * 3 + 1, `n${i}`, i / 2, i === 0 ? Buffer.from('hi') : null);
  const seq = db.prepare('INSERT INTO seqd (seq, v) VALUES (?, ?)');
  for (const s of [30, 10, 20]) seq.run(s, `v${s}`);
  db.close();
});
afterEach(() => {
  removeDir(dir);
});

function drain(r: SqliteSplitReader, batch: number): Rec[] {
  const out: Rec[] = [];
  for (;;) {
    const p = r.poll(batch);
    if (p.kind !== 'records') return out;
    out.push(...p.records);
  }
}

describe('SqliteSource', () => {
  it('reads the table in rowid order, one field per column, then ends', () => {
    const src = new SqliteSource({ path: file, table: 'events' });
    expect(src.bounded).toBe(true);
    expect(src.listSplits()).toEqual([{ id: 'in.db/events', expectedRecords: 50 }]);
    const r = src.openReader(src.listSplits()[0]!, undefined);
    expect(r.position()).toEqual({ after: null });
    const all = drain(r, 7);
    expect(all).toHaveLength(50);
    expect(all[0]).toEqual({ id: 1, name: 'n0', score: 0, data: Buffer.from('hi').toString('base64') });
    expect(all[49]).toEqual({ id: 148, name: 'n49', score: 24.5, data: null });
    expect(r.position()).toEqual({ after: 148 });
    expect(r.poll(10).kind).toBe('end');
    r.close();
  });

  it('resuming at any position returns exactly the remaining rows', () => {
    const src = new SqliteSource({ path: file, table: 'events' });
    const split = src.listSplits()[0]!;
    const r0 = src.openReader(split, undefined);
    const whole = drain(r0, 100);
    r0.close();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 9 }), (cut, batch) => {
        const r1 = src.openReader(split, undefined);
        const head: Rec[] = [];
        while (head.length < cut) {
          const p = r1.poll(Math.min(batch, cut - head.length));
          if (p.kind !== 'records') break;
          head.push(...p.records);
        }
        const pos = JSON.parse(JSON.stringify(r1.position())) as SourcePosition;
        r1.close();
        const r2 = src.openReader(split, pos);
        expect([...head, ...drain(r2, batch)]).toEqual(whole);
        r2.close();
      }),
      { numRuns: 60 },
    );
  });

  it('orders by an integer column; stops at the end seen when it opened', () => {
    const src = new SqliteSource({ path: file, table: 'seqd', orderBy: 'seq' });
    const r = src.openReader(src.listSplits()[0]!, undefined);
    const db = new Database(file);
    db.prepare('INSERT INTO seqd (seq, v) VALUES (?, ?)').run(40, 'late');
    db.close();
    expect(drain(r, 2)).toEqual([
      { seq: 10, v: 'v10' },
      { seq: 20, v: 'v20' },
      { seq: 30, v: 'v30' },
    ]);
    expect(r.position()).toEqual({ after: 30 });
    r.close();
    const r2 = src.openReader(src.listSplits()[0]!, { after: 20 });
    expect(drain(r2, 10)).toEqual([
      { seq: 30, v: 'v30' },
      { seq: 40, v: 'late' },
    ]);
    r2.close();
  });

  it('explains a missing file, a missing table, and a view without orderBy', () => {
    expect(() => new SqliteSource({ path: path.join(dir, 'nope.db'), table: 't' }).listSplits()).toThrow(/nope\.db/);
    expect(() => new SqliteSource({ path: file, table: 'missing' }).listSplits()).toThrow(/has no table missing/);
    const view = new SqliteSource({ path: file, table: 'v_events' });
    expect(() => view.openReader(view.listSplits()[0]!, undefined)).toThrow(/set orderBy/);
    const ordered = new SqliteSource({ path: file, table: 'v_events', orderBy: 'id' });
    const r = ordered.openReader(ordered.listSplits()[0]!, { after: 140 });
    expect(drain(r, 10)).toEqual([
      { id: 142, name: 'n47' },
      { id: 145, name: 'n48' },
      { id: 148, name: 'n49' },
    ]);
    r.close();
  });
});
