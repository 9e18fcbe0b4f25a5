/**
 * Entry points: text or file or object → {@link ParseResult}. Nothing here
 * throws on bad input; every problem comes back as `path: message`.
 */
import { dirname, extname, resolve } from 'node:path';
import { issuesToSpecErrors, specErrorMap } from './errors.js';
import { normaliseJob } from './normalise.js';
import { applyOverrides } from './overrides.js';
import { jobDocumentSchema } from './schema.js';
import { checkJobSpec } from './semantic.js';
import type { ParseResult, SpecError } from './spec.js';
import { parseYamlText, readInputFile } from './yaml-input.js';

export interface ParseOptions {
  /** Folder relative paths resolve against (the spec file's folder). */
  specDir: string;
  /** `path=value` pairs applied before validation. */
  overrides?: readonly string[];
  /** default yaml (which also reads JSON); json reports JSON syntax errors JSON's way */
  format?: 'yaml' | 'json';
}

const fail = (errors: SpecError[]): ParseResult => ({ ok: false, errors });

function describeRoot(v: unknown): string {
  if (v === null || v === undefined) return 'an empty document';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v} (${JSON.stringify(v)?.slice(0, 40)})`;
}

/** Validate an already-parsed document (builder, console). Never throws. */
export function validateJobSpecObject(raw: unknown, specDir: string): ParseResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail([{ path: '', message: `a job spec is a mapping (object) with name, source, pipeline and sink; got ${describeRoot(raw)}` }]);
  }
  try {
    const parsed = jobDocumentSchema.safeParse(raw, { error: specErrorMap });
    if (!parsed.success) return fail(issuesToSpecErrors(parsed.error.issues));
    const spec = normaliseJob(parsed.data, specDir);
    const errors = checkJobSpec(spec);
    return errors.length > 0 ? fail(errors) : { ok: true, spec };
  } catch (err) {
    // A bug, not bad input; still a result so a console never crashes on a spec.
    return fail([{ path: '', message: `internal error while validating: ${(err as Error).message}` }]);
  }
}

function parseText(text: string, format: 'yaml' | 'json'): { ok: true; value: unknown } | { ok: false; error: SpecError } {
  if (format === 'json') {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (err) {
      return { ok: false, error: { path: '', message: `JSON syntax error: ${(err as Error).message}` } };
    }
  }
  const yaml = parseYamlText(text);
  return yaml.ok ? yaml : { ok: false, error: yaml.errors[0]! };
}

/** Parse YAML (default) or JSON text, apply overrides, validate. Never throws. */
export function parseJobSpecText(text: string, opts: ParseOptions): ParseResult {
  if (typeof text !== 'string') return fail([{ path: '', message: 'spec text must be a string' }]);
  const read = parseText(text, opts.format ?? 'yaml');
  if (!read.ok) return fail([read.error]);
  let raw = read.value;
  if (opts.overrides && opts.overrides.length > 0) {
    const applied = applyOverrides(raw, opts.overrides);
    if (applied.errors.length > 0) return fail(applied.errors);
    raw = applied.doc;
  }
  return validateJobSpecObject(raw, opts.specDir);
}

/** Read and validate a spec file; relative paths resolve against its folder. Never throws. */
export function loadJobSpecFile(file: string, overrides: readonly string[] = []): ParseResult {
  const absFile = resolve(file);
  const text = readInputFile(absFile, 'job spec');
  if (!text.ok) return fail(text.errors);
  const format = extname(absFile).toLowerCase() === '.json' ? 'json' : 'yaml';
  return parseJobSpecText(text.value, { specDir: dirname(absFile), overrides, format });
}
