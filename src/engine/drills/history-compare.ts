/**
 * Two drill runs side by side: every figure an operator compares after changing a job or
 * the engine (verdict, record counts, per-fault detect / restart / restore / caught-up
 * times, checkpoint durations), each with whether the runs differ and, where the figure
 * has a direction, which run did better. Faults are paired by their order in the run
 * (fault 1 with fault 1), as both runs of one drill inject them in schedule order.
 */
import type { DrillReport, FaultOutcome } from './report.js';

export type Section = 'verdict' | 'records' | 'recovery' | 'checkpoints' | 'run';
export type Unit = '' | 'ms' | 'bytes' | 'records';

export interface Difference {
  section: Section;
  label: string;
  a: number | string | null;
  b: number | string | null;
  unit: Unit;
  differs: boolean;
  better: 'a' | 'b' | 'same' | 'n/a';
}

/** lower: the smaller value is better (losses, times); none: a difference has no direction. */
type Direction = 'lower' | 'none';

/**
 * Relative tolerance under which two timings count as the same: recovery and checkpoint
 * times of repeated runs on one machine jitter by a few per cent.
 */
const TIME_TOLERANCE = 0.05;

function figure(section: Section, label: string, a: number | null, b: number | null, unit: Unit, direction: Direction): Difference {
  const close = a !== null && b !== null && unit === 'ms' ? Math.abs(a - b) <= TIME_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)) : a === b;
  const differs = !close;
  let better: Difference['better'] = 'same';
  if (differs) {
    // A measurement that is missing on one side (fault skipped, not caught up) is not comparable.
    if (direction === 'none' || a === null || b === null) better = 'n/a';
    else better = a < b ? 'a' : 'b';
  }
  return { section, label, a, b, unit, differs, better };
}

function faultFigures(i: number, fa: FaultOutcome | undefined, fb: FaultOutcome | undefined): Difference[] {
  const name = `fault ${i + 1}`;
  const typeA = fa?.type ?? null;
  const typeB = fb?.type ?? null;
  const out: Difference[] = [{ section: 'recovery', label: `${name}: type`, a: typeA, b: typeB, unit: '', differs: typeA !== typeB, better: typeA === typeB ? 'same' : 'n/a' }];
  const pick = (f: FaultOutcome | undefined, k: 'atMs' | 'detectMs' | 'restartMs' | 'restoreMs' | 'restoreBytes' | 'caughtUpMs' | 'recordsReplayed'): number | null => f?.[k] ?? null;
  out.push(figure('recovery', `${name}: injected at`, pick(fa, 'atMs'), pick(fb, 'atMs'), 'ms', 'none'));
  out.push(figure('recovery', `${name}: detect`, pick(fa, 'detectMs'), pick(fb, 'detectMs'), 'ms', 'lower'));
  out.push(figure('recovery', `${name}: restart`, pick(fa, 'restartMs'), pick(fb, 'restartMs'), 'ms', 'lower'));
  out.push(figure('recovery', `${name}: restore`, pick(fa, 'restoreMs'), pick(fb, 'restoreMs'), 'ms', 'lower'));
  out.push(figure('recovery', `${name}: restored state`, pick(fa, 'restoreBytes'), pick(fb, 'restoreBytes'), 'bytes', 'none'));
  out.push(figure('recovery', `${name}: caught up`, pick(fa, 'caughtUpMs'), pick(fb, 'caughtUpMs'), 'ms', 'lower'));
  out.push(figure('recovery', `${name}: records replayed`, pick(fa, 'recordsReplayed'), pick(fb, 'recordsReplayed'), 'records', 'lower'));
  return out;
}

export function compareReports(a: DrillReport, b: DrillReport): Difference[] {
  const out: Difference[] = [];
  out.push({ section: 'verdict', label: 'verdict', a: a.verdict, b: b.verdict, unit: '', differs: a.verdict !== b.verdict, better: a.verdict === b.verdict ? 'same' : a.verdict === 'PASS' ? 'a' : 'b' });
  out.push({ section: 'verdict', label: 'guarantee', a: a.guarantee, b: b.guarantee, unit: '', differs: a.guarantee !== b.guarantee, better: a.guarantee === b.guarantee ? 'same' : 'n/a' });
  out.push({ section: 'run', label: 'drill', a: a.drill.name, b: b.drill.name, unit: '', differs: a.drill.name !== b.drill.name, better: a.drill.name === b.drill.name ? 'same' : 'n/a' });
  out.push(figure('run', 'seed', a.drill.seed, b.drill.seed, '', 'none'));
  out.push(figure('run', 'duration', a.durationMs, b.durationMs, 'ms', 'none'));
  out.push(figure('records', 'input', a.records.input, b.records.input, 'records', 'none'));
  out.push(figure('records', 'expected', a.records.expected, b.records.expected, 'records', 'none'));
  out.push(figure('records', 'produced', a.records.produced, b.records.produced, 'records', 'none'));
  out.push(figure('records', 'lost', a.records.lost, b.records.lost, 'records', 'lower'));
  // Duplicates break exactly-once; under at-least-once they are expected, so no direction.
  out.push(figure('records', 'duplicated', a.records.duplicated, b.records.duplicated, 'records', a.guarantee === 'exactly-once' && b.guarantee === 'exactly-once' ? 'lower' : 'none'));
  out.push(figure('records', 'mismatched', a.records.mismatched, b.records.mismatched, 'records', 'lower'));
  const n = Math.max(a.faults.length, b.faults.length);
  for (let i = 0; i < n; i++) out.push(...faultFigures(i, a.faults[i], b.faults[i]));
  out.push(figure('checkpoints', 'completed', a.checkpoints.completed, b.checkpoints.completed, '', 'none'));
  out.push(figure('checkpoints', 'failed', a.checkpoints.failed, b.checkpoints.failed, '', 'lower'));
  out.push(figure('checkpoints', 'duration p50', a.checkpoints.durationMs.p50, b.checkpoints.durationMs.p50, 'ms', 'lower'));
  out.push(figure('checkpoints', 'duration p99', a.checkpoints.durationMs.p99, b.checkpoints.durationMs.p99, 'ms', 'lower'));
  out.push(figure('checkpoints', 'duration max', a.checkpoints.durationMs.max, b.checkpoints.durationMs.max, 'ms', 'lower'));
  return out;
}
