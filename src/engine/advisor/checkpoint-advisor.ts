/**
 * The checkpoint advisor: from what a job measured (checkpoint pauses and durations, state
 * size, input rate, how its failures recovered) it shows the trade-off an interval makes —
 * time paused for checkpoints, records replayed after a failure, and time until the job is
 * caught up again — at the current interval and at others, and which interval costs least.
 *
 * The model, per interval I (all figures are estimates; `basis` says which inputs were
 * measured and which assumed):
 * - a checkpoint cannot start before the previous one ended: effective interval
 *   E = max(I, checkpoint duration + minPause);
 * - overhead = pause per checkpoint / E, where the pause is alignment + synchronous snapshot
 *   (the time a task stops processing; the asynchronous part runs beside it);
 * - a failure lands uniformly within an interval, so on average E/2 + duration of input
 *   since the last completed checkpoint is replayed (at most E + duration);
 * - recovery = detect + restart + restore (state size / measured restore speed) + catch-up,
 *   where catch-up drains the replayed records plus what arrived during the outage at the
 *   spare rate (replay capacity − input rate); no spare capacity means it never catches up;
 * - expected cost per hour = overhead × 1 h + failures per hour × mean recovery.
 */

export interface AdvisorCheckpoint {
  readonly durationMs: number;
  readonly syncMs: number;
  readonly alignmentMs: number;
  readonly fullSizeBytes: number;
}

export interface AdvisorFailure {
  readonly detectMs: number | null;
  readonly restartMs: number | null;
  readonly restoreMs: number | null;
  readonly restoreBytes: number | null;
  readonly caughtUpMs: number | null;
  readonly recordsReplayed: number | null;
}

export interface AdvisorInput {
  /** null: checkpoints are off. */
  readonly intervalMs: number | null;
  readonly minPauseMs: number;
  /** Completed checkpoints, oldest first. */
  readonly checkpoints: readonly AdvisorCheckpoint[];
  /** Mean measured input rate while running (records/s). */
  readonly inputRatePerSec: number | null;
  /** Highest measured processing rate (records/s): the replay capacity when no failure measured one. */
  readonly peakRatePerSec: number | null;
  readonly failures: readonly AdvisorFailure[];
  /** How long the job has run (for the failure rate). */
  readonly runMs: number;
  /** The source reads at a fixed rate (a throttled generator), so it cannot replay faster. */
  readonly sourceRateLimited?: boolean;
}

export interface AdvisorOption {
  readonly intervalMs: number;
  readonly current: boolean;
  readonly effectiveIntervalMs: number;
  readonly overheadPct: number;
  readonly replayRecordsAvg: number;
  readonly replayRecordsMax: number;
  /** Failure → caught up, mean and worst case; null: never catches up (no spare capacity). */
  readonly recoveryMsAvg: number | null;
  readonly recoveryMsMax: number | null;
  /** ms per hour lost to checkpoint pauses and recoveries; null when recovery never ends. */
  readonly expectedCostMsPerHour: number | null;
}

export interface CheckpointAdvice {
  readonly basis: {
    readonly intervalMs: number | null;
    readonly checkpointsMeasured: number;
    readonly durationMsP50: number;
    readonly pauseMsP50: number;
    readonly stateBytes: number;
    readonly inputRatePerSec: number;
    readonly replayRatePerSec: number;
    readonly replayRateMeasured: boolean;
    readonly detectMs: number;
    readonly restartMs: number;
    readonly restoreBytesPerMs: number;
    readonly restoreSpeedMeasured: boolean;
    readonly failuresObserved: number;
    readonly failuresPerHour: number;
    readonly failureRateMeasured: boolean;
  };
  readonly options: readonly AdvisorOption[];
  readonly recommendation: { readonly intervalMs: number; readonly reason: string } | null;
  readonly notes: readonly string[];
}

