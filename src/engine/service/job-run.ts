/**
 * One job the console started: its JobManager plus what the console shows about it — the
 * snapshot window (15 min at 1 Hz), a timeline of state changes, failures, recoveries and
 * operator actions, and, once the job ends, its final detail (the job manager closes its
 * checkpoint store then).
 */
import type { JobManager, JobResult, FailureRecord } from '../runtime/job-manager.js';
import type { JobSpec } from '../job/spec.js';
import { TERMINAL_STATES } from '../runtime/job-state.js';
import type { CheckpointRecord } from '../checkpoint/types.js';
import {
  LIMITS,
  type CheckpointAdviceInfo,
  type CheckpointInfo,
  type FailureInfo,
  type Health,
  type JobDetail,
  type JobGraph,
  type JobSnapshot,
  type JobSummary,
  type TimelineEvent,
} from '../../shared/api.js';
import { checkpointInfo, checkpointSummary, failureInfo, jobGraph } from './convert.js';
import { MetricsAggregator } from './metrics-aggregator.js';
import { adviseCheckpoints } from '../advisor/checkpoint-advisor.js';

const TIMELINE_MAX = 2000;
const SEEN_MAX = 1000;
/** A failure this recent turns a running job's health to WARN. */
const RECENT_FAILURE_MS = 60_000;

export class JobRun {
  readonly jobId: string;
  readonly name: string;
  readonly startedAt = Date.now();
  endedAt: number | null = null;
  error: string | null = null;
  readonly graph: JobGraph;
  readonly aggregator: MetricsAggregator;
  readonly snapshots: JobSnapshot[] = [];
  readonly timeline: TimelineEvent[] = [];
  readonly savepoints: { checkpoint: number; checkpointDir: string; ts: number }[] = [];
  /** When each failure's job was RUNNING again. */
  readonly recoveredAt = new Map<FailureRecord, number>();
  result: JobResult | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private lastCheckpoints: CheckpointRecord[] = [];
  /** Every checkpoint seen finishing, so history outlives the store's retention (bounded). */
  private readonly seen = new Map<number, CheckpointRecord>();

