/**
 * Engine records → the console contract's plain shapes (src/shared/api.ts). Pure functions.
 */
import type { CheckpointRecord } from '../checkpoint/types.js';
import type { FailureRecord } from '../runtime/job-manager.js';
import type { JobSpec } from '../job/spec.js';
import { planJob } from '../runtime/plan.js';
import type { BackpressureLevel, CheckpointInfo, CheckpointSummary, FailureInfo, JobGraph } from '../../shared/api.js';

/** Flink's thresholds on the share of time a task was back-pressured: ≤ 10 % OK, ≤ 50 % LOW, above HIGH. */
export function backpressureLevel(ratio: number): BackpressureLevel {
  if (ratio <= 0.1) return 'OK';
  if (ratio <= 0.5) return 'LOW';
  return 'HIGH';
}

export function checkpointInfo(r: CheckpointRecord, retained = true): CheckpointInfo {
  const s = r.stats;
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    triggerTs: r.triggerTs,
    completedTs: r.completedTs ?? null,
    durationMs: s?.durationMs ?? (r.completedTs !== undefined ? r.completedTs - r.triggerTs : null),
    syncMs: s?.syncMs ?? null,
    asyncMs: s?.asyncMs ?? null,
    alignmentMs: s?.alignmentMs ?? null,
    fullSizeBytes: s?.fullSizeBytes ?? null,
    checkpointedSizeBytes: s?.checkpointedSizeBytes ?? null,
    numKeys: s?.numKeys ?? null,
    failureReason: r.failureReason ?? null,
    retainedAsBase: r.retainedAsBase === true,
    retained,
  };
}

/** Nearest-rank percentile of a sorted list. */
function pct(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function percentiles(values: readonly number[]): { p50: number; p90: number; p99: number; max: number } | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return { p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s[s.length - 1]! };
}

export function checkpointSummary(list: readonly CheckpointInfo[]): CheckpointSummary {
  const done = list.filter((c) => c.status === 'completed');
  const nums = (f: (c: CheckpointInfo) => number | null): number[] => done.map(f).filter((v): v is number => v !== null);
  return {
    completed: done.length,
    failed: list.filter((c) => c.status === 'failed').length,
    inProgress: list.filter((c) => c.status === 'in-progress').length,
    durationMs: percentiles(nums((c) => c.durationMs)),
    checkpointedSizeBytes: percentiles(nums((c) => c.checkpointedSizeBytes)),
    fullSizeBytes: percentiles(nums((c) => c.fullSizeBytes)),
    latestCompleted: done.reduce<number | null>((m, c) => (m === null || c.id > m ? c.id : m), null),
  };
}

export function failureInfo(jobId: string, jobName: string, f: FailureRecord, recoveredAt: number | undefined): FailureInfo {
  return {
    jobId,
    jobName,
    attempt: f.attempt,
    reason: f.reason.slice(0, 4000),
    worker: f.worker,
    at: f.at,
    detectMs: f.detectMs,
    restartMs: f.restartMs,
    restoreMs: f.restoreMs,
    restoreBytes: f.restoreBytes,
    restoredKeys: f.restoredKeys,
    restoredFrom: f.restoredFrom,
    caughtUpMs: f.caughtUpMs,
    recordsReplayed: f.recordsReplayed,
    recoveryMs: recoveredAt === undefined ? null : recoveredAt - f.at,
  };
}

function describeSource(spec: JobSpec): string {
  const s = spec.source as unknown as Record<string, unknown>;
  const where = typeof s['topic'] === 'string' ? s['topic'] : typeof s['path'] === 'string' ? String(s['path']).split(/[\\/]/).pop() : null;
  return `source: ${String(s['type'])}${where ? ` (${where})` : ''}`;
}

function describeSink(spec: JobSpec): string {
  const s = spec.sink as unknown as Record<string, unknown>;
  const where = typeof s['table'] === 'string' ? s['table'] : typeof s['topic'] === 'string' ? s['topic'] : typeof s['path'] === 'string' ? String(s['path']).split(/[\\/]/).pop() : null;
  return `sink: ${String(s['type'])}${where ? ` (${where})` : ''}`;
}

/**
 * The job graph: one node per stage (a chain of operators running in every worker), the
 * source drawn into stage 0 and the sink after the last stage. Edges between stages are
 * keyBy exchanges (hash partitioning by key group).
 */
export function jobGraph(spec: JobSpec): JobGraph {
  const plan = planJob(spec);
  const nodes: JobGraph['nodes'] = [];
  const edges: JobGraph['edges'] = [];
  nodes.push({ id: 'source', label: describeSource(spec), kind: 'source', stage: 0 });
  let prev = 'source';
  for (const st of plan.stages) {
    const id = `stage${st.index}`;
    nodes.push({ id, label: st.operatorNames.length > 0 ? st.operatorNames.join(' → ') : '(forward)', kind: 'stage', stage: st.index });
    edges.push({ from: prev, to: id, label: st.index === 0 ? 'forward' : 'hash by key group' });
    prev = id;
  }
  nodes.push({ id: 'sink', label: describeSink(spec), kind: 'sink', stage: plan.stages.length - 1 });
  edges.push({ from: prev, to: 'sink', label: 'forward' });
  return { nodes, edges };
}
