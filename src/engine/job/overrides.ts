/**
 * `--set path=value` overrides, applied to the raw document before validation:
 * `parallelism=2`, `source.count=1000`, `pipeline[1].window.size=5s`. The value
 * is read as a YAML scalar (or flow collection): `1000` is a number, `5s` a
 * string, `true` a boolean, `null` null, `[a, b]` a list.
 */
import { parse as parseYaml } from 'yaml';
import type { SpecError } from './spec.js';

const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** `a.b[1].c` → `['a', 'b', 1, 'c']`; undefined when malformed. */
export function parseOverridePath(path: string): Array<string | number> | undefined {
  const segs: Array<string | number> = [];
  const re = /([^.[\]]+)|\[(\d+)\]/y;
  let i = 0;
  let expectKey = true;
  while (i < path.length) {
    if (path[i] === '.') {
      if (expectKey) return undefined;
      i++;
      expectKey = true;
      continue;
    }
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) {
      if (!expectKey) return undefined;
      segs.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    } else segs.push(Number(m[2]));
    expectKey = false;
    i = re.lastIndex;
  }
  return segs.length > 0 && !expectKey ? segs : undefined;
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return v !== null && typeof v === 'object';
}

/**
 * Apply overrides to `doc` (mutated and returned; pass a copy). Errors use the
 * override's path; an override that cannot apply does not stop the others.
 */
export function applyOverrides(doc: unknown, overrides: readonly string[]): { doc: unknown; errors: SpecError[] } {
  const errors: SpecError[] = [];
  let root = doc;
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) {
      errors.push({ path: '', message: `--set ${JSON.stringify(o)}: expected path=value, e.g. parallelism=2` });
      continue;
    }
    const pathText = o.slice(0, eq).trim();
    const segs = parseOverridePath(pathText);
    if (!segs) {
      errors.push({ path: pathText, message: `--set: malformed path ${JSON.stringify(pathText)} (use a.b[1].c)` });
      continue;
    }
    if (segs.some((s) => typeof s === 'string' && FORBIDDEN.has(s))) {
      errors.push({ path: pathText, message: '--set: this path is not allowed' });
      continue;
    }
    let value: unknown;
    try {
      value = parseYaml(o.slice(eq + 1));
    } catch (err) {
      errors.push({ path: pathText, message: `--set: cannot read value: ${(err as Error).message.split('\n')[0]}` });
      continue;
    }
    if (!isContainer(root) || Array.isArray(root)) {
      if (root === null || root === undefined) root = {};
      else {
        errors.push({ path: pathText, message: '--set: the document is not a mapping' });
        continue;
      }
    }
    let cur: Record<string, unknown> | unknown[] = root as Record<string, unknown>;
    let failed = false;
    for (let k = 0; k < segs.length; k++) {
      const seg = segs[k] as string | number;
      const last = k === segs.length - 1;
      const where = segs.slice(0, k).reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
      if (Array.isArray(cur)) {
        if (typeof seg !== 'number' || seg > cur.length) {
          errors.push({ path: pathText, message: `--set: ${where || '(root)'} is a list of ${cur.length}; ${JSON.stringify(seg)} is not an index there` });
          failed = true;
          break;
        }
      } else if (typeof seg === 'number') {
        errors.push({ path: pathText, message: `--set: ${where || '(root)'} is not a list` });
        failed = true;
        break;
      }
      const container = cur as Record<string | number, unknown>;
      if (last) {
        container[seg] = value;
        break;
      }
      let next = container[seg];
      if (next === undefined || next === null) {
        next = typeof segs[k + 1] === 'number' ? [] : {};
        container[seg] = next;
      } else if (!isContainer(next)) {
        errors.push({ path: pathText, message: `--set: ${formatSeg(where, seg)} is ${JSON.stringify(next)}, not a mapping or list` });
        failed = true;
        break;
      }
      cur = next as Record<string, unknown> | unknown[];
    }
    if (failed) continue;
  }
  return { doc: root, errors };
}

function formatSeg(where: string, seg: string | number): string {
  return typeof seg === 'number' ? `${where}[${seg}]` : where ? `${where}.${seg}` : seg;
}
