import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStateBackend } from './memory-backend.js';
import { SqliteStateBackend } from './sqlite-backend.js';

const open: SqliteStateBackend[] = [];
afterEach(() => {
  for (const b of open.splice(0)) b.close();
});
const backend = (cache: number, ttl: number | null = null, now = () => 0): SqliteStateBackend => {
  const b = new SqliteStateBackend(128, ttl, now, cache);
  open.push(b);
  return b;
};

describe('SqliteStateBackend', () => {
  it('keeps more entries than its cache, reading evicted ones back from SQLite', () => {
    const b = backend(10);
    const t = b.forOperator('op1').table<{ n: number }>('v');
    for (let i = 0; i < 1000; i++) t.set(`k${i}`, { n: i });
    expect(t.size).toBe(1000);
    for (let i = 0; i < 1000; i += 7) expect(t.get(`k${i}`)).toEqual({ n: i });
    const v = t.get('k3')!;
    v.n = 42;
    t.changed('k3');
    for (let i = 500; i < 1000; i++) t.get(`k${i}`); // evicts k3
    expect(t.get('k3')).toEqual({ n: 42 });
    t.delete('k3');
    expect(t.get('k3')).toBeUndefined();
    expect(t.size).toBe(999);
    expect([...t.entries()]).toHaveLength(999);
  });

  it('behaves like the in-memory backend: same state, same snapshots (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 30 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('mutate' as const), key: fc.integer({ min: 0, max: 30 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('snapshot' as const), full: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 8 }), (ops, cache) => {
        const s = new SqliteStateBackend(128, null, () => 0, cache);
        try {
          const m = new MemoryStateBackend(128);
          const ts = s.forOperator('o').table<{ v: number }>('t');
          const tm = m.forOperator('o').table<{ v: number }>('t');
          const sorted = (es: { key: string; value: unknown }[]) => es.map((e) => [e.key, e.value]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
          for (const o of ops) {
            const k = `k${'key' in o ? o.key : 0}`;
            if (o.kind === 'set') {
              ts.set(k, { v: o.value });
              tm.set(k, { v: o.value });
            } else if (o.kind === 'mutate') {
              const a = ts.get(k);
              const b = tm.get(k);
              expect(a).toEqual(b);
              if (a !== undefined && b !== undefined) {
                a.v = o.value;
                b.v = o.value;
                ts.changed(k);
                tm.changed(k);
              }
            } else if (o.kind === 'delete') {
              ts.delete(k);
              tm.delete(k);
            } else {
              expect(sorted(s.snapshot(o.full).entries)).toEqual(sorted(m.snapshot(o.full).entries.map((e) => ({ ...e, value: e.value === undefined ? undefined : JSON.parse(JSON.stringify(e.value)) }))));
            }
            expect(ts.size).toBe(tm.size);
          }
          expect(sorted(s.snapshot(true).entries)).toEqual(sorted(m.snapshot(true).entries));
        } finally {
          s.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('loads restored entries and measures them', () => {
    const b = backend(4);
    const n = b.load([
      { operator: 'op1/v', keyGroup: 0, key: 'a', value: { x: 1 } },
      { operator: 'op1/v', keyGroup: 0, key: 'b', value: { x: 22 } },
      { operator: 'op1/v', keyGroup: 0, key: 'gone', value: undefined },
    ]);
    expect(n).toBe(2);
    expect(b.numKeys).toBe(2);
    expect(b.lookup('b')).toEqual({ 'op1/v': { x: 22 } });
    expect(b.measure().numKeys).toBe(2);
    expect(b.snapshot(false).entries).toEqual([]);
  });

  it('applies the state TTL', () => {
    let now = 0;
    const b = backend(4, 1000, () => now);
    const t = b.forOperator('op1').table<number>('v');
    t.set('a', 1);
    now = 2000;
    expect(t.get('a')).toBeUndefined();
    t.set('b', 2);
    now = 3500;
    expect(b.expire()).toBe(1);
    expect(b.numKeys).toBe(0);
  });
});
