/**
 * The per-worker records the scheduler loop works on: a Stage (this worker's subtask of one
 * stage of the plan) and a SplitState (one source split it reads), and the metrics each
 * reports once a second under Flink's names.
 */
import type { SplitReader } from '../connectors/source.js';
import type { Operator, OperatorCounters } from '../operators/operator.js';
import type { KeyByOperator } from '../operators/stateless.js';
import type { StateBackend } from '../state/keyed-state.js';
import type { SplitWatermark } from '../time/watermarks.js';
import type { SubtaskMetrics, WorkerMetrics } from '../metrics/worker-metrics.js';
import type { OperatorChain } from './chain.js';
import type { InputGate } from './channels.js';
import { ExchangeOutput, SinkOutput, type SideOutputs, type StageOutput } from './outputs.js';

export interface Stage {
  readonly index: number;
  readonly chain: OperatorChain;
  readonly operators: Operator[];
  readonly operatorNames: readonly string[];
  readonly backend: StateBackend;
  readonly counters: OperatorCounters;
  readonly sides: SideOutputs;
  output: StageOutput;
  gate: InputGate | null;
  /** The keyBy of the exchange feeding this stage: recomputes keys of frames from other workers. */
  inboundKeyBy: KeyByOperator | null;
  channelWatermarks: number[];
  channelEnded: boolean[];
  inputWatermark: number;
  ended: boolean;
  /** Barrier alignment in progress. */
  aligning: { checkpoint: number; arrived: boolean[]; count: number; startedAt: number } | null;
  m: { recordsIn: number; bytesIn: number; busyMs: number; idleMs: number; backPressuredMs: number; blockedSince: number | null; idleSince: number | null };
}

export interface SplitState {
  readonly id: string;
  readonly reader: SplitReader;
  readonly watermark: SplitWatermark;
  ended: boolean;
  /** Records of this split waiting in the shed queue: its end counts for the watermark once they left. */
  queued: number;
}

/** One stage's counters at time `t` (performance.now()); open idle/blocked intervals are closed at `t` so the numbers are current. */
export function subtaskMetrics(st: Stage, t: number): SubtaskMetrics {
  if (st.m.idleSince !== null) {
    st.m.idleMs += t - st.m.idleSince;
    st.m.idleSince = t;
  }
  if (st.m.blockedSince !== null) {
    st.m.backPressuredMs += t - st.m.blockedSince;
    st.m.blockedSince = t;
  }
  return {
    stage: st.index,
    operators: st.operatorNames,
    numRecordsIn: st.m.recordsIn,
    numRecordsOut: st.output instanceof ExchangeOutput || st.output instanceof SinkOutput ? st.output.recordsOut : 0,
    numBytesIn: st.m.bytesIn,
    busyTimeMs: st.m.busyMs,
    idleTimeMs: st.m.idleMs,
    backPressuredTimeMs: st.m.backPressuredMs,
    inputQueueLength: st.gate?.pending ?? 0,
    outputQueueLength: st.output.queueLength(),
    inputBufferBytes: st.gate?.pendingBytes ?? 0,
    currentInputWatermark: Number.isFinite(st.inputWatermark) ? st.inputWatermark : st.inputWatermark > 0 ? Number.MAX_SAFE_INTEGER : null,
    numLateRecordsDropped: st.counters.numLateRecordsDropped,
    numLateRecordsToSideOutput: st.counters.numLateRecordsToSideOutput,
    numDeadLetters: st.sides.deadLetters,
  };
}

/** What the splits know of their backlog (records behind the head) and progress (bounded inputs). */
export function splitsBacklog(splits: readonly SplitState[]): Pick<WorkerMetrics['source'], 'backlogRecords' | 'progress'> {
  let backlog: number | null = null;
  let done = 0;
  let total = 0;
  let hasProgress = false;
  for (const s of splits) {
    const b = s.reader.backlog?.();
    if (b !== undefined) backlog = (backlog ?? 0) + b;
    const pr = (s.reader as { progress?: () => { done: number; total: number } }).progress?.();
    if (pr !== undefined) {
      hasProgress = true;
      done += pr.done;
      total += pr.total;
    }
  }
  return { backlogRecords: backlog, progress: hasProgress ? { done, total } : null };
}
