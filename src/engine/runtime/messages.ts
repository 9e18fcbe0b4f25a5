/**
 * Control messages between the host (job manager) and a worker process. Data never
 * travels here: records go over the exchange sockets. Both sides validate the `type`
 * and ignore nothing silently: an unknown message is a protocol error.
 */
import type { JobSpec } from '../job/spec.js';
import type { SourcePosition } from '../connectors/source.js';
import type { PartRef, RestorePlan } from '../checkpoint/store.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

export interface WorkerConfig {
  readonly jobId: string;
  readonly attempt: number;
  readonly spec: JobSpec;
  readonly workerIndex: number;
  readonly parallelism: number;
  /** Folder for this attempt's exchange sockets. */
  readonly socketDir: string;
  /** Checkpoint folder (parts are written here). */
  readonly checkpointDir: string;
  /** Split ids this worker reads, with positions to resume from (undefined: start). */
  readonly splits: ReadonlyArray<{ readonly id: string; readonly position?: SourcePosition }>;
  /** Restore keyed state from this checkpoint's chain (null: fresh start). */
  readonly restore: RestorePlan | null;
  /** The checkpoint folder the plan's part files are in (another run's, for a savepoint). */
  readonly restoreDir: string | null;
  /** Fault injection for drills and tests (delay per sink record, ms). */
  readonly sinkDelayMs?: number;
  /** Fault injection: this worker SIGKILLs itself at a point of checkpoint `checkpoint`'s write path. */
  readonly crashPoint?: CrashPoint;
  /** TEST-ONLY (drill verifier proof): replace the main sink by a deliberately broken one. */
  readonly testOnlySink?: TestOnlySinkKind;
}

export type TestOnlySinkKind = 'skip-two-phase-commit';

export type CheckpointWritePoint = 'before-part-write' | 'after-part-write' | 'after-ack';
export interface CrashPoint {
  readonly checkpoint: number;
  readonly point: CheckpointWritePoint;
}

export type HostToWorker =
  | { readonly type: 'configure'; readonly config: WorkerConfig }
  /** Every worker listens: connect to the others and start processing. */
  | { readonly type: 'start' }
  | { readonly type: 'trigger-checkpoint'; readonly checkpoint: number; readonly full: boolean }
  | { readonly type: 'checkpoint-complete'; readonly checkpoint: number }
  | { readonly type: 'checkpoint-aborted'; readonly checkpoint: number }
  /** Input ended everywhere and was flushed: stage the final output under `checkpoint`. */
  | { readonly type: 'final-commit'; readonly checkpoint: number }
  | { readonly type: 'set-sink-delay'; readonly delayMs: number }
  | { readonly type: 'set-source-paused'; readonly paused: boolean }
  | { readonly type: 'lookup-key'; readonly requestId: number; readonly key: string }
  | { readonly type: 'shutdown' };

export interface CheckpointAck {
  readonly checkpoint: number;
  readonly part: PartRef;
  readonly syncMs: number;
  readonly asyncMs: number;
  readonly alignmentMs: number;
  readonly numKeys: number;
  readonly stateBytes: number;
}

export type WorkerToHost =
  | { readonly type: 'listening' }
  | { readonly type: 'running'; readonly restoredKeys: number; readonly restoreMs: number; readonly restoreBytes: number }
  | { readonly type: 'checkpoint-ack'; readonly ack: CheckpointAck }
  | { readonly type: 'checkpoint-declined'; readonly checkpoint: number; readonly reason: string }
  /** This worker's sources ended and every stage saw the end of input. */
  | { readonly type: 'input-finished' }
  | { readonly type: 'final-staged'; readonly checkpoint: number }
  | { readonly type: 'metrics'; readonly metrics: WorkerMetrics }
  | { readonly type: 'key-state'; readonly requestId: number; readonly state: Record<string, unknown> }
  | { readonly type: 'failed'; readonly error: string };

/** How a worker talks to its host (process.send under child_process, parentPort in the app). */
export interface HostPort {
  send(msg: WorkerToHost): void;
}
