import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShedQueue } from './shed-queue.js';

describe('ShedQueue', () => {
  it('drops the lowest priority first (its newest record) and keeps arrival order', () => {
    const q = new ShedQueue<string>(3);
    expect(q.push('a1', 1)).toEqual([]);
    expect(q.push('b0', 0)).toEqual([]);
    expect(q.push('c2', 2)).toEqual([]);
    expect(q.push('d0', 0)).toEqual([{ item: 'd0', priority: 0 }]);
    expect(q.push('e1', 1)).toEqual([{ item: 'b0', priority: 0 }]);
    expect(q.push('f2', 2)).toEqual([{ item: 'e1', priority: 1 }]);
    expect(q.length).toBe(3);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual(['a1', 'c2', 'f2', undefined]);
  });

  it('refuses a threshold that is not a positive integer', () => {
    expect(() => new ShedQueue(0)).toThrow(/positive integer/);
  });

  it('every pushed record is either shifted or dropped, once; never more than threshold wait', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -2, max: 3 })), { maxLength: 200 }), (threshold, ops) => {
        const q = new ShedQueue<number>(threshold);
        const seen: number[] = [];
        let next = 0;
        for (const [isPush, prio] of ops) {
          if (isPush) {
            const id = next++;
            for (const d of q.push(id, prio)) seen.push(d.item);
            expect(q.length).toBeLessThanOrEqual(threshold);
          } else {
            const x = q.shift();
            if (x !== undefined) seen.push(x);
          }
        }
        for (let x = q.shift(); x !== undefined; x = q.shift()) seen.push(x);
        expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: next }, (_, i) => i));
      }),
    );
  });
});
