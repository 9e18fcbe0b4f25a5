/** Helpers for tests that run real jobs in worker processes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { validateJobSpecObject } from '../../src/engine/job/index.js';
import type { JobSpec } from '../../src/engine/job/spec.js';

export function tempDir(prefix = 'sluice-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Validates a spec document (throws with the errors when invalid). */
export function spec(doc: Record<string, unknown>, dir: string): JobSpec {
  const r = validateJobSpecObject(doc, dir);
  if (!r.ok) throw new Error(`invalid test spec: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return r.spec;
}

export function readTable(file: string, table: string): Record<string, unknown>[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

export function readJsonl(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Window results as a map "key|start|end" → value; throws on a duplicate row. */
export function windowResults(rows: Record<string, unknown>[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const r of rows) {
    const k = `${String(r['key'])}|${String(r['windowStart'])}|${String(r['windowEnd'])}`;
    if (m.has(k)) throw new Error(`duplicate result row ${k}`);
    m.set(k, r['value']);
  }
  return m;
}

export async function waitFor(pred: () => boolean, opts: { timeoutMs: number; message: string; intervalMs?: number }): Promise<void> {
  const end = Date.now() + opts.timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${opts.message}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}
