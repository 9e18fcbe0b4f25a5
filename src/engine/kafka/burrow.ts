/**
 * Burrow's consumer-lag evaluation (linkedin/Burrow `core/internal/evaluator/caching.go`,
 * current rule order; see /work/shared/reference/console-anchors.md §3). Pure functions
 * over a window of commits, so each rule can be tested from constructed histories.
 *
 * Per partition, in this order:
 *  0. gates: no commits → OK; window less complete than `minimumComplete` → OK;
 *     current lag ≤ `allowedLag` → OK
 *  1. STOP   (now − last.ts) > (last.ts − first.ts), unless a stored broker head ≤ last offset
 *  2. REWIND a commit lower than the one before it, not reached again by a later commit
 *  3. rule 1 any stored lag ≤ `allowedLag` → OK
 *  4. STALL  every commit has the same offset (lag is non-zero here)
 *  5. WARN   lag never decreases between consecutive commits (unknown lags skipped)
 *  6. OK
 * Group: the worst partition, where STOP / STALL / REWIND make the group ERR.
 */

export type PartitionStatus = 'OK' | 'WARN' | 'STOP' | 'STALL' | 'REWIND';
export type GroupStatus = 'OK' | 'WARN' | 'ERR' | 'NOTFOUND';

/** One committed offset in the window. */
export interface LagEntry {
  readonly offset: number;
  /** When the commit was made (ms). */
  readonly timestamp: number;
  /** When we saw it (ms). */
  readonly observedAt: number;
  /** Broker head minus offset when seen (negative stored as 0); null when unknown. */
  readonly lag: number | null;
}

export interface BurrowOptions {
  /** Window length in commits (Burrow `intervals`, default 10). */
  readonly intervals: number;
  /** A commit sooner than this after the previous one replaces it (Burrow `min-distance`, default 1 s). */
  readonly minDistanceMs: number;
  /** Lag at or below this is fine (Burrow `allowed-lag`, default 0). */
  readonly allowedLag: number;
  /** Share of the window that must be filled before any non-OK status (Burrow `minimum-complete`, default 0). */
  readonly minimumComplete: number;
}

export const DEFAULT_BURROW_OPTIONS: BurrowOptions = { intervals: 10, minDistanceMs: 1_000, allowedLag: 0, minimumComplete: 0 };

export type BurrowRule = 'no-offsets' | 'incomplete' | 'allowed-lag' | 'stop' | 'rewind' | 'zero-lag-in-window' | 'stall' | 'lag-not-decreasing' | 'ok';

export interface PartitionEvaluation {
  readonly status: PartitionStatus;
  /** The rule that decided the status. */
  readonly rule: BurrowRule;
  /** Why, in words, with the numbers the rule used. */
  readonly reason: string;
  /** Filled share of the window (0..1). */
  readonly complete: number;
  readonly start: LagEntry | null;
  readonly end: LagEntry | null;
  readonly currentLag: number;
  /** last.ts − first.ts */
  readonly windowSpanMs: number;
}

/** Appends a commit to a window (Burrow storage: min-distance replacement, ring of `intervals`). */
export function appendEntry(window: readonly LagEntry[], entry: LagEntry, opts: BurrowOptions = DEFAULT_BURROW_OPTIONS): LagEntry[] {
  const out = [...window];
  const last = out[out.length - 1];
  const stored: LagEntry = { ...entry, lag: entry.lag === null ? null : Math.max(0, entry.lag) };
  if (last !== undefined && stored.timestamp - last.timestamp < opts.minDistanceMs) out[out.length - 1] = stored;
  else out.push(stored);
  while (out.length > opts.intervals) out.shift();
  return out;
}

const fmt = (ms: number): string => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

