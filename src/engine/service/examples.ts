/**
 * The example jobs shipped in resources/examples/<id>/<file>.yaml, offered by the console's
 * "New job" page. A run started from an example works in a fresh copy of the example's
 * folder (inputs only, no earlier outputs), so relative paths resolve and nothing is
 * written into the shipped resources.
 */
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ExampleInfo } from '../../shared/api.js';

/** `resources/` of the project or app: the first one found walking up from this module. */
export function findResourcesDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const c = path.join(dir, 'resources', 'examples');
    if (existsSync(c)) return path.join(dir, 'resources');
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

function leadingComment(text: string): string {
  const lines: string[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('#')) break;
    lines.push(l.replace(/^#\s?/, ''));
  }
  // Shell lines ("npx sluice run …") are for the terminal, not the console.
  return lines.filter((l) => !/^\s+npx /.test(l)).join(' ').replace(/\s+/g, ' ').trim().replace(/:$/, '.');
}

export class ExampleCatalog {
  constructor(private readonly examplesDir: string | null) {}

  list(): ExampleInfo[] {
    const dir = this.examplesDir;
    if (dir === null || !existsSync(dir)) return [];
    const out: ExampleInfo[] = [];
    for (const id of readdirSync(dir).sort()) {
      if (!/^[A-Za-z0-9_-]+$/.test(id) || !statSync(path.join(dir, id)).isDirectory()) continue;
      const file = readdirSync(path.join(dir, id)).find((f) => /\.(ya?ml|json)$/.test(f));
      if (file === undefined) continue;
      const text = readFileSync(path.join(dir, id, file), 'utf8');
      let doc: Record<string, unknown> = {};
      try {
        const v: unknown = parse(text);
        if (v !== null && typeof v === 'object') doc = v as Record<string, unknown>;
      } catch {
        continue;
      }
      out.push({
        id,
        name: typeof doc['name'] === 'string' ? doc['name'] : id,
        description: leadingComment(text).slice(0, 2000),
        mode: doc['mode'] === 'batch' ? 'batch' : 'stream',
        text,
      });
    }
    return out;
  }

  has(id: string): boolean {
    return this.examplesDir !== null && /^[A-Za-z0-9_-]+$/.test(id) && existsSync(path.join(this.examplesDir, id));
  }

  /** Copies the example's inputs into `workDir` (skipping outputs and state of earlier runs). */
  copyInputs(id: string, workDir: string): void {
    if (this.examplesDir === null) throw new Error('no examples folder');
    const src = path.join(this.examplesDir, id);
    cpSync(src, workDir, {
      recursive: true,
      filter: (p) => {
        const rel = path.relative(src, p);
        const top = rel.split(path.sep)[0];
        return top !== 'out' && top !== '.sluice';
      },
    });
  }
}
