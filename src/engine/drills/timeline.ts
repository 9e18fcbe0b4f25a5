/**
 * The drill's timeline: once a second, from the workers' latest metrics, the source
 * throughput, the lag behind the workload's offered rate, the watermark, backpressure and
 * busy time; plus markers (faults, failures, restarts, catch-ups, checkpoints, guards).
 *
 * Lag: the generator offers `rate` records/s from the moment an attempt's sources open,
 * and after a stall it catches up with that schedule. So lag = (records the current
 * attempt should have read by now at the offered rate − records it read) / rate, in ms,
 * measured from the attempt's first metrics report. It grows when the job cannot keep up
 * (backpressure, a stalled source) and shrinks when it catches up.
 */
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

export interface TimelineSample {
  /** ms since the drill started. */
  t: number;
  state: string;
  /** Source records read per second, all workers (null: no worker has reported yet). */
  throughput: number | null;
  lagMs: number | null;
  /** Min watermark over the workers' last stage, as ms of event time since the workload's start. */
  watermarkMs: number | null;
  /** Max over workers of back-pressured ms per second. */
  backpressureMsPerSec: number;
  /** Max over workers of busy ms per second. */
  busyMsPerSec: number;
  /** Records read by the current attempt. */
  attemptRecords: number;
}

export type MarkerKind = 'fault' | 'failure' | 'restart' | 'caught-up' | 'checkpoint' | 'checkpoint-failed' | 'guard' | 'fallback';

export interface TimelineMarker {
  t: number;
  kind: MarkerKind;
  label: string;
  value?: number;
}

interface WorkerBaseline {
  pid: number;
  firstTs: number;
  firstRead: number;
  lastRead: number;
  lastBp: number;
  lastBusy: number;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

export class Timeline {
  readonly samples: TimelineSample[] = [];
  readonly markers: TimelineMarker[] = [];
  private readonly latest = new Map<number, WorkerMetrics>();
  private readonly base = new Map<number, WorkerBaseline>();
  private lastSampleAt: number;

  constructor(
    readonly startedAt: number,
    private readonly rate: number,
    private readonly startTs: number,
  ) {
    this.lastSampleAt = startedAt;
  }

  now(): number {
    return Date.now() - this.startedAt;
  }

  onMetrics(m: WorkerMetrics): void {
    this.latest.set(m.worker, m);
  }

  /** Forget the old attempt's workers (a restart began). */
  resetWorkers(): void {
    this.latest.clear();
  }

  mark(kind: MarkerKind, label: string, value?: number, at = Date.now()): void {
    this.markers.push({ t: at - this.startedAt, kind, label, ...(value !== undefined ? { value } : {}) });
  }

  sample(state: string): TimelineSample {
    const at = Date.now();
    const dt = Math.max(1, at - this.lastSampleAt) / 1000;
    this.lastSampleAt = at;
    let read = 0;
    let delta = 0;
    let bp = 0;
    let busy = 0;
    let lagRecords = 0;
    let lagKnown = false;
    let wm: number | null = null;
    let allEnded = this.latest.size > 0;
    for (const m of this.latest.values()) {
      const r = m.subtasks[0]?.numRecordsIn ?? 0;
      const bpNow = sum(m.subtasks.map((s) => s.backPressuredTimeMs));
      const busyNow = sum(m.subtasks.map((s) => s.busyTimeMs));
      let b = this.base.get(m.worker);
      if (b === undefined || b.pid !== m.pid) {
        b = { pid: m.pid, firstTs: m.ts, firstRead: r, lastRead: 0, lastBp: 0, lastBusy: 0 };
        this.base.set(m.worker, b);
      }
      read += r;
      delta += r - b.lastRead;
      bp = Math.max(bp, (bpNow - b.lastBp) / dt);
      busy = Math.max(busy, (busyNow - b.lastBusy) / dt);
      b.lastRead = r;
      b.lastBp = bpNow;
      b.lastBusy = busyNow;
      if (!m.source.ended) allEnded = false;
      if (m.source.splits > 0) {
        const share = (this.rate * m.source.splits) / Math.max(1, this.totalSplits());
        lagRecords += Math.max(0, (share * (at - b.firstTs)) / 1000 - (r - b.firstRead));
        lagKnown = true;
      }
      const w = m.subtasks[m.subtasks.length - 1]?.currentInputWatermark ?? null;
      if (w !== null && Number.isFinite(w)) wm = wm === null ? w : Math.min(wm, w);
    }
    const s: TimelineSample = {
      t: at - this.startedAt,
      state,
      throughput: this.latest.size === 0 ? null : Math.round(delta / dt),
      lagMs: allEnded ? 0 : lagKnown ? Math.round((lagRecords / this.rate) * 1000) : null,
      watermarkMs: wm === null ? null : wm - this.startTs,
      backpressureMsPerSec: Math.round(Math.min(1000, bp)),
      busyMsPerSec: Math.round(Math.min(1000, busy)),
      attemptRecords: read,
    };
    this.samples.push(s);
    return s;
  }

  private totalSplits(): number {
    return sum([...this.latest.values()].map((m) => m.source.splits));
  }
}