const CANDIDATES_MS = [500, 1_000, 5_000, 10_000, 30_000, 60_000, 300_000];
/** Assumptions when the job has not measured them yet (each is named in the notes). */
const ASSUMED = { detectMs: 1_000, restartMs: 2_000, restoreBytesPerMs: 50_000, failuresPerHour: 1 / 24, overheadCapPct: 10 };

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};
const meanOf = (xs: readonly (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
};

export function adviseCheckpoints(input: AdvisorInput): CheckpointAdvice | null {
  if (input.checkpoints.length === 0 || input.inputRatePerSec === null || input.inputRatePerSec <= 0) return null;
  const notes: string[] = [];
  const durationP50 = median(input.checkpoints.map((c) => c.durationMs));
  const pauseP50 = median(input.checkpoints.map((c) => c.alignmentMs + c.syncMs));
  const stateBytes = input.checkpoints[input.checkpoints.length - 1]!.fullSizeBytes;
  const rate = input.inputRatePerSec;

  // Replay capacity: measured from recoveries (records replayed over the catch-up phase).
  const replayRates = input.failures
    .map((f) => {
      if (f.caughtUpMs === null || f.recordsReplayed === null || f.recordsReplayed <= 0) return null;
      const catchUpMs = f.caughtUpMs - (f.detectMs ?? 0) - (f.restartMs ?? 0) - (f.restoreMs ?? 0);
      return catchUpMs > 0 ? (f.recordsReplayed * 1000) / catchUpMs : null;
    })
    .filter((x): x is number => x !== null);
  const measuredReplay = replayRates.length > 0 ? median(replayRates) : null;
  const replayRate = Math.max(measuredReplay ?? input.peakRatePerSec ?? rate, rate);
  if (measuredReplay === null) notes.push(`replay capacity assumed to be the highest measured processing rate (${Math.round(replayRate)} records/s); no recovery has measured it yet`);

  const detect = meanOf(input.failures.map((f) => f.detectMs));
  const restart = meanOf(input.failures.map((f) => f.restartMs));
  const restoreSpeeds = input.failures.filter((f) => f.restoreMs !== null && f.restoreMs > 0 && (f.restoreBytes ?? 0) > 0).map((f) => f.restoreBytes! / f.restoreMs!);
  const restoreSpeed = restoreSpeeds.length > 0 ? median(restoreSpeeds) : ASSUMED.restoreBytesPerMs;
  if (detect === null) notes.push(`failure detection assumed ${ASSUMED.detectMs} ms and restart ${ASSUMED.restartMs} ms; no failure measured them yet`);
  if (restoreSpeeds.length === 0) notes.push(`restore speed assumed ${Math.round(ASSUMED.restoreBytesPerMs / 1000)} MB/s; no restore measured it yet`);
  const hours = input.runMs / 3_600_000;
  const failureRateMeasured = input.failures.length > 0 && hours > 0;
  const failuresPerHour = failureRateMeasured ? input.failures.length / hours : ASSUMED.failuresPerHour;
  if (!failureRateMeasured) notes.push('no failure yet: the expected cost assumes one failure a day');
  else if (hours < 1) notes.push(`failure rate measured over ${Math.round(input.runMs / 1000)} s of running (${input.failures.length} failure(s)); a drill's injected faults make it high on purpose`);

  const downtimeMs = (detect ?? ASSUMED.detectMs) + (restart ?? ASSUMED.restartMs) + stateBytes / restoreSpeed;
  const spare = replayRate - rate;
  // A rate-limited source (a drill's generator) replays at its own rate: then a failure costs
  // the time to read the lost input again (what the engine reports as "caught up"), not a
  // catch-up with new input. Without a rate limit and without spare capacity, it never ends.
  const rateLimited = input.sourceRateLimited === true;
  const recovery = (replayRecords: number): number | null => {
    if (spare > 0) return downtimeMs + ((replayRecords + (rate * downtimeMs) / 1000) / spare) * 1000;
    return rateLimited ? downtimeMs + (replayRecords / replayRate) * 1000 : null;
  };
  if (spare <= 0 && rateLimited) notes.push(`the source is rate-limited to ${Math.round(rate)} records/s and replays at that rate: recovery is counted until the lost input is read again`);
  else if (spare <= 0) notes.push('the job has no spare capacity over its input rate: after a failure it would never catch up');

  const current = input.intervalMs;
  if (current === null) notes.push('checkpoints are off: a failure replays the input from the beginning');
  const intervals = [...new Set([...CANDIDATES_MS, ...(current !== null ? [current] : [])])].sort((a, b) => a - b);
  const options: AdvisorOption[] = intervals.map((intervalMs) => {
    const effective = Math.max(intervalMs, durationP50 + input.minPauseMs);
    const overheadPct = (pauseP50 / effective) * 100;
    const replayAvg = (rate * (effective / 2 + durationP50)) / 1000;
    const replayMax = (rate * (effective + durationP50)) / 1000;
    const recAvg = recovery(replayAvg);
    const recMax = recovery(replayMax);
    return {
      intervalMs,
      current: intervalMs === current,
      effectiveIntervalMs: effective,
      overheadPct,
      replayRecordsAvg: Math.round(replayAvg),
      replayRecordsMax: Math.round(replayMax),
      recoveryMsAvg: recAvg === null ? null : Math.round(recAvg),
      recoveryMsMax: recMax === null ? null : Math.round(recMax),
      expectedCostMsPerHour: recAvg === null ? null : Math.round(overheadPct * 36_000 + failuresPerHour * recAvg),
    };
  });
  if (current !== null && durationP50 + input.minPauseMs > current) {
    notes.push(`checkpoints take ${Math.round(durationP50)} ms (median), longer than the ${current} ms interval: they run back to back, every ${Math.round(durationP50 + input.minPauseMs)} ms`);
  }

  const affordable = options.filter((o) => o.expectedCostMsPerHour !== null && o.overheadPct <= ASSUMED.overheadCapPct);
  const best = affordable.sort((a, b) => a.expectedCostMsPerHour! - b.expectedCostMsPerHour! || a.intervalMs - b.intervalMs)[0];
  const recommendation =
    best === undefined
      ? null
      : {
          intervalMs: best.intervalMs,
          reason:
            best.current
              ? `the current interval costs least: ${fmtMs(best.expectedCostMsPerHour!)} per hour in pauses and recoveries`
              : `${fmtMs(best.expectedCostMsPerHour!)} per hour in pauses and recoveries${currentCost(options)}; overhead ${best.overheadPct.toFixed(1)} %, ${best.replayRecordsAvg.toLocaleString('en-US')} records replayed on average`,
        };
  return {
    basis: {
      intervalMs: current,
      checkpointsMeasured: input.checkpoints.length,
      durationMsP50: Math.round(durationP50),
      pauseMsP50: Math.round(pauseP50 * 10) / 10,
      stateBytes,
      inputRatePerSec: Math.round(rate),
      replayRatePerSec: Math.round(replayRate),
      replayRateMeasured: measuredReplay !== null,
      detectMs: Math.round(detect ?? ASSUMED.detectMs),
      restartMs: Math.round(restart ?? ASSUMED.restartMs),
      restoreBytesPerMs: Math.round(restoreSpeed),
      restoreSpeedMeasured: restoreSpeeds.length > 0,
      failuresObserved: input.failures.length,
      failuresPerHour: Math.round(failuresPerHour * 1000) / 1000,
      failureRateMeasured,
    },
    options,
    recommendation,
    notes,
  };
}

function currentCost(options: readonly AdvisorOption[]): string {
  const c = options.find((o) => o.current);
  if (c === undefined) return '';
  return c.expectedCostMsPerHour === null ? ' (the current interval never catches up)' : ` (now ${fmtMs(c.expectedCostMsPerHour)})`;
}

export function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** The advice as a header and rows of text (drill reports in HTML and Markdown). */
export function adviceRows(a: CheckpointAdvice): { summary: string; header: string[]; rows: string[][] } {
  const b = a.basis;
  const m = (yes: boolean): string => (yes ? 'measured' : 'assumed');
  const summary =
    `${a.recommendation ? `Recommended interval: ${fmtMs(a.recommendation.intervalMs)} — ${a.recommendation.reason}. ` : ''}` +
    `From ${b.checkpointsMeasured} checkpoints (median ${fmtMs(b.durationMsP50)}, paused ${fmtMs(b.pauseMsP50)}), ${Math.round(b.stateBytes / 1024)} KiB of state, ${b.inputRatePerSec} records/s in, ` +
    `replay ${b.replayRatePerSec} records/s (${m(b.replayRateMeasured)}), restore ${fmtBytesPerSec(b.restoreBytesPerMs * 1000)} (${m(b.restoreSpeedMeasured)}), ${b.failuresPerHour} failures/hour (${m(b.failureRateMeasured)}).`;
  const rows = a.options.map((o) => [
    `${fmtMs(o.intervalMs)}${o.current ? ' (now)' : ''}`,
    `${o.overheadPct.toFixed(2)} %`,
    `${o.replayRecordsAvg} / ${o.replayRecordsMax}`,
    o.recoveryMsAvg === null ? 'never' : `${fmtMs(o.recoveryMsAvg)} / ${fmtMs(o.recoveryMsMax!)}`,
    o.expectedCostMsPerHour === null ? '—' : fmtMs(o.expectedCostMsPerHour),
  ]);
  return { summary, header: ['interval', 'overhead', 'replayed avg / max', 'recovery avg / max', 'cost per hour'], rows };
}

function fmtBytesPerSec(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} MB/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} kB/s`;
  return `${Math.round(v)} B/s`;
}