export function evaluatePartition(
  window: readonly LagEntry[],
  currentLag: number,
  now: number,
  brokerHeads: readonly number[] = [],
  opts: BurrowOptions = DEFAULT_BURROW_OPTIONS,
): PartitionEvaluation {
  const offsets = window.slice(-opts.intervals);
  const complete = Math.min(1, offsets.length / opts.intervals);
  const start = offsets[0] ?? null;
  const end = offsets[offsets.length - 1] ?? null;
  const span = start !== null && end !== null ? end.timestamp - start.timestamp : 0;
  const result = (status: PartitionStatus, rule: BurrowRule, reason: string): PartitionEvaluation => ({
    status,
    rule,
    reason,
    complete,
    start,
    end,
    currentLag,
    windowSpanMs: span,
  });
  if (start === null || end === null) return result('OK', 'no-offsets', 'no commits stored for this partition');
  if (complete < opts.minimumComplete) {
    return result('OK', 'incomplete', `window ${offsets.length}/${opts.intervals} filled, below minimum-complete ${opts.minimumComplete}`);
  }
  if (currentLag <= opts.allowedLag) return result('OK', 'allowed-lag', `current lag ${currentLag} ≤ allowed lag ${opts.allowedLag}`);

  // 1. STOP, checked first: the history may be very old.
  const silent = now - end.timestamp;
  if (silent > span) {
    const caughtUp = brokerHeads.find((h) => h <= end.offset);
    if (caughtUp === undefined) {
      return result(
        'STOP',
        'stop',
        `no commit for ${fmt(silent)}, longer than the window spans (${fmt(span)}, ${offsets.length} commits); last commit offset ${end.offset}, lag ${currentLag}`,
      );
    }
  }

  // 2. REWIND: a drop not recovered by a later commit.
  for (let i = 1; i < offsets.length; i++) {
    const before = offsets[i - 1]!.offset;
    if (offsets[i]!.offset < before) {
      const recovered = offsets.slice(i + 1).some((o) => o.offset >= before);
      if (!recovered) {
        return result('REWIND', 'rewind', `committed offset went back from ${before} to ${offsets[i]!.offset} and no later commit reached ${before} again`);
      }
    }
  }

  // 3. Rule 1: lag within the allowance at any point of the window.
  const zero = offsets.find((o) => o.lag !== null && o.lag <= opts.allowedLag);
  if (zero !== undefined) {
    return result('OK', 'zero-lag-in-window', `lag was ${zero.lag} (≤ ${opts.allowedLag}) at offset ${zero.offset} within the window`);
  }

  // 4. STALL: commits, no progress.
  if (offsets.every((o) => o.offset === start.offset)) {
    return result('STALL', 'stall', `all ${offsets.length} commits in the window are at offset ${start.offset} while lag is ${currentLag}`);
  }

  // 5. WARN: offsets move but lag never decreases.
  const known = offsets.filter((o) => o.lag !== null);
  let decreased = false;
  for (let i = 1; i < known.length; i++) if (known[i]!.lag! < known[i - 1]!.lag!) decreased = true;
  if (!decreased) {
    return result('WARN', 'lag-not-decreasing', `offsets advance (${start.offset} → ${end.offset}) but lag never decreased (${known.map((o) => o.lag).join(', ')})`);
  }
  return result('OK', 'ok', `offsets advance and lag decreased within the window`);
}

export interface PartitionLagStatus extends PartitionEvaluation {
  readonly topic: string;
  readonly partition: number;
}

export interface GroupEvaluation {
  readonly status: GroupStatus;
  /** Share of partitions with a full window. */
  readonly complete: number;
  readonly partitionCount: number;
  readonly totalLag: number;
  readonly maxLag: PartitionLagStatus | null;
  readonly partitions: PartitionLagStatus[];
}

const PARTITION_RANK: Record<PartitionStatus, number> = { OK: 1, WARN: 2, STOP: 4, STALL: 5, REWIND: 6 };

export function evaluateGroup(partitions: PartitionLagStatus[]): GroupEvaluation {
  let status: GroupStatus = 'OK';
  let rank = 1;
  let maxLag: PartitionLagStatus | null = null;
  let totalLag = 0;
  let full = 0;
  for (const p of partitions) {
    const r = PARTITION_RANK[p.status];
    if (r > rank) {
      rank = r;
      status = r > 3 ? 'ERR' : 'WARN';
    }
    totalLag += p.currentLag;
    if (maxLag === null || p.currentLag > maxLag.currentLag) maxLag = p;
    if (p.complete === 1) full++;
  }
  return { status, complete: partitions.length === 0 ? 0 : full / partitions.length, partitionCount: partitions.length, totalLag, maxLag, partitions };
}
