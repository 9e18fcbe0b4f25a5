/**
 * Durations in job specs: an integer number of milliseconds, or a string with
 * a unit — `500ms`, `2s`, `1.5m`, `-8h`, `1d`.
 *
 * Decisions (documented in the spec reference):
 * - no whitespace anywhere (`"5 s"` is rejected: one spelling, easy to grep);
 * - no compound forms (`1h30m`): write `90m`;
 * - a fraction is fine when the result is a whole number of milliseconds
 *   (`1.5s` = 1500, `0.5ms` is rejected);
 * - a unitless string (`"500"`) is rejected: write the number 500 or `500ms`.
 */

/** Milliseconds. */
export type Ms = number;

export const DURATION_PATTERN = /^(-)?(\d+)(?:\.(\d+))?(ms|s|m|h|d)$/;
/** The same pattern as a string, for JSON Schema. */
export const DURATION_PATTERN_SOURCE = '^-?\\d+(\\.\\d+)?(ms|s|m|h|d)$';

const UNIT_MS: Record<string, bigint> = { ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n, d: 86_400_000n };

export type DurationResult = { ok: true; ms: Ms } | { ok: false; error: string };

function describe(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (input === undefined) return 'nothing';
  try {
    return JSON.stringify(input) ?? String(input);
  } catch {
    return String(input);
  }
}

/** Parse a duration; never throws. */
export function tryParseDuration(input: unknown): DurationResult {
  const bad = (): DurationResult => ({ ok: false, error: `expected a duration like "10s", got ${describe(input)}` });
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input)) {
      return Number.isFinite(input)
        ? { ok: false, error: `a duration in milliseconds must be a whole number, got ${input}` }
        : bad();
    }
    return { ok: true, ms: input === 0 ? 0 : input };
  }
  if (typeof input !== 'string') return bad();
  const m = DURATION_PATTERN.exec(input);
  if (!m) return bad();
  const [, sign, whole = '0', frac = '', unit = 'ms'] = m;
  const scale = 10n ** BigInt(frac.length);
  const scaled = BigInt(whole + frac) * (UNIT_MS[unit] ?? 1n);
  if (scaled % scale !== 0n) {
    return { ok: false, error: `${describe(input)} is not a whole number of milliseconds` };
  }
  const abs = scaled / scale;
  if (abs > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, error: `${describe(input)} is too large` };
  const ms = Number(abs);
  return { ok: true, ms: sign && ms !== 0 ? -ms : ms };
}

/** Parse a duration to milliseconds; throws a RangeError naming the input when it is not one. */
export function parseDuration(input: string | number): Ms {
  const r = tryParseDuration(input);
  if (!r.ok) throw new RangeError(r.error);
  return r.ms;
}

/** The shortest exact spelling of `ms` (`90000` → `"90s"`, `1500` → `"1500ms"`). */
export function formatDuration(ms: Ms): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`not a whole number of milliseconds: ${ms}`);
  if (ms === 0) return '0ms';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (abs % size === 0) return `${sign}${abs / size}${unit}`;
  }
  return `${sign}${abs}ms`;
}
