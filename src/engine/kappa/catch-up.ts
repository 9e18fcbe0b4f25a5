/**
 * Catch-up progress of a version replaying its log: records behind the end of the input
 * (the sources' backlog), the read rate, the net catch-up rate (how fast "behind"
 * shrinks while new input keeps arriving) and the time to catch up at that rate.
 */
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

export interface CatchUpProgress {
  /** Records behind the end of the input over all partitions; null until every worker reported. */
  behind: number | null;
  /** Records read so far. */
  read: number;
  /** Records read per second (over the last few seconds). */
  readRate: number;
  /** How fast `behind` shrinks, records per second (negative: falling behind). */
  catchUpRate: number;
  /** Estimated time to catch up at `catchUpRate`; null when not catching up (or unknown). */
  etaMs: number | null;
  caughtUp: boolean;
}

interface Sample {
  t: number;
  behind: number;
  read: number;
}

const WINDOW_MS = 5_000;

export class CatchUpTracker {
  private readonly latest = new Map<number, WorkerMetrics>();
  private readonly samples: Sample[] = [];

  /**
   * @param workers the version's parallelism (a sample needs every worker's report)
   * @param caughtUpRecords behind at most this many records (or one second of reading, if more) counts as caught up
   */
  constructor(
    private readonly workers: number,
    private readonly caughtUpRecords = 500,
  ) {}

  onMetrics(m: WorkerMetrics): void {
    this.latest.set(m.worker, m);
  }

  /** The progress as of the workers' latest reports (rates from their report times, not the caller's). */
  sample(): CatchUpProgress {
    let behind: number | null = this.latest.size >= this.workers ? 0 : null;
    let read = 0;
    let now = 0;
    for (const m of this.latest.values()) {
      read += m.subtasks[0]?.numRecordsIn ?? 0;
      now = Math.max(now, m.ts);
      if (behind !== null) behind = m.source.backlogRecords === null ? null : behind + m.source.backlogRecords;
    }
    // A sample per new report: repeating a stale one would flatten the rates.
    if (behind !== null && now > (this.samples.at(-1)?.t ?? 0)) this.samples.push({ t: now, behind, read });
    while (this.samples.length > 2 && now - this.samples[0]!.t > WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    let readRate = 0;
    let catchUpRate = 0;
    if (first && last && last.t > first.t) {
      const dt = (last.t - first.t) / 1000;
      readRate = (last.read - first.read) / dt;
      catchUpRate = (first.behind - last.behind) / dt;
    }
    const caughtUp = behind !== null && behind <= Math.max(this.caughtUpRecords, readRate);
    const etaMs = behind === null ? null : caughtUp ? 0 : catchUpRate > 0 ? Math.round((behind / catchUpRate) * 1000) : null;
    return { behind, read, readRate, catchUpRate, etaMs, caughtUp };
  }
}
