/**
 * What a worker reports about itself about once a second. Names follow Flink's metrics
 * where Flink has one (numRecordsIn, busyTimeMsPerSecond, backPressuredTimeMsPerSecond,
 * currentInputWatermark, numLateRecordsDropped…); counters are cumulative since the
 * worker started, the host derives per-second rates from consecutive snapshots.
 */
import type { StateStats } from '../state/memory-backend.js';

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
}
