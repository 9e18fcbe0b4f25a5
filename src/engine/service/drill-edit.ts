/**
 * Drills edited in the console. The edited YAML is checked with the same rules as
 * `sluice drill` (the drill spec, its job resolved against the drill's folder, its fault
 * plan against the job's parallelism), and an edited drill runs from a copy of its
 * example's folder with the edited text in place of the example's file: relative paths
 * (the job spec file) resolve as they do for the example, and nothing is written into the
 * shipped resources.
 */
import { cpSync, lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDrillText, planFaults, resolveDrillJob, type DrillDocument, type DrillSpec } from '../drills/index.js';
import type { SpecErrorInfo } from '../../shared/api.js';

export type CheckedDrill = { ok: true; spec: DrillSpec; document: DrillDocument } | { ok: false; errors: SpecErrorInfo[] };

/** Files an edited drill may refer to (drill and job specs, inputs); reports, images and run folders stay behind. */
const COPIED = /\.(ya?ml|json|jsonl|csv)$/i;
const SKIPPED_DIRS = new Set(['.sluice', 'out']);

const bounded = (errors: readonly { path: string; message: string }[]): SpecErrorInfo[] =>
  errors.slice(0, 500).map((e) => ({ path: e.path.slice(0, 500), message: e.message.slice(0, 2000) }));

/**
 * Validates drill text as if it were a file in `drillDir` (null: no example folder, so
 * only an inline job can be resolved). Never throws; reads, never writes.
 */
export function checkDrillText(text: string, drillDir: string | null): CheckedDrill {
  const dir = drillDir ?? path.join(os.tmpdir(), 'sluice-drill-no-folder');
  const parsed = parseDrillText(text, dir);
  if (!parsed.ok) return { ok: false, errors: bounded(parsed.errors) };
  const { spec, document } = parsed;
  if (drillDir === null && typeof spec.job === 'string') {
    return { ok: false, errors: [{ path: 'job', message: 'a job file resolves against an example drill\'s folder: say which example this drill starts from, or write the job inline' }] };
  }
  // The job is resolved the way a run resolves it; the run folder is only used to name output paths here.
  const job = resolveDrillJob(spec, path.join(dir, '.sluice', 'validate'));
  if (!job.ok) return { ok: false, errors: bounded(job.errors) };
  try {
    planFaults(spec, job.value.spec.parallelism);
  } catch (e) {
    if (e instanceof RangeError) return { ok: false, errors: [{ path: 'faults', message: e.message.slice(0, 2000) }] };
    throw e;
  }
  return { ok: true, spec, document };
}

/**
 * Copies the example's folder into `dest` and writes the edited text as the example's
 * file there. Returns the path of the edited drill file (what a run loads, like the CLI).
 */
export function stageEditedDrill(exampleFile: string, text: string, dest: string): string {
  const src = path.dirname(exampleFile);
  mkdirSync(dest, { recursive: true });
  cpSync(src, dest, {
    recursive: true,
    filter: (p) => {
      const rel = path.relative(src, p);
      if (rel === '') return true;
      if (rel.split(path.sep).some((part) => SKIPPED_DIRS.has(part))) return false;
      const st = lstatSync(p);
      return st.isDirectory() || (st.isFile() && COPIED.test(p));
    },
  });
  const file = path.join(dest, path.basename(exampleFile));
  writeFileSync(file, text);
  return file;
}
