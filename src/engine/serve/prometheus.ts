/**
 * `/metrics` in the Prometheus text exposition format (version 0.0.4): the latest snapshot
 * of every live job, labelled by job name and id. Names follow Flink's where Flink has one.
 */
import type { JobSnapshot, JobSummary } from '../../shared/api.js';

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (l: Record<string, string | number>): string =>
  Object.keys(l).length === 0
    ? ''
    : `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(String(v))}"`)
    .join(',')}}`;

interface Family {
  help: string;
  type: 'gauge' | 'counter';
  samples: string[];
}

export function prometheusText(jobs: readonly JobSummary[], latest: ReadonlyMap<string, JobSnapshot>): string {
  const fams = new Map<string, Family>();
  const add = (name: string, type: Family['type'], help: string, l: Record<string, string | number>, v: number | null): void => {
    if (v === null || !Number.isFinite(v)) return;
    let f = fams.get(name);
    if (f === undefined) fams.set(name, (f = { help, type, samples: [] }));
    f.samples.push(`${name}${labels(l)} ${v}`);
  };
  add('sluice_jobs', 'gauge', 'Jobs known to this console.', {}, jobs.length);
  for (const j of jobs) {
    const jl = { job: j.name, job_id: j.jobId };
    add('sluice_job_up', 'gauge', '1 while the job is RUNNING.', jl, j.state === 'RUNNING' ? 1 : 0);
    add('sluice_job_restarts_total', 'counter', 'Failures the job recovered from (or tried to).', jl, j.restarts);
    add('sluice_job_checkpoints_completed_total', 'counter', 'Completed checkpoints.', jl, j.checkpointsCompleted);
    const s = latest.get(j.jobId);
    if (s === undefined || j.endedAt !== null) continue;
    add('sluice_job_records_in_per_second', 'gauge', 'Records read by the sources per second.', jl, s.recordsInPerSec);
    add('sluice_job_records_out_per_second', 'gauge', 'Records written to the sink per second.', jl, s.recordsOutPerSec);
    add('sluice_job_source_event_time_lag_ms', 'gauge', 'Now minus the event time of the newest record read.', jl, s.sourceLagMs);
    add('sluice_job_source_backlog_records', 'gauge', 'Records behind the end of the input.', jl, s.backlogRecords);
    add('sluice_job_watermark_ms', 'gauge', 'Lowest input watermark of the last stage.', jl, s.watermark);
    add('sluice_job_state_bytes', 'gauge', 'Keyed state size at the last checkpoint.', jl, s.keyedState?.bytes ?? null);
    for (const o of s.operators) {
      const ol = { ...jl, stage: o.stage };
      add('sluice_stage_busy_ratio', 'gauge', 'Max over subtasks of busy time per second.', ol, o.busyRatio);
      add('sluice_stage_back_pressured_ratio', 'gauge', 'Max over subtasks of back-pressured time per second.', ol, o.backPressuredRatio);
      add('sluice_stage_records_in_per_second', 'gauge', 'Records into the stage per second.', ol, o.recordsInPerSec);
    }
    for (const w of s.workers) {
      const wl = { ...jl, worker: w.index, pid: w.pid };
      add('sluice_worker_heap_used_bytes', 'gauge', 'V8 heap used by the worker.', wl, w.heapUsedBytes);
      add('sluice_worker_rss_bytes', 'gauge', 'Resident set size of the worker.', wl, w.rssBytes);
      add('sluice_worker_cpu_percent', 'gauge', 'CPU used by the worker (100 = one core).', wl, w.cpuPercent);
    }
  }
  let out = '';
  for (const [name, f] of fams) out += `# HELP ${name} ${f.help}\n# TYPE ${name} ${f.type}\n${f.samples.join('\n')}\n`;
  return out;
}
