import { describe, expect, it } from 'vitest';
import { keyGroupForKey, keyGroupRangeForWorker, murmur3, workerForKeyGroup } from './keygroups.js';

describe('key groups', () => {
  it('murmur3 is deterministic and spreads keys', () => {
    expect(murmur3('k1')).toBe(murmur3('k1'));
    const groups = new Set<number>();
    for (let i = 0; i < 10_000; i++) groups.add(keyGroupForKey(`k${i}`, 128));
    expect(groups.size).toBe(128);
  });
  it('worker ranges tile the key groups and agree with the key group → worker mapping', () => {
    for (const maxP of [1, 7, 128, 1000]) {
      for (let p = 1; p <= Math.min(maxP, 9); p++) {
        let next = 0;
        for (let w = 0; w < p; w++) {
          const r = keyGroupRangeForWorker(maxP, p, w);
          expect(r.start).toBe(next);
          for (let kg = r.start; kg <= r.end; kg++) expect(workerForKeyGroup(maxP, p, kg)).toBe(w);
          next = r.end + 1;
        }
        expect(next).toBe(maxP);
      }
    }
  });
});
