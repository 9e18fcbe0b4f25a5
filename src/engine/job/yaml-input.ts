/**
 * Reading the YAML documents users write (job specs, drills, Lambda views, Kappa
 * deployments) into plain values, with the same rules and the same error messages for
 * all of them: strict YAML, unique keys, alias expansion bounded (an alias bomb is refused,
 * not expanded), syntax errors with line and column. Never throws on bad input.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { SpecError } from './spec.js';

export type Loaded<T> = { ok: true; value: T } | { ok: false; errors: SpecError[] };

/** `what` names the document in messages ("drill spec" → "YAML syntax error in drill spec at …"). */
export function parseYamlText(text: string, what?: string): Loaded<unknown> {
  const inWhat = what === undefined ? '' : ` in ${what}`;
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, strict: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    const reason = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? first.message;
    return { ok: false, errors: [{ path: '', message: `YAML syntax error${inWhat}${where}: ${reason}` }] };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (e) {
    return { ok: false, errors: [{ path: '', message: `YAML error${inWhat}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` }] };
  }
}

/** A file's text, or "cannot read <what> <file>: <why>". */
export function readInputFile(file: string, what: string): Loaded<string> {
  try {
    return { ok: true, value: readFileSync(file, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    return { ok: false, errors: [{ path: '', message: `cannot read ${what} ${file}: ${why}` }] };
  }
}

export function readYamlFile(file: string, what: string): Loaded<unknown> {
  const text = readInputFile(file, what);
  return text.ok ? parseYamlText(text.value, what) : text;
}
