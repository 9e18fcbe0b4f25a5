import { describe, expect, it } from 'vitest';
import { diffVersions } from './compare.js';

const w = (key: string, end: number, value: number) => ({ key, windowStart: end - 10, windowEnd: end, value });

describe('diffVersions', () => {
  it('compares only windows both versions have finished', () => {
    const served = [w('a', 10, 1), w('a', 20, 2), w('a', 30, 3)];
    const candidate = [w('a', 10, 1), w('a', 20, 2)];
    const d = diffVersions(served, candidate);
    expect(d).toMatchObject({ upTo: 20, clean: true, records: { expected: 2, produced: 2, lost: 0, duplicated: 0, mismatched: 0 } });
  });

  it('counts mismatched and duplicated results', () => {
    const d = diffVersions([w('a', 10, 1), w('b', 10, 1)], [w('a', 10, 9), w('b', 10, 1), w('b', 10, 1)]);
    expect(d.clean).toBe(false);
    expect(d.records).toMatchObject({ mismatched: 1, duplicated: 1, lost: 0 });
  });

  it('is not clean when one side has no window results at all', () => {
    expect(diffVersions([w('a', 10, 1)], []).clean).toBe(false);
  });
});
