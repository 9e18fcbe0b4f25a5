import { describe, expect, it } from 'vitest';
import { compileFieldPath, isFieldPath } from './field-path.js';
import { ExpressionError } from './errors.js';

describe('isFieldPath', () => {
  it.each([
    ['key', true], ['user.name', true], ['_a.b_2', true],
    ['', false], ['a.', false], ['.a', false], ['a..b', false], ['a-b', false], ['1a', false],
    ['a[0]', false], ['true', false], ['a.null', false], ['value > 0', false],
  ])('%s → %s', (p, ok) => expect(isFieldPath(p)).toBe(ok));
});

describe('compileFieldPath', () => {
  it('reads top-level and nested fields', () => {
    expect(compileFieldPath('key')({ key: 'a' })).toBe('a');
    expect(compileFieldPath('a.b.c')({ a: { b: { c: 3 } } })).toBe(3);
    expect(compileFieldPath('a.b')({ a: { b: null } })).toBe(null);
  });
  it('record. names the record itself', () => {
    expect(compileFieldPath('record.key')({ key: 'a' })).toBe('a');
    const rec = { x: 1 };
    expect(compileFieldPath('record')(rec)).toBe(rec);
  });
  it('throws ExpressionError on a missing field or a non-object', () => {
    expect(() => compileFieldPath('key')({})).toThrow(ExpressionError);
    expect(() => compileFieldPath('key')({})).toThrow('field "key" is missing');
    expect(() => compileFieldPath('a.b.c')({ a: { b: 1 } })).toThrow('field "a.b" is not an object');
    expect(() => compileFieldPath('a.b.c')({ a: {} })).toThrow('field "a.b" is missing');
    expect(() => compileFieldPath('record.a.b')({ a: {} })).toThrow('field "record.a.b" is missing');
    expect(() => compileFieldPath('toString')({})).toThrow(/missing/);
  });
  it('rejects a bad path at compile time', () => {
    expect(() => compileFieldPath('a b')).toThrow(ExpressionError);
  });
});
