/**
 * Sandboxed record expressions (CEL via @marcbachmann/cel-js): no code runs but
 * the expression itself, no eval, no `new Function`.
 *
 * Variables: every top-level field of the record, plus `record` (the whole
 * record; it wins over a field that happens to be named `record`).
 *
 * Numbers (the choice we made so users are not surprised):
 * - JSON numbers arrive as JS numbers and are CEL `double`s, whether integral
 *   or not — as in JSON and JavaScript, there is one number type in a record.
 * - Integer literals mix with them: `value * 2`, `value + 1`, `2 - value`,
 *   `value % 2`, `value / 2` all work and compute like JavaScript (so 3 / 2 is
 *   1.5). CEL's own int-only arithmetic is unchanged: `size(s) / 2` is integer
 *   division, and `int(value)` truncates.
 * - Results come back as plain JSON values: int/uint → number, map → object,
 *   list → array, timestamp → epoch ms, duration → ms, bytes → base64 string.
 *   Integers beyond 2^53 lose precision on the way back.
 * - `"id-" + value` is a type error in CEL: write `"id-" + string(value)`.
 *
 * Strings: the CEL built-ins (`size`, `contains`, `startsWith`, `endsWith`,
 * `matches`, `split`, `substring`, `indexOf`, `trim`, `lowerAscii`,
 * `upperAscii`, list `join`) plus `lower()`, `upper()` (Unicode) and
 * `replace(from, to)` (replaces every occurrence).
 */
import { Environment } from '@marcbachmann/cel-js';
import type { ASTNode } from '@marcbachmann/cel-js';
import type { Rec } from '../core/types.js';
import { compileFieldPath, isFieldPath } from './field-path.js';
import { ExpressionError } from './errors.js';
import { toPlain } from './plain.js';

export type CompileResult =
  | { ok: true; evaluate: (rec: Rec) => unknown; kind: 'field' | 'cel' }
  | { ok: false; error: string };

const ARITHMETIC = ['+', '-', '*', '/', '%'] as const;
function arith(op: (typeof ARITHMETIC)[number], a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
  }
}

function createEnvironment(): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
    limits: { maxAstNodes: 10_000, maxDepth: 100, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
  });
  for (const op of ARITHMETIC) {
    env.registerOperator(`double ${op} int: double`, (a: number, b: bigint) => arith(op, a, Number(b)));
    env.registerOperator(`int ${op} double: double`, (a: bigint, b: number) => arith(op, Number(a), b));
  }
  env.registerOperator('double % double: double', (a: number, b: number) => a % b);
  env.registerFunction({ name: 'lower', receiverType: 'string', returnType: 'string', params: [], handler: (s: string) => s.toLowerCase() });
  env.registerFunction({ name: 'upper', receiverType: 'string', returnType: 'string', params: [], handler: (s: string) => s.toUpperCase() });
  env.registerFunction('string.replace(string, string): string', (s: string, from: string, to: string) =>
    from === '' ? s : s.split(from).join(to),
  );
  return env;
}

let environment: Environment | undefined;
function env(): Environment {
  return (environment ??= createEnvironment());
}

/** Names an `Object.prototype` lookup would answer (`constructor`, `toString`, …). */
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

function collectIdentifiers(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectIdentifiers(n, out);
    return;
  }
  if (node === null || typeof node !== 'object' || !('op' in node)) return;
  const ast = node as ASTNode;
  if (ast.op === 'id') out.add(ast.args);
  else if (ast.op !== 'value') collectIdentifiers(ast.args, out);
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}

/** Rewrites cel-js wording into ours, e.g. `Unknown variable: x` → `field "x" is missing`. */
function reasonOf(err: unknown): string {
  if (err instanceof ExpressionError) return err.reason;
  const e = err as { code?: unknown; summary?: unknown; message?: unknown };
  const summary = typeof e.summary === 'string' ? e.summary : typeof e.message === 'string' ? firstLine(e.message) : String(err);
  if (e.code === 'unknown_variable') {
    const name = summary.replace(/^Unknown variable: /, '');
    return `field "${name}" is missing from the record`;
  }
  if (e.code === 'no_such_key') return summary.replace(/^No such key: /, 'no such key: ');
  return summary;
}

/**
 * Compile an expression once; `evaluate` then runs it per record and throws an
 * {@link ExpressionError} (expression + reason) when it cannot, e.g. a missing
 * field — callers route such records to the dead-letter output.
 */
export function compileExpression(src: string): CompileResult {
  if (typeof src !== 'string' || src.trim() === '') return { ok: false, error: 'empty expression' };
  const trimmed = src.trim();
  if (isFieldPath(trimmed)) {
    return { ok: true, evaluate: compileFieldPath(trimmed), kind: 'field' };
  }
  let program: ReturnType<Environment['parse']>;
  try {
    program = env().parse(src);
    const checked = program.check();
    if (!checked.valid) return { ok: false, error: reasonOf(checked.error) };
  } catch (err) {
    return { ok: false, error: reasonOf(err) };
  }
  const ids = new Set<string>();
  collectIdentifiers(program.ast, ids);
  const usesRecord = ids.has('record');
  const needsIsolation = [...ids].some((id) => PROTOTYPE_NAMES.has(id));
  const fieldIds = [...ids].filter((id) => id !== 'record');
  const run = program;

  const context: (rec: Rec) => Record<string, unknown> = needsIsolation
    ? (rec) => {
        const ctx: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
        for (const k of Object.keys(rec)) ctx[k] = rec[k];
        if (usesRecord) ctx.record = rec;
        return ctx;
      }
    : usesRecord
      ? // Only the fields the expression names are copied: a per-record Object.create(rec)
        // gave every record its own prototype, which V8 handles slowly (it was most of the
        // CPU time of a `record.type == 'bid'` filter in the Nexmark benchmark).
        (rec) => {
          const ctx: Record<string, unknown> = { record: rec };
          for (const id of fieldIds) if (Object.hasOwn(rec, id)) ctx[id] = rec[id];
          return ctx;
        }
      : (rec) => rec;

  const evaluate = (rec: Rec): unknown => {
    let out: unknown;
    try {
      out = run(context(rec));
    } catch (err) {
      throw new ExpressionError(src, reasonOf(err), { cause: err });
    }
    if (out instanceof Promise) throw new ExpressionError(src, 'asynchronous results are not supported');
    return toPlain(out);
  };
  return { ok: true, evaluate, kind: 'cel' };
}

/** Compile or throw an {@link ExpressionError} carrying the compile error. */
export function compileExpressionOrThrow(src: string): (rec: Rec) => unknown {
  const r = compileExpression(src);
  if (!r.ok) throw new ExpressionError(src, r.error);
  return r.evaluate;
}

/**
 * A predicate for `filter`: true keeps the record. A non-boolean result is an
 * {@link ExpressionError} (no truthiness: `filter: "name"` is a mistake, not a test).
 */
export function compilePredicate(src: string): { ok: true; test: (rec: Rec) => boolean } | { ok: false; error: string } {
  const r = compileExpression(src);
  if (!r.ok) return r;
  const evaluate = r.evaluate;
  return {
    ok: true,
    test: (rec) => {
      const v = evaluate(rec);
      if (typeof v !== 'boolean') {
        throw new ExpressionError(src, `a filter must give true or false, got ${JSON.stringify(v) ?? String(v)}`);
      }
      return v;
    },
  };
}
