import { describe, expect, it } from 'vitest';
import { compileExpression, compileExpressionOrThrow, compilePredicate } from './expression.js';
import { ExpressionError } from './errors.js';

function run(src: string, rec: Record<string, unknown>): unknown {
  return compileExpressionOrThrow(src)(rec);
}

function evalError(src: string, rec: Record<string, unknown>): ExpressionError {
  try {
    run(src, rec);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return err as ExpressionError;
  }
  throw new Error(`expected ${src} to fail`);
}

describe('compileExpression: numbers', () => {
  it.each([
    ['value > 0', { value: 3 }, true],
    ['value > 0', { value: -0.5 }, false],
    ['value > 0', { value: 0.5 }, true],
    ['value * 2', { value: 3 }, 6],
    ['value * 2', { value: 1.5 }, 3],
    ['2 * value', { value: 1.25 }, 2.5],
    ['value + 1', { value: 41 }, 42],
    ['value - 1', { value: 0.5 }, -0.5],
    ['1 - value', { value: 3 }, -2],
    ['value / 2', { value: 3 }, 1.5],
    ['value % 2', { value: 7 }, 1],
    ['value % 2.0', { value: 7.5 }, 1.5],
    ['price * 0.9', { price: 10 }, 9],
    ['price * 0.9', { price: 10.5 }, 9.450000000000001],
    ['value == 3', { value: 3 }, true],
    ['value >= 2.5', { value: 3 }, true],
    ['a + b', { a: 1, b: 2 }, 3],
    ['int(value)', { value: 3.7 }, 3],
    ['size(line) / 2', { line: 'abc' }, 1],
    ['1 + 1', {}, 2],
  ])('%s on %j → %j', (src, rec, expected) => {
    const out = run(src, rec);
    expect(out).toBe(expected);
    expect(typeof out).not.toBe('bigint');
  });
});

describe('compileExpression: strings, maps, lists', () => {
  it('concatenates strings', () => {
    expect(run('key + "-x"', { key: 'a' })).toBe('a-x');
    expect(run('"id-" + string(value)', { value: 7 })).toBe('id-7');
  });
  it('splits, sizes, tests and changes case', () => {
    expect(run("line.split(' ')", { line: 'a bb c' })).toEqual(['a', 'bb', 'c']);
    expect(run('line.size()', { line: 'abcd' })).toBe(4);
    expect(run('size(line)', { line: 'abcd' })).toBe(4);
    expect(run('line.contains("bc")', { line: 'abcd' })).toBe(true);
    expect(run('line.startsWith("ab")', { line: 'abcd' })).toBe(true);
    expect(run('line.endsWith("x")', { line: 'abcd' })).toBe(false);
    expect(run('line.lower()', { line: 'ÄbC' })).toBe('äbc');
    expect(run('line.upper()', { line: 'äbc' })).toBe('ÄBC');
    expect(run('line.replace("a", "-")', { line: 'banana' })).toBe('b-n-n-');
    expect(run('line.trim()', { line: '  x ' })).toBe('x');
  });
  it('reads nested fields and the whole record', () => {
    expect(run('user.name + "!"', { user: { name: 'ann' } })).toBe('ann!');
    expect(run('record.value > 1', { value: 2 })).toBe(true);
    expect(run('size(record)', { a: 1, b: 2 })).toBe(2);
    expect(run('record', { a: 1 })).toEqual({ a: 1 });
    expect(run('has(user.email)', { user: {} })).toBe(false);
  });
  it('returns plain JSON: maps become objects, ints become numbers', () => {
    const out = run('{"k": key, "n": 2, "xs": [1, value]}', { key: 'a', value: 1.5 });
    expect(out).toEqual({ k: 'a', n: 2, xs: [1, 1.5] });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(run('xs.map(x, x * 2)', { xs: [1, 2.5] })).toEqual([2, 5]);
    expect(run('xs.filter(x, x > 1)', { xs: [1, 2, 3] })).toEqual([2, 3]);
    expect(run('timestamp("2024-01-01T00:00:00Z")', {})).toBe(Date.UTC(2024, 0, 1));
    expect(run('duration("1.5s")', {})).toBe(1500);
    expect(run('1u + 2u', {})).toBe(3);
    expect(run('b"ab"', {})).toBe('YWI=');
  });
  it('keeps null and booleans', () => {
    expect(run('x == null', { x: null })).toBe(true);
    expect(run('ok ? "y" : "n"', { ok: false })).toBe('n');
  });
});

describe('compileExpression: errors', () => {
  it('reports compile errors without throwing', () => {
    for (const src of ['value +', '"a" + 1', 'nosuchfn(x)', '', '   ', '(((']) {
      const r = compileExpression(src);
      expect(r.ok, src).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
    }
    const r = compileExpression('value +');
    expect(r.ok === false && r.error).toMatch(/Unexpected token/);
  });
  it('a missing field is an ExpressionError naming the expression and the field', () => {
    const e = evalError('missing > 0', { value: 1 });
    expect(e.expression).toBe('missing > 0');
    expect(e.reason).toBe('field "missing" is missing from the record');
    expect(e.message).toBe('expression "missing > 0": field "missing" is missing from the record');
    expect(evalError('user.name', { user: {} }).reason).toMatch(/missing/);
    expect(evalError('user.name + "x"', { user: {} }).reason).toMatch(/no such key: name/);
  });
  it('type mismatches at run time are ExpressionErrors', () => {
    expect(evalError('value * 2', { value: 'x' }).reason).toMatch(/overload/);
    expect(evalError('xs[5]', { xs: [1] }).reason).toMatch(/out of bounds/);
  });
  it('does not read Object.prototype members as fields', () => {
    expect(evalError('constructor == null', {}).reason).toMatch(/missing/);
    expect(run('toString == 1', { toString: 1 })).toBe(true);
    expect(evalError('user.constructor', { user: {} }).reason).toMatch(/missing|no such key/);
  });
});

describe('compileExpression: fast path', () => {
  it('a dotted field path is a direct read', () => {
    const r = compileExpression('user.id');
    expect(r.ok && r.kind).toBe('field');
    if (r.ok) expect(r.evaluate({ user: { id: 7 } })).toBe(7);
    expect(compileExpression(' value ').ok && (compileExpression(' value ') as { kind: string }).kind).toBe('field');
  });
  it('keywords and literals are not field paths', () => {
    for (const src of ['true', 'null', 'false']) {
      const r = compileExpression(src);
      expect(r.ok && r.kind).toBe('cel');
    }
    expect(run('true', {})).toBe(true);
    expect(run('null', {})).toBe(null);
  });
  it('agrees with CEL on present fields', () => {
    const rec = { a: { b: { c: 'x' } }, n: 2 };
    expect(run('a.b.c', rec)).toBe(run('a.b.c + ""', rec));
    expect(run('n', rec)).toBe(2);
  });
});

describe('compilePredicate', () => {
  it('keeps true, drops false, rejects non-booleans', () => {
    const p = compilePredicate('value > 0');
    if (!p.ok) throw new Error(p.error);
    expect(p.test({ value: 1 })).toBe(true);
    expect(p.test({ value: -1 })).toBe(false);
    const q = compilePredicate('name');
    if (!q.ok) throw new Error(q.error);
    expect(() => q.test({ name: 'x' })).toThrow(/must give true or false/);
  });
});
