/**
 * The worker side of a checkpoint (ARCHITECTURE §3): what one worker gathers for
 * checkpoint n between barrier n at its sources and barrier n at its last stage, then the
 * part file it writes (one SQLite transaction) and the acknowledgement it sends the host.
 * Barrier alignment stays with the scheduler, which blocks input channels; this module is
 * handed one stage at a time, already aligned.
 *
 * Snapshots copy state values (as JSON) at the barrier, so updates after the barrier
 * cannot leak into the checkpoint.
 */
import type { RestoreData, StateEntry } from '../checkpoint/types.js';
import { writePart } from '../checkpoint/store.js';
import type { SourcePosition } from '../connectors/source.js';
import type { KeyGroupRange } from '../core/keygroups.js';
import type { StateStats } from '../state/memory-backend.js';
import type { StateBackend } from '../state/keyed-state.js';
import type { CheckpointAck, CheckpointWritePoint, HostPort, WorkerConfig } from './messages.js';
import type { Stage } from './worker-stage.js';

interface PendingCheckpoint {
  readonly checkpoint: number;
  readonly full: boolean;
  readonly entries: StateEntry[];
  readonly operatorState: Record<string, unknown>;
  /** Split id → position after the last record emitted before the barrier (plus `$` watermark state). */
  readonly positions: Record<string, SourcePosition>;
  syncMs: number;
  alignmentMs: number;
  stagesDone: number;
}

export interface WorkerCheckpointsOptions {
  readonly cfg: WorkerConfig;
  readonly keyGroups: KeyGroupRange;
  /** The worker's stages, in plan order (the array is filled by the worker's init). */
  readonly stages: readonly Stage[];
  readonly host: HostPort;
  /** Measures state per key (the console's state tab); done when a part is written, as the state is walked anyway. */
  readonly measureState: () => StateStats | null;
}

const now = (): number => performance.now();

export class WorkerCheckpoints {
  private readonly pending = new Map<number, PendingCheckpoint>();

  constructor(private readonly o: WorkerCheckpointsOptions) {}

  /** Barrier n injected at the sources, which recorded `positions`; stage 0 is snapshotted next. */
  begin(checkpoint: number, full: boolean, positions: Record<string, SourcePosition>): void {
    this.pending.set(checkpoint, { checkpoint, full, entries: [], operatorState: {}, positions, syncMs: 0, alignmentMs: 0, stagesDone: 0 });
  }

  /**
   * Stage `st` has barrier n on every input: copy its changed state, forward the barrier
   * (the sink stage pre-commits there); after the last stage, write the part and ack it.
   */
  async snapshotStage(st: Stage, checkpoint: number, alignmentMs: number): Promise<void> {
    const p = this.pending.get(checkpoint);
    if (p === undefined) {
      // Aborted meanwhile: still forward the barrier, or downstream alignment would wait for it.
      await st.output.barrier(checkpoint);
      return;
    }
    const t0 = now();
    const snap = st.backend.snapshot(p.full);
    for (const e of snap.entries) {
      // Copy the value now: operators keep mutating their state after the barrier.
      p.entries.push({ operator: e.operator, keyGroup: e.keyGroup, key: e.key, value: e.value === undefined ? undefined : JSON.stringify(e.value) });
    }
    p.syncMs += now() - t0;
    p.alignmentMs = Math.max(p.alignmentMs, alignmentMs);
    await st.output.barrier(checkpoint);
    p.stagesDone++;
    if (p.stagesDone === this.o.stages.length) this.writePart(p);
  }

  /** The host completed checkpoint n: forget it, returning the source positions it recorded. */
  completed(checkpoint: number): Record<string, SourcePosition> | undefined {
    const p = this.pending.get(checkpoint);
    this.pending.delete(checkpoint);
    return p?.positions;
  }

  aborted(checkpoint: number): void {
    this.pending.delete(checkpoint);
  }

  private writePart(p: PendingCheckpoint): void {
    const { cfg, keyGroups, stages, host } = this.o;
    this.crashIf(p.checkpoint, 'before-part-write');
    const t0 = now();
    const numKeys = stages.reduce((n, s) => n + s.backend.numKeys, 0);
    const part = writePart(cfg.checkpointDir, {
      checkpoint: p.checkpoint as never,
      worker: cfg.workerIndex,
      entries: p.entries,
      operatorState: p.operatorState,
      sourcePositions: p.positions,
      full: p.full,
      keyGroups,
      valuesAreJson: true,
    });
    const asyncMs = now() - t0;
    const stats = this.o.measureState();
    const ack: CheckpointAck = { checkpoint: p.checkpoint, part, syncMs: p.syncMs, asyncMs, alignmentMs: p.alignmentMs, numKeys, stateBytes: stats?.bytes ?? 0 };
    this.crashIf(p.checkpoint, 'after-part-write');
    host.send({ type: 'checkpoint-ack', ack });
    this.crashIf(p.checkpoint, 'after-ack');
  }

  /** Test and drill fault injection: die by SIGKILL at a point of the checkpoint write path. */
  private crashIf(checkpoint: number, point: CheckpointWritePoint): void {
    const c = this.o.cfg.crashPoint;
    if (c !== undefined && c.checkpoint === checkpoint && c.point === point) process.kill(process.pid, 'SIGKILL');
  }
}

/**
 * Loads restored keyed state into the stages' backends, each entry to the stage whose
 * operator wrote it; state of an operator the spec no longer has is skipped. Returns the
 * keys loaded and the bytes of stored state read for them.
 */
export function loadRestoredState(data: RestoreData, stages: readonly Stage[]): { restoredKeys: number; restoreBytes: number } {
  const byOperator = new Map<string, StateBackend>();
  for (const st of stages) for (const op of st.operators) byOperator.set(op.id, st.backend);
  const routed = new Map<StateBackend, StateEntry[]>();
  for (const e of data.entries) {
    // Entries are named `<operator id>/<table>`.
    const backend = byOperator.get(e.operator.slice(0, e.operator.indexOf('/')));
    if (backend === undefined) continue;
    let list = routed.get(backend);
    if (list === undefined) routed.set(backend, (list = []));
    list.push(e);
  }
  let restoredKeys = 0;
  for (const [backend, list] of routed) restoredKeys += backend.load(list);
  return { restoredKeys, restoreBytes: data.bytesRead() };
}
