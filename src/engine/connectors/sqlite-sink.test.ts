import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointId, type Rec, type RecordBatch } from '../core/types.js';
import { SqliteSink, STAGED_TABLE, type SqliteSinkOptions } from './sqlite-sink.js';
import { SkipTwoPhaseCommitSqliteSink } from './test-sinks.js';
import { connectorModule, makeTempDir, removeDir, runInChild } from './test-util.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = makeTempDir('sqlite-sink');
  file = path.join(dir, 'out.db');
});
afterEach(() => {
  removeDir(dir);
});

const batch = (records: Rec[]): RecordBatch => ({ records, timestamps: records.map(() => NaN) });
const recs = (tag: string, n: number): Rec[] => Array.from({ length: n }, (_, i) => ({ tag, i }));

function query(sql: string): Rec[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as Rec[];
  } finally {
    db.close();
  }
}

const rows = (table = 'results') => query(`SELECT * FROM "${table}" ORDER BY rowid`);
const staged = () => query(`SELECT checkpoint, subtask, count(*) AS n FROM ${STAGED_TABLE} GROUP BY 1, 2 ORDER BY 1, 2`);
const tx = (): SqliteSinkOptions => ({ path: file, table: 'results', mode: 'transactional' });

describe('SqliteSink row mapping', () => {
  it('one column per top-level field: numbers as numbers, nested values as JSON, booleans as 0/1, new fields add columns', async () => {
    const sink = new SqliteSink({ path: file, table: 'results', mode: 'insert' });
    expect(sink.guarantee).toBe('at-least-once');
    const w = await sink.openWriter(0, 1);
    await w.write(batch([{ key: 'a', windowStart: 0, value: 1.5, ok: true, tags: ['x', 'y'], meta: { n: 1 } }]));
    await w.write(batch([{ key: 'b', value: 2, extra: 'new', Key: 'same column as key: the first wins' }, { key: 'c', value: null }]));
    await w.close();
    expect(rows()).toEqual([
      { key: 'a', windowStart: 0, value: 1.5, ok: 1, tags: '["x","y"]', meta: '{"n":1}', extra: null },
      { key: 'b', windowStart: null, value: 2, ok: null, tags: null, meta: null, extra: 'new' },
      { key: 'c', windowStart: null, value: null, ok: null, tags: null, meta: null, extra: null },
    ]);
    expect(query(`SELECT name, type FROM pragma_table_info('results')`)).toEqual([
      { name: 'key', type: 'TEXT' },
      { name: 'windowStart', type: 'INTEGER' },
      { name: 'value', type: 'REAL' },
      { name: 'ok', type: 'INTEGER' },
      { name: 'tags', type: 'TEXT' },
      { name: 'meta', type: 'TEXT' },
      { name: 'extra', type: 'TEXT' },
    ]);
    expect(query(`SELECT typeof(value) AS t FROM results ORDER BY rowid`).map((r) => r['t'])).toEqual(['real', 'real', 'null']);
  });

  it('upsert: a unique index on the default key columns; replays overwrite the same rows', async () => {
    const sink = new SqliteSink({ path: file, table: 'results', mode: 'upsert' });
    expect(sink.guarantee).toBe('exactly-once');
    const w0 = await sink.openWriter(0, 2);
    const w1 = await sink.openWriter(1, 2);
    const win = (key: string, start: number, value: number) => ({ key, windowStart: start, windowEnd: start + 10, value });
    await w0.write(batch([win('a', 0, 1), win('a', 10, 2)]));
    await w1.write(batch([win('b', 0, 3)]));
    await w0.write(batch([win('a', 0, 1), win('a', 10, 5)])); // replay + late firing
    await w1.write(batch([win('b', 0, 3)]));
    await w0.close();
    await w1.close();
    expect(query('SELECT key, windowStart, value FROM results ORDER BY key, windowStart')).toEqual([
      { key: 'a', windowStart: 0, value: 1 },
      { key: 'a', windowStart: 10, value: 5 },
      { key: 'b', windowStart: 0, value: 3 },
    ]);
    expect(query(`SELECT name FROM pragma_index_list('results') WHERE "unique" = 1`)).toEqual([{ name: 'sluice_results_key' }]);
  });

  it('upsert with an explicit key; without any key column it says what to do', async () => {
    const w = await new SqliteSink({ path: file, table: 'byid', mode: 'upsert', key: ['id'] }).openWriter(0, 1);
    await w.write(batch([{ id: 1, v: 'a' }, { id: 2, v: 'b' }, { id: 1, v: 'c' }]));
    await w.close();
    expect(rows('byid')).toEqual([
      { id: 1, v: 'c' },
      { id: 2, v: 'b' },
    ]);
    const bad = await new SqliteSink({ path: file, table: 'nokey', mode: 'upsert' }).openWriter(0, 1);
    expect(() => bad.write(batch([{ x: 1 }]))).toThrow(/needs key columns/);
    await bad.close();
  });
});