  constructor(
    readonly jm: JobManager,
    readonly spec: JobSpec,
    readonly specText: string,
    readonly example: string | null,
    readonly workDir: string,
  ) {
    this.jobId = jm.id;
    this.name = spec.name;
    this.graph = jobGraph(spec);
    this.aggregator = new MetricsAggregator(this.jobId, this.graph.nodes.filter((n) => n.kind === 'stage').map((n) => n.label), spec);
    this.unsubscribe.push(
      jm.on('metrics', (m) => this.aggregator.onWorkerMetrics(m)),
      jm.on('state', (to, from) => this.note('state', `${from} → ${to}`)),
      jm.on('failure', (f) => this.note('failure', f.reason)),
      jm.on('recovered', (f) => {
        if (f.caughtUpMs === null) {
          if (!this.recoveredAt.has(f)) this.recoveredAt.set(f, Date.now());
          this.note('recovered', `running again from ${f.restoredFrom === null ? 'the beginning (no checkpoint yet)' : `checkpoint ${f.restoredFrom}`}; recovery ${Date.now() - f.at} ms (restart ${Math.round(f.restartMs ?? 0)} ms, restore ${Math.round(f.restoreMs ?? 0)} ms)`);
        } else {
          this.note('caught-up', `caught up ${f.caughtUpMs} ms after the failure (${f.recordsReplayed ?? 0} records replayed)`);
        }
      }),
      jm.on('checkpoint', (c) => {
        if (c.status === 'completed') this.completedCheckpoints++;
        this.seen.set(c.id, c);
        if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.keys().next().value!);
        if (c.status === 'failed') this.note('checkpoint-failed', `checkpoint ${c.id} failed: ${c.failureReason ?? 'no reason given'}`);
      }),
    );
  }

  note(kind: TimelineEvent['kind'], text: string): void {
    this.timeline.push({ ts: Date.now(), kind, text: text.slice(0, 4000) });
    if (this.timeline.length > TIMELINE_MAX) this.timeline.splice(0, this.timeline.length - TIMELINE_MAX);
  }

  get live(): boolean {
    return this.result === null && !TERMINAL_STATES.has(this.jm.state);
  }

  /** Takes this tick's snapshot and keeps it in the 15-minute window. */
  tick(now: number): JobSnapshot {
    const s = this.aggregator.snapshot(now, this.jm.state, this.jm.workers());
    this.snapshots.push(s);
    const cutoff = now - LIMITS.historyWindowMs;
    let drop = 0;
    while (drop < this.snapshots.length && (this.snapshots[drop]!.ts < cutoff || this.snapshots.length - drop > LIMITS.historyPoints)) drop++;
    if (drop > 0) this.snapshots.splice(0, drop);
    return s;
  }

  finish(result: JobResult): void {
    this.result = result;
    this.endedAt = Date.now();
    this.error = result.error;
    this.lastCheckpoints = [...result.checkpoints];
    for (const u of this.unsubscribe) u();
  }

  checkpointList(limit = 200): CheckpointInfo[] {
    if (this.result === null) {
      try {
        this.lastCheckpoints = this.jm.checkpoints(limit);
      } catch {
        /* the store closes while the job ends: keep the last list */
      }
    }
    const inStore = new Set(this.lastCheckpoints.map((c) => c.id as number));
    const gone = [...this.seen.values()].filter((c) => !inStore.has(c.id)).map((c) => checkpointInfo(c, false));
    const all = [...this.lastCheckpoints.map((c) => checkpointInfo(c, true)), ...gone];
    all.sort((a, b) => b.id - a.id);
    return all.slice(0, limit);
  }

  failures(): FailureInfo[] {
    const list = this.result?.failures ?? this.jm.failureHistory();
    return list.map((f) => failureInfo(this.jobId, this.name, f, this.recoveredAt.get(f)));
  }

  health(latest: JobSnapshot | undefined): Health {
    const st = this.jm.state;
    if (st === 'FAILED' || st === 'FAILING' || st === 'RESTARTING') return 'ERR';
    if (TERMINAL_STATES.has(st)) return 'OK';
    const recent = this.jm.failureHistory().some((f) => Date.now() - f.at < RECENT_FAILURE_MS);
    if (recent || latest?.operators.some((o) => o.backpressure === 'HIGH')) return 'WARN';
    return 'OK';
  }

  summary(): JobSummary {
    const latest = this.snapshots[this.snapshots.length - 1];
    const cps = this.result?.checkpoints;
    let completed = 0;
    if (cps !== undefined) completed = cps.filter((c) => c.status === 'completed').length;
    else completed = this.completedCheckpoints;
    return {
      jobId: this.jobId,
      name: this.name,
      state: this.jm.state,
      health: this.health(latest),
      parallelism: this.spec.parallelism,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      error: this.error === null ? null : this.error.slice(0, 4000),
      restarts: (this.result?.failures ?? this.jm.failureHistory()).length,
      checkpointsCompleted: completed,
      recordsInPerSec: this.live && latest !== undefined ? latest.recordsInPerSec : null,
      sourceLagMs: this.live && latest !== undefined ? latest.sourceLagMs : null,
      example: this.example,
    };
  }

  /** Completed checkpoints counted from events (cheap; no store read per tick). */
  completedCheckpoints = 0;

  detail(): JobDetail {
    const checkpoints = this.checkpointList();
    return {
      summary: this.summary(),
      specText: this.specText,
      graph: this.graph,
      latest: this.snapshots[this.snapshots.length - 1] ?? null,
      checkpoints,
      checkpointSummary: checkpointSummary(checkpoints),
      failures: this.failures(),
      timeline: [...this.timeline],
      savepoints: [...this.savepoints],
      checkpointAdvice: this.checkpointAdvice(checkpoints),
    };
  }

  /** The checkpoint advisor over what this run measured (snapshots while running, checkpoints, failures). */
  private checkpointAdvice(checkpoints: readonly CheckpointInfo[]): CheckpointAdviceInfo | null {
    const running = this.snapshots.filter((s) => s.state === 'RUNNING' && s.recordsInPerSec > 0).map((s) => s.recordsInPerSec);
    const completed = checkpoints
      .filter((c) => c.status === 'completed' && c.kind === 'checkpoint' && c.durationMs !== null)
      .sort((a, b) => a.id - b.id)
      .map((c) => ({ durationMs: c.durationMs!, syncMs: c.syncMs ?? 0, alignmentMs: c.alignmentMs ?? 0, fullSizeBytes: c.fullSizeBytes ?? 0 }));
    const advice = adviseCheckpoints({
      intervalMs: this.spec.checkpoint.interval,
      minPauseMs: this.spec.checkpoint.minPause,
      checkpoints: completed,
      inputRatePerSec: running.length === 0 ? null : running.reduce((a, b) => a + b, 0) / running.length,
      peakRatePerSec: running.length === 0 ? null : Math.max(...running),
      failures: this.failures(),
      runMs: (this.endedAt ?? Date.now()) - this.startedAt,
      sourceRateLimited: this.spec.source.maxRecordsPerSecond !== null || ('eventsPerSecond' in this.spec.source && this.spec.source.eventsPerSecond !== null),
    });
    return advice === null ? null : { ...advice, options: [...advice.options], notes: [...advice.notes] };
  }
}
