/**
 * Spec errors: `path: message`, where path is written the way a user would
 * point at the YAML (`pipeline[2].window.size`) and message says what is wrong
 * and, where cheap, what was meant.
 */
import type * as z from 'zod';
import type { SpecError } from './spec.js';

export type PathSegment = string | number;

const SIMPLE_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['pipeline', 2, 'window', 'size']` → `pipeline[2].window.size`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const key = String(seg);
      if (SIMPLE_KEY.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** One line per error, `path: message`; `(root)` for the document itself. */
export function formatSpecErrors(errors: readonly SpecError[]): string {
  return errors.map((e) => `${e.path === '' ? '(root)' : e.path}: ${e.message}`).join('\n');
}

/** Thrown by APIs that have no result channel (the builder's `buildOrThrow`). */
export class JobSpecError extends Error {
  override readonly name = 'JobSpecError';
  constructor(readonly errors: SpecError[]) {
    super(`invalid job spec:\n${formatSpecErrors(errors)}`);
  }
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      prev[j] = Math.min(tmp + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}

/** The closest candidate within a small edit distance, or undefined. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = levenshtein(input, c);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.ceil((best?.length ?? 0) / 3)));
  if (best !== undefined && bestDist <= limit && best !== input) return best;
  // A truncated name (`timestamp` for `timestampField`) is worth a hint too.
  if (input.length >= 4) {
    const lower = input.toLowerCase();
    return candidates.find((c) => c !== input && c.toLowerCase().startsWith(lower));
  }
  return undefined;
}

export function suggestion(input: string, candidates: readonly string[]): string {
  const s = didYouMean(input, candidates);
  return s === undefined ? '' : `; did you mean "${s}"?`;
}

/** A short, user-facing picture of a value (`"ten"`, `a list`, `a mapping`). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

const EXPECTED: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  record: 'a mapping',
};

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

type RawIssue = z.core.$ZodRawIssue;

function shapeKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: Record<string, unknown> } } })?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/**
 * The per-parse error map: turns zod issues into our wording. Schema-level
 * `error` options (durations, steps, aggregates) take precedence over it.
 */
export function specErrorMap(iss: RawIssue): string | undefined {
  const input = (iss as { input?: unknown }).input;
  switch (iss.code) {
    case 'invalid_type': {
      if (input === undefined) return 'missing (required)';
      const expected = EXPECTED[iss.expected] ?? iss.expected;
      return `expected ${expected}, got ${describeValue(input)}`;
    }
    case 'invalid_value': {
      const values = iss.values as unknown[];
      if (values.length === 1) return `expected ${quoteList(values)}, got ${describeValue(input)}`;
      const hint = typeof input === 'string' ? suggestion(input, values.map(String)) : '';
      return `expected one of ${quoteList(values)}, got ${describeValue(input)}${hint}`;
    }
    case 'unrecognized_keys': {
      const allowed = shapeKeys(iss.inst);
      const keys = iss.keys as string[];
      if (keys.length === 1) {
        const key = keys[0] as string;
        const hint = didYouMean(key, allowed);
        return `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : allowed.length ? ` (expected one of ${allowed.join(', ')})` : ''}`;
      }
      return `unknown keys ${keys.map((k) => `"${k}"`).join(', ')} (expected one of ${allowed.join(', ')})`;
    }
    case 'too_small': {
      const min = Number(iss.minimum);
      if (iss.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (iss.origin === 'array' || iss.origin === 'set') return `needs at least ${min} item${min === 1 ? '' : 's'}`;
      return `must be ${iss.inclusive ? '≥' : '>'} ${min}, got ${describeValue(input)}`;
    }
    case 'too_big': {
      const max = Number(iss.maximum);
      if (iss.origin === 'string') return max === 1 ? 'must be a single character' : `must be at most ${max} characters`;
      if (iss.origin === 'array' || iss.origin === 'set') return `at most ${max} items`;
      return `must be ${iss.inclusive ? '≤' : '<'} ${max}, got ${describeValue(input)}`;
    }
    case 'invalid_union': {
      const u = iss as { discriminator?: string; options?: unknown[]; note?: string };
      if (u.discriminator !== undefined) {
        const value = input && typeof input === 'object' ? (input as Record<string, unknown>)[u.discriminator] : undefined;
        const options = (u.options ?? []).map(String);
        if (value === undefined) return `missing (required: one of ${options.join(', ')})`;
        const hint = typeof value === 'string' ? suggestion(value, options) : '';
        return `unknown ${u.discriminator} ${describeValue(value)} (expected one of ${options.join(', ')}${hint})`;
      }
      return `${describeValue(input)} does not match any allowed form`;
    }
    case 'invalid_format':
      return `${describeValue(input)} is not a valid ${String(iss.format)}`;
    default:
      return undefined;
  }
}

/** zod issues → our errors (invalid unions with a discriminator point at the discriminator). */
export function issuesToSpecErrors(issues: readonly z.core.$ZodIssue[]): SpecError[] {
  const out: SpecError[] = [];
  const seen = new Set<string>();
  // An unknown key explains a failed "exactly one key" refinement at the same place.
  const unknownAt = new Set(issues.filter((i) => i.code === 'unrecognized_keys').map((i) => formatPath(i.path)));
  for (const issue of issues) {
    if (issue.code === 'custom' && unknownAt.has(formatPath(issue.path))) continue;
    const e = { path: formatPath(issue.path), message: issue.message };
    const k = `${e.path}\u0000${e.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(e);
    }
  }
  return out;
}
