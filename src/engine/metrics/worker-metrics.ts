/**
 * What a worker reports about itself about once a second. Names follow Flink's metrics
 * where Flink has one (numRecordsIn, busyTimeMsPerSecond, backPressuredTimeMsPerSecond,
 * currentInputWatermark, numLateRecordsDropped…); counters are cumulative since the
 * worker started, the host derives per-second rates from consecutive snapshots.
 */
import type { StateStats } from '../state/memory-backend.js';
import type { LatencyBuckets } from './latency-histogram.js';

export interface SubtaskMetrics {
  /** `stage<k>`: the chain of operators the stage runs. */
  readonly stage: number;
  readonly operators: readonly string[];
  readonly numRecordsIn: number;
  readonly numRecordsOut: number;
  readonly numBytesIn: number;
  readonly busyTimeMs: number;
  readonly idleTimeMs: number;
  readonly backPressuredTimeMs: number;
  /** Input frames queued / output frames waiting for credit. */
  readonly inputQueueLength: number;
  readonly outputQueueLength: number;
  readonly inputBufferBytes: number;
  readonly currentInputWatermark: number | null;
  readonly numLateRecordsDropped: number;
  readonly numLateRecordsToSideOutput: number;
  readonly numDeadLetters: number;
}

export interface SourceMetrics {
  readonly splits: number;
  /** Records behind the end of the input (when the source knows), summed over splits. */
  readonly backlogRecords: number | null;
  /** Now − event time of the newest record read (event-time lag), ms. */
  readonly eventTimeLagMs: number | null;
  readonly progress: { readonly done: number; readonly total: number } | null;
  readonly ended: boolean;
}

export interface WorkerMetrics {
  readonly worker: number;
  readonly pid: number;
  readonly ts: number;
  readonly heapUsedBytes: number;
  readonly rssBytes: number;
  /** Cumulative CPU time (user + system), ms. */
  readonly cpuMs: number;
  readonly gcTimeMs: number;
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly keyGroups: { readonly start: number; readonly end: number };
  readonly subtasks: readonly SubtaskMetrics[];
  readonly source: SourceMetrics;
  /** Measured at the last checkpoint (or on demand when checkpoints are off). */
  readonly state: StateStats | null;
  /**
   * End-to-end latency since this worker started: latency markers stamped at source read,
   * measured when the sink has written the records before them (null: no sink stage here
   * has measured one yet). Buckets so the host can merge workers before taking quantiles.
   */
  readonly latency: { readonly buckets: LatencyBuckets; readonly samples: number; readonly maxMs: number } | null;
  /** `overload.strategy: shed`: the input queue now and the records dropped so far, per priority. */
  readonly overload: OverloadMetrics | null;
}

export interface OverloadMetrics {
  /** Records read but not yet taken by the pipeline. */
  readonly queued: number;
  readonly shedTotal: number;
  /** priority (as a string key) → records dropped. */
  readonly shedByPriority: Readonly<Record<string, number>>;
}
