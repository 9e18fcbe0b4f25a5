/**
 * Compares the served version's output with the new version's, with the drill verifier's
 * diff (lost / duplicated / mismatched per result identity).
 *
 * Both versions are live, so only what both have finished is compared: windowed results
 * whose window ended at or before the older version's newest committed window end (its
 * watermark passed it, so the result is final). Results without a window are compared
 * whole (meaningful once both versions have ended).
 */
import { compareResults, type RecordCounts, type ResultExample } from '../drills/verifier.js';
import type { Rec } from '../core/types.js';

export interface VersionDiff {
  /** Window results with windowEnd ≤ this were compared; null: whole outputs (no windows). */
  upTo: number | null;
  records: RecordCounts;
  examples: { lost: ResultExample[]; duplicated: ResultExample[]; mismatched: ResultExample[] };
  clean: boolean;
}

const windowEnd = (r: Rec): number | null => (typeof r['windowEnd'] === 'number' ? r['windowEnd'] : null);

function maxEnd(rows: readonly Rec[]): number | null {
  let m: number | null = null;
  for (const r of rows) {
    const e = windowEnd(r);
    if (e !== null && (m === null || e > m)) m = e;
  }
  return m;
}

/** `served` is the reference (expected), `candidate` the new version (produced). */
export function diffVersions(served: readonly Rec[], candidate: readonly Rec[]): VersionDiff {
  const a = maxEnd(served);
  const b = maxEnd(candidate);
  const windowed = a !== null || b !== null;
  const upTo = windowed ? Math.min(a ?? Number.NEGATIVE_INFINITY, b ?? Number.NEGATIVE_INFINITY) : null;
  const within = (rows: readonly Rec[]): readonly Rec[] => (upTo === null ? rows : rows.filter((r) => (windowEnd(r) ?? Number.POSITIVE_INFINITY) <= upTo));
  const { records, examples } = compareResults(within(served), within(candidate));
  // One side has window results and the other none: nothing in common to compare, not clean.
  const comparable = upTo !== Number.NEGATIVE_INFINITY;
  const clean = comparable && records.lost === 0 && records.duplicated === 0 && records.mismatched === 0;
  return { upTo: comparable ? upTo : null, records, examples, clean };
}
