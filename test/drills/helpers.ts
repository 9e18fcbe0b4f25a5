/** Running example drills from resources/drills in tests, each in its own temp folder. */
import path from 'node:path';
import { loadDrillFile, prepareDrill, type DrillReport, type DrillSpec, type RunDrillOptions } from '../../src/engine/drills/index.js';
import { tempDir } from '../helpers/jobs.js';

export const DRILLS = path.resolve(import.meta.dirname, '../../resources/drills');

export async function runExample(name: string, opts: Pick<RunDrillOptions, 'testOnlySink'> & { tweak?: (d: DrillSpec) => DrillSpec } = {}): Promise<{ report: DrillReport; runDir: string; log: string[] }> {
  const r = loadDrillFile(path.join(DRILLS, name));
  if (!r.ok) throw new Error(`invalid drill ${name}: ${JSON.stringify(r.errors)}`);
  const runDir = tempDir('sluice-drill-');
  const log: string[] = [];
  const spec = opts.tweak ? opts.tweak(r.spec) : r.spec;
  const report = await prepareDrill(spec, r.document, { runDir, onProgress: (l) => log.push(l), ...(opts.testOnlySink ? { testOnlySink: opts.testOnlySink } : {}) }).run();
  return { report, runDir, log };
}

/** The log of a drill when an expectation fails, so CI output says what happened. */
export function explain(report: DrillReport, log: string[]): string {
  const examples = (['lost', 'duplicated', 'mismatched'] as const)
    .filter((k) => report.examples[k].length > 0)
    .map((k) => `${k} (first of ${report.examples[k].length} examples): ${report.examples[k].slice(0, 5).map((e) => JSON.stringify(e)).join(' ')}`);
  const checkpoints = report.checkpoints.history.map((c) => `${c.id}${c.status === 'completed' ? '' : `(${c.status})`}@${c.triggerMs}`).join(' ');
  return [`${report.verdict}: ${report.verdictReasons.join('; ')}`, ...examples, `checkpoints: ${checkpoints}`, ...log.filter((l) => !l.startsWith('t='))].join('\n');
}
