import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, tryParseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    [0, 0], [1500, 1500], [-250, -250],
    ['0ms', 0], ['500ms', 500], ['2s', 2000], ['1.5s', 1500], ['0.001s', 1], ['3m', 180_000], ['1.5m', 90_000],
    ['1h', 3_600_000], ['-8h', -28_800_000], ['1d', 86_400_000], ['-0s', 0], ['1.10s', 1100], ['007s', 7000],
  ] as const)('%j → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
    expect(Object.is(parseDuration(input), -0)).toBe(false);
  });

  it.each([
    'ten', '5 s', ' 5s', '5s ', '5', '', 's', '5sec', '5S', '1h30m', '+5s', '1e3ms', '.5s', '5.s', '0.5ms', '1.0005s', '--1s',
  ])('rejects %j', (input) => {
    expect(() => parseDuration(input)).toThrow(RangeError);
    const r = tryParseDuration(input);
    expect(r.ok).toBe(false);
  });

  it('says what a duration looks like', () => {
    expect(tryParseDuration('ten')).toEqual({ ok: false, error: 'expected a duration like "10s", got "ten"' });
    expect(tryParseDuration('0.5ms')).toEqual({ ok: false, error: '"0.5ms" is not a whole number of milliseconds' });
    expect(tryParseDuration(1.5)).toEqual({ ok: false, error: 'a duration in milliseconds must be a whole number, got 1.5' });
  });

  it('rejects non-numbers and non-finite numbers', () => {
    for (const v of [NaN, Infinity, null, undefined, true, {}, [], 2 ** 60]) expect(tryParseDuration(v).ok).toBe(false);
    expect(tryParseDuration('999999999999999d').ok).toBe(false);
  });

  it('is exact where binary floating point is not (1.1s is 1100, not 1100.0000000000002)', () => {
    expect(parseDuration('1.1s')).toBe(1100);
    expect(parseDuration('0.3m')).toBe(18_000);
  });
});

describe('formatDuration', () => {
  it.each([[0, '0ms'], [1500, '1500ms'], [2000, '2s'], [90_000, '90s'], [120_000, '2m'], [-28_800_000, '-8h'], [86_400_000, '1d']])(
    '%d → %s and back',
    (ms, text) => {
      expect(formatDuration(ms)).toBe(text);
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    },
  );
  it('rejects fractions', () => expect(() => formatDuration(1.5)).toThrow(RangeError));
});
