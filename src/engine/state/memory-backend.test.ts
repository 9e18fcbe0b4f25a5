import { describe, expect, it } from 'vitest';
import { keyGroupForKey } from '../core/keygroups.js';
import { MemoryStateBackend } from './memory-backend.js';

describe('MemoryStateBackend', () => {
  it('an incremental snapshot holds only changed keys, deletions as tombstones', () => {
    const b = new MemoryStateBackend(128);
    const t = b.forOperator('op1').table<number>('count');
    t.set('a', 1);
    t.set('b', 2);
    expect(b.snapshot(false).entries.map((e) => e.key).sort()).toEqual(['a', 'b']);
    t.set('a', 3);
    t.delete('b');
    const snap = b.snapshot(false).entries.sort((x, y) => x.key.localeCompare(y.key));
    expect(snap).toEqual([
      { operator: 'op1/count', keyGroup: keyGroupForKey('a', 128), key: 'a', value: 3 },
      { operator: 'op1/count', keyGroup: keyGroupForKey('b', 128), key: 'b', value: undefined },
    ]);
    expect(b.snapshot(false).entries).toEqual([]);
    expect(b.snapshot(true).entries.map((e) => e.key)).toEqual(['a']);
  });

  it('state TTL: an entry not written for ttl is gone on read and cleaned up by expire()', () => {
    let now = 0;
    const b = new MemoryStateBackend(128, 1000, () => now);
    const t = b.forOperator('op1').table<number>('v');
    t.set('a', 1);
    t.set('b', 2);
    now = 500;
    t.set('b', 3);
    now = 1000;
    expect(t.get('a')).toBeUndefined();
    expect(t.get('b')).toBe(3);
    now = 1600;
    expect(b.expire()).toBe(1);
    expect(b.numKeys).toBe(0);
  });

  it('measures state per operator, per key group, the top keys and a size histogram', () => {
    const b = new MemoryStateBackend(128);
    const t = b.forOperator('op1').table<string>('v');
    t.set('small', 'x');
    t.set('big', 'x'.repeat(1000));
    const s = b.measure(1);
    expect(s.numKeys).toBe(2);
    expect(s.topKeys).toEqual([{ operator: 'op1/v', key: 'big', bytes: 3 + 1002 }]);
    expect(Object.values(s.sizeHistogram).reduce((a, c) => a + c, 0)).toBe(2);
    expect(s.bytesPerKeyGroup[keyGroupForKey('big', 128)]).toBeGreaterThanOrEqual(1005);
  });
});
