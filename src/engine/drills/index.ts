/** Chaos and recovery drills: spec, fault schedule, runner, verifier, reports, run history. */
import fs from 'node:fs';
import path from 'node:path';
import type { SpecError } from '../job/spec.js';
import { loadDrillFile, resolveDrillJob } from './load.js';
import type { DrillReport } from './report.js';
import { DrillRun, type RunDrillOptions } from './runner.js';
import type { DrillDocument, DrillSpec } from './spec.js';

export { loadDrillFile, parseDrillText, resolveDrillJob } from './load.js';
export { validateDrillObject, FAULT_TYPES } from './spec.js';
export type { DrillSpec, DrillDocument, FaultSpec, GuardSpec } from './spec.js';
export { compareResults, verifyRun, guaranteeHolds } from './verifier.js';
export { planFaults, mulberry32 } from './schedule.js';
export { DrillRun } from './runner.js';
export type { RunDrillOptions } from './runner.js';
export { REPORT_SCHEMA } from './report.js';
export type { DrillReport, FaultOutcome } from './report.js';

/** Input problems (exit 2), as `path: message`. */
export class DrillInputError extends Error {
  constructor(readonly errors: SpecError[]) {
    super(errors.map((e) => `${e.path === '' ? '(root)' : e.path}: ${e.message}`).join('\n'));
  }
}

export interface RunDrillFileOptions extends RunDrillOptions {
  readonly seed?: number;
  /** Where the run keeps its output and checkpoints (default `<drill dir>/.sluice/drills/<name>/<time>`). */
  readonly runDir?: string;
}

export function defaultRunDir(drill: DrillSpec): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(drill.drillDir, '.sluice', 'drills', drill.name.replace(/[^\w.-]+/g, '_'), stamp);
}

/** Prepares a drill (throws DrillInputError on invalid input). */
export function prepareDrill(drill: DrillSpec, document: DrillDocument, opts: RunDrillFileOptions = {}): DrillRun {
  const runDir = opts.runDir ?? defaultRunDir(drill);
  fs.mkdirSync(runDir, { recursive: true });
  const job = resolveDrillJob(drill, runDir);
  if (!job.ok) throw new DrillInputError(job.errors);
  try {
    return new DrillRun(drill, document, job.value, runDir, opts);
  } catch (e) {
    if (e instanceof RangeError) throw new DrillInputError([{ path: 'faults', message: e.message }]);
    throw e;
  }
}

/** Loads, runs and verifies a drill file. Throws DrillInputError on invalid input. */
export async function runDrillFile(file: string, opts: RunDrillFileOptions = {}): Promise<DrillReport> {
  const r = loadDrillFile(file, opts.seed);
  if (!r.ok) throw new DrillInputError(r.errors);
  return prepareDrill(r.spec, r.document, { drillFile: path.resolve(file), ...opts }).run();
}
