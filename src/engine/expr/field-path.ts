import type { Rec } from '../core/types.js';
import { ExpressionError } from './errors.js';

/** Words that are CEL literals or reserved, so never a plain field read. */
const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);
const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `user.name` style: identifiers joined by dots, none of them a CEL keyword. */
export function isFieldPath(path: string): boolean {
  if (typeof path !== 'string' || path === '') return false;
  const parts = path.split('.');
  return parts.every((p) => SEGMENT.test(p) && !RESERVED.has(p));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A direct property read for a dotted field path (no CEL), e.g. for `keyBy: user.id`.
 * A leading `record.` names the record itself (`record` alone is the whole record).
 * Reading a field that is not there throws an {@link ExpressionError}; a field
 * that holds `null` reads as `null`.
 */
export function compileFieldPath(path: string): (rec: Rec) => unknown {
  if (!isFieldPath(path)) {
    throw new ExpressionError(path, 'not a field path (expected names joined by dots, like user.id)');
  }
  const all = path.split('.');
  const parts = all[0] === 'record' ? all.slice(1) : all;
  const missing = (i: number): ExpressionError =>
    new ExpressionError(path, `field "${all.slice(0, all.length - parts.length + i + 1).join('.')}" is missing from the record`);
  const notObject = (i: number): ExpressionError =>
    new ExpressionError(path, `field "${all.slice(0, all.length - parts.length + i).join('.')}" is not an object`);

  if (parts.length === 0) return (rec) => rec;
  if (parts.length === 1) {
    const [k] = parts as [string];
    return (rec) => {
      if (!Object.hasOwn(rec, k)) throw missing(0);
      return rec[k];
    };
  }
  return (rec) => {
    let cur: unknown = rec;
    for (let i = 0; i < parts.length; i++) {
      if (!isObject(cur)) throw notObject(i);
      const k = parts[i] as string;
      if (!Object.hasOwn(cur, k)) throw missing(i);
      cur = cur[k];
    }
    return cur;
  };
}
