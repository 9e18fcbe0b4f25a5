/**
 * Turns the workers' cumulative metrics (about one report per worker per second) into one
 * job snapshot per tick: per-second rates from consecutive reports of the same process,
 * per-stage sums (records) and maxima (busy / back-pressured ratios, as Flink's job graph
 * shows the worst subtask), and the state statistics of all workers merged.
 *
 * A restarted worker is a new process: its counters start again at zero, so a rate is
 * only derived from two reports with the same pid.
 */
import type { SubtaskMetrics, WorkerMetrics } from '../metrics/worker-metrics.js';
import type { WorkerInfo } from '../runtime/job-manager.js';
import type { JobSnapshot, JobState, OperatorMetrics, StateSnapshot, WorkerSnapshot } from '../../shared/api.js';
import { backpressureLevel } from './convert.js';
import type { JobSpec } from '../job/spec.js';
import { mergeLatency, mergeOverload } from '../metrics/job-summary.js';
import { mergeStateStats } from '../state/memory-backend.js';

interface StageRates {
  recordsInPerSec: number;
  recordsOutPerSec: number;
  busyRatio: number;
  idleRatio: number;
  backPressuredRatio: number;
}

interface WorkerRates {
  readonly pid: number;
  readonly ts: number;
  readonly stages: StageRates[];
  readonly cpuPercent: number | null;
  readonly gcMsPerSec: number | null;
}

/** A report older than this no longer stands for "now": its rates read as zero. */
const STALE_MS = 3500;
const TOP_KEYS = 20;

const finiteOrNull = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);
const clamp01 = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

function stageRates(cur: SubtaskMetrics, prev: SubtaskMetrics | undefined, dtMs: number): StageRates {
  if (prev === undefined || dtMs <= 0) return { recordsInPerSec: 0, recordsOutPerSec: 0, busyRatio: 0, idleRatio: 0, backPressuredRatio: 0 };
  const d = (a: number, b: number): number => Math.max(0, a - b);
  return {
    recordsInPerSec: (d(cur.numRecordsIn, prev.numRecordsIn) * 1000) / dtMs,
    recordsOutPerSec: (d(cur.numRecordsOut, prev.numRecordsOut) * 1000) / dtMs,
    busyRatio: clamp01(d(cur.busyTimeMs, prev.busyTimeMs) / dtMs),
    idleRatio: clamp01(d(cur.idleTimeMs, prev.idleTimeMs) / dtMs),
    backPressuredRatio: clamp01(d(cur.backPressuredTimeMs, prev.backPressuredTimeMs) / dtMs),
  };
}

export class MetricsAggregator {
  /** Latest two reports per worker index (same pid), for rates. */
  private readonly latest = new Map<number, WorkerMetrics>();
  private readonly previous = new Map<number, WorkerMetrics>();
  private readonly rates = new Map<number, WorkerRates>();

  constructor(
    private readonly jobId: string,
    private readonly stageNames: readonly string[],
    /** How the job feeds its sources (for the snapshot's execution and overload fields). */
    private readonly feed?: Pick<JobSpec, 'execution' | 'overload'>,
  ) {}

  /** Feed every `metrics` event of the job manager here. */
  onWorkerMetrics(m: WorkerMetrics): void {
    const last = this.latest.get(m.worker);
    if (last !== undefined && last.pid === m.pid && m.ts <= last.ts) return;
    if (last !== undefined && last.pid === m.pid) this.previous.set(m.worker, last);
    else this.previous.delete(m.worker);
    this.latest.set(m.worker, m);
    const prev = this.previous.get(m.worker);
    if (prev === undefined) {
      this.rates.delete(m.worker);
      return;
    }
    const dt = m.ts - prev.ts;
    this.rates.set(m.worker, {
      pid: m.pid,
      ts: m.ts,
      stages: m.subtasks.map((s) => stageRates(s, prev.subtasks.find((p) => p.stage === s.stage), dt)),
      cpuPercent: dt > 0 ? Math.max(0, ((m.cpuMs - prev.cpuMs) * 100) / dt) : null,
      gcMsPerSec: dt > 0 ? Math.max(0, ((m.gcTimeMs - prev.gcTimeMs) * 1000) / dt) : null,
    });
  }

