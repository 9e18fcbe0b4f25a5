import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyString } from './operator.js';

describe('keyString', () => {
  // Key groups (and so which worker owns a key, and which checkpointed state it restores)
  // hash this string: its fast path for numbers must print exactly what JSON does.
  it('prints any number, finite or not, exactly as JSON.stringify', () => {
    fc.assert(fc.property(fc.double(), (x) => {
      expect(keyString(x)).toBe(JSON.stringify(x));
    }), { numRuns: 2000 });
    for (const x of [-0, 0, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER, Number.NaN, Infinity]) expect(keyString(x)).toBe(JSON.stringify(x));
  });
  it('keeps strings as they are and prints other values as JSON', () => {
    expect(keyString('k1')).toBe('k1');
    expect(keyString(true)).toBe('true');
    expect(keyString([1, 'a'])).toBe('[1,"a"]');
    expect(keyString(undefined)).toBe('null');
  });
});