describe('SqliteSink transactional (two-phase commit)', () => {
  it('stages per (checkpoint, subtask) in the same file; commit ≤ n in order, idempotently; recover commits ≤ n and discards the rest', async () => {
    const sink = new SqliteSink(tx());
    expect(sink.guarantee).toBe('exactly-once');
    const w0 = await sink.openWriter(0, 2);
    const w1 = await sink.openWriter(1, 2);
    await w1.write(batch(recs('b1', 2)));
    await w0.write(batch(recs('a1', 3)));
    await w0.preCommit(checkpointId(1));
    await w1.preCommit(checkpointId(1));
    await w0.write(batch(recs('a2', 1)));
    await w1.write(batch(recs('b2', 2)));
    await w0.preCommit(checkpointId(2));
    await w1.preCommit(checkpointId(2));
    await w0.write(batch(recs('a3', 4)));
    await w0.preCommit(checkpointId(3)); // checkpoint 3 never completes
    await w1.write(batch(recs('lost', 1))); // never pre-committed
    expect(staged()).toEqual([
      { checkpoint: 1, subtask: 0, n: 3 },
      { checkpoint: 1, subtask: 1, n: 2 },
      { checkpoint: 2, subtask: 0, n: 1 },
      { checkpoint: 2, subtask: 1, n: 2 },
      { checkpoint: 3, subtask: 0, n: 4 },
    ]);
    expect(query(`SELECT name FROM sqlite_master WHERE name = 'results'`)).toEqual([]); // nothing visible yet

    const c = await sink.openCommitter();
    await c.commit(checkpointId(1));
    await c.commit(checkpointId(1));
    expect(rows()).toEqual([...recs('a1', 3), ...recs('b1', 2)]);
    await c.close();
    await w0.close();
    await w1.close();

    // Crash; recovery from checkpoint 2 with a fresh committer.
    const c2 = await new SqliteSink(tx()).openCommitter();
    await c2.recover(checkpointId(2));
    await c2.recover(checkpointId(2));
    const expected = [...recs('a1', 3), ...recs('b1', 2), ...recs('a2', 1), ...recs('b2', 2)];
    expect(rows()).toEqual(expected);
    expect(staged()).toEqual([]);
    await c2.commit(checkpointId(3));
    expect(rows()).toEqual(expected);

    const w = await sink.openWriter(0, 1);
    await w.write(batch(recs('x', 2)));
    await w.preCommit(checkpointId(3));
    await c2.recover(null);
    await c2.commit(checkpointId(3));
    expect(rows()).toEqual(expected);
    await w.close();
    await c2.close();
  });

  it('a re-staged (checkpoint, subtask) replaces the earlier staging; other tables in the file are not touched', async () => {
    const w = await new SqliteSink(tx()).openWriter(0, 1);
    const other = await new SqliteSink({ ...tx(), table: 'late' }).openWriter(0, 1);
    await w.write(batch(recs('first', 3)));
    await w.preCommit(checkpointId(1));
    await w.write(batch(recs('second', 1)));
    await w.preCommit(checkpointId(1));
    await other.write(batch(recs('late', 2)));
    await other.preCommit(checkpointId(1));
    const c = await new SqliteSink(tx()).openCommitter();
    await c.commit(checkpointId(1));
    expect(rows()).toEqual(recs('second', 1));
    expect(query(`SELECT target, count(*) AS n FROM ${STAGED_TABLE} GROUP BY target`)).toEqual([{ target: 'late', n: 2 }]);
    await w.close();
    await other.close();
    await c.close();
  });

  it('writers in separate processes stage into the same file; the committer here commits', async () => {
    const mod = connectorModule('sqlite-sink.ts');
    const worker = (subtask: number) => `
      import { SqliteSink } from ${JSON.stringify(mod)};
      const w = new SqliteSink(${JSON.stringify(tx())}).openWriter(${subtask}, 3);
      for (let ck = 1; ck <= 3; ck++) {
        for (let b = 0; b < 10; b++) w.write({ records: [{ s: ${subtask}, ck, b }, { s: ${subtask}, ck, b: b + 0.5 }], timestamps: [NaN, NaN] });
        w.preCommit(ck);
      }
      w.write({ records: [{ s: ${subtask}, ck: 4, b: 0 }], timestamps: [NaN] });
      process.exit(0);
    `;
    const c = await new SqliteSink(tx()).openCommitter();
    await Promise.all([0, 1, 2].map((s) => runInChild(worker(s))));
    await c.commit(checkpointId(1));
    await c.recover(checkpointId(2));
    const expected: Rec[] = [];
    for (let ck = 1; ck <= 2; ck++)
      for (let s = 0; s < 3; s++)
        for (let b = 0; b < 10; b++) expected.push({ s, ck, b }, { s, ck, b: b + 0.5 });
    expect(rows()).toEqual(expected);
    expect(staged()).toEqual([]);
    await c.close();
  });
});

describe('SkipTwoPhaseCommitSqliteSink (test-only)', () => {
  it('claims exactly-once but duplicates replayed records', async () => {
    const sink = new SkipTwoPhaseCommitSqliteSink({ path: file, table: 'results' });
    expect(sink.guarantee).toBe('exactly-once');
    const w = await sink.openWriter(0, 1);
    const c = await sink.openCommitter();
    await w.write(batch(recs('a', 2)));
    await w.preCommit(checkpointId(1));
    await c.commit(checkpointId(1));
    await w.write(batch(recs('b', 2))); // after checkpoint 1: visible at once
    expect(rows()).toEqual([...recs('a', 2), ...recs('b', 2)]);
    // Failure; recovery from checkpoint 1 replays b.
    await c.recover(checkpointId(1));
    await w.write(batch(recs('b', 2)));
    expect(rows()).toEqual([...recs('a', 2), ...recs('b', 2), ...recs('b', 2)]);
    await w.close();
  });
});