  snapshot(now: number, state: JobState, workers: readonly WorkerInfo[]): JobSnapshot {
    const live: { info: WorkerInfo; m: WorkerMetrics | null; r: WorkerRates | null }[] = workers.map((info) => {
      const m = this.latest.get(info.index);
      const cur = m !== undefined && m.pid === info.pid ? m : null;
      const r = this.rates.get(info.index);
      const fresh = r !== undefined && r.pid === info.pid && now - r.ts <= STALE_MS && info.status === 'running' ? r : null;
      return { info, m: cur, r: fresh };
    });

    const stageCount = Math.max(this.stageNames.length, ...live.map((w) => w.m?.subtasks.length ?? 0));
    const operators: OperatorMetrics[] = [];
    for (let s = 0; s < stageCount; s++) {
      let inRate = 0;
      let outRate = 0;
      let busy = 0;
      let bp = 0;
      let idleSum = 0;
      let idleN = 0;
      let wm: number | null = null;
      let inQ = 0;
      let outQ = 0;
      let late = 0;
      let dead = 0;
      for (const w of live) {
        const sub = w.m?.subtasks.find((x) => x.stage === s);
        const rate = w.r?.stages[w.m?.subtasks.findIndex((x) => x.stage === s) ?? -1];
        if (rate !== undefined) {
          inRate += rate.recordsInPerSec;
          outRate += rate.recordsOutPerSec;
          busy = Math.max(busy, rate.busyRatio);
          bp = Math.max(bp, rate.backPressuredRatio);
          idleSum += rate.idleRatio;
          idleN++;
        }
        if (sub !== undefined) {
          const cw = finiteOrNull(sub.currentInputWatermark);
          if (cw !== null) wm = wm === null ? cw : Math.min(wm, cw);
          inQ += sub.inputQueueLength;
          outQ += sub.outputQueueLength;
          late += sub.numLateRecordsDropped;
          dead += sub.numDeadLetters;
        }
      }
      operators.push({
        stage: s,
        name: this.stageNames[s] ?? `stage ${s}`,
        recordsInPerSec: inRate,
        recordsOutPerSec: outRate,
        busyRatio: busy,
        idleRatio: idleN > 0 ? idleSum / idleN : 0,
        backPressuredRatio: bp,
        backpressure: backpressureLevel(bp),
        watermark: wm,
        inputQueueLength: inQ,
        outputQueueLength: outQ,
        lateRecordsDropped: late,
        deadLetters: dead,
      });
    }

    let lag: number | null = null;
    let backlog: number | null = null;
    let done = 0;
    let total = 0;
    let hasProgress = false;
    let recordsIn = 0;
    for (const w of live) {
      if (w.m === null) continue;
      const src = w.m.source;
      const l = finiteOrNull(src.eventTimeLagMs);
      if (l !== null) lag = lag === null ? l : Math.max(lag, l);
      const b = finiteOrNull(src.backlogRecords);
      if (b !== null) backlog = (backlog ?? 0) + b;
      if (src.progress !== null) {
        hasProgress = true;
        done += src.progress.done;
        total += src.progress.total;
      }
      recordsIn += w.m.subtasks[0]?.numRecordsIn ?? 0;
    }

    const workerRows: WorkerSnapshot[] = live.map(({ info, m, r }) => ({
      index: info.index,
      pid: info.pid,
      attempt: info.attempt,
      status: info.status,
      keyGroups: m === null ? null : { start: m.keyGroups.start, end: m.keyGroups.end },
      heapUsedBytes: m?.heapUsedBytes ?? null,
      rssBytes: m?.rssBytes ?? null,
      cpuPercent: r?.cpuPercent ?? null,
      gcMsPerSec: r?.gcMsPerSec ?? null,
      eventLoopP99Ms: finiteOrNull(m?.eventLoopDelayMs.p99),
      recordsInPerSec: r === null ? null : (r.stages[0]?.recordsInPerSec ?? 0),
    }));

    const last = operators[operators.length - 1];
    return {
      jobId: this.jobId,
      ts: now,
      state,
      recordsInPerSec: operators[0]?.recordsInPerSec ?? 0,
      recordsOutPerSec: last?.recordsOutPerSec ?? 0,
      recordsIn,
      sourceLagMs: lag,
      backlogRecords: backlog,
      watermark: last?.watermark ?? null,
      progress: hasProgress ? { done, total } : null,
      operators,
      workers: workerRows,
      keyedState: this.mergedState(live.map((w) => w.m)),
      ...(this.feed === undefined
        ? {}
        : {
            executionMode: this.feed.execution.mode,
            latency: mergeLatency(live.map((w) => w.m)),
            overload: mergeOverload(this.feed.overload, live.map((w) => w.m)),
          }),
    };
  }

  /** State statistics of all workers (each measured at its last checkpoint), merged. */
  private mergedState(metrics: readonly (WorkerMetrics | null)[]): StateSnapshot | null {
    const parts = metrics.map((m) => m?.state ?? null).filter((s) => s !== null);
    if (parts.length === 0) return null;
    const m = mergeStateStats(parts, TOP_KEYS);
    return {
      numKeys: m.numKeys,
      bytes: m.bytes,
      bytesPerOperator: Object.entries(m.bytesPerOperator).map(([operator, b]) => ({ operator, bytes: b })).sort((a, b) => b.bytes - a.bytes),
      bytesPerKeyGroup: Object.entries(m.bytesPerKeyGroup).map(([kg, b]) => ({ keyGroup: Number(kg), bytes: b })).sort((a, b) => a.keyGroup - b.keyGroup),
      topKeys: m.topKeys.map((k) => ({ operator: k.operator, key: String(k.key).slice(0, 1024), bytes: k.bytes })),
      sizeHistogram: Object.entries(m.sizeHistogram).map(([ub, c]) => ({ upToBytes: Number(ub), count: c })).sort((a, b) => a.upToBytes - b.upToBytes),
    };
  }
}
