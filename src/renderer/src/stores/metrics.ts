/**
 * Live metrics: per job, the newest whole snapshot (tables, graph, state tab) and a
 * bounded columnar history of only what the charts draw (15 minutes, ≤ 900 rows, see
 * MetricRing). Charts read the ring and redraw when `version` changes.
 */
import { defineStore } from 'pinia';
import { markRaw } from 'vue';
import { LIMITS, type JobSnapshot } from '../../../shared/api';
import { api } from '../api/client';
import { errorText } from './load';
import { MetricRing } from './metric-ring';

/** The chart series of a job, by name: the job-level ones and two per worker. */
export const JOB_SERIES = ['recordsInPerSec', 'recordsOutPerSec', 'sourceLagMs', 'watermark', 'backlogRecords'] as const;
export type JobSeries = (typeof JOB_SERIES)[number];
export const workerHeapSeries = (index: number): string => `worker.${index}.heapUsedBytes`;
export const workerCpuSeries = (index: number): string => `worker.${index}.cpuPercent`;

/** The numbers of one snapshot that charts draw, as (series, value) pairs. */
function* chartValues(s: JobSnapshot): Generator<readonly [string, number | null]> {
  for (const k of JOB_SERIES) yield [k, s[k]];
  for (const w of s.workers) {
    yield [workerHeapSeries(w.index), w.heapUsedBytes];
    yield [workerCpuSeries(w.index), w.cpuPercent];
  }
}

interface Series {
  /** Not reactive: charts watch `version` instead. */
  ring: MetricRing;
  latest: JobSnapshot | null;
  version: number;
  loaded: boolean;
  error: string | null;
}

const newRing = (): MetricRing => markRaw(new MetricRing(LIMITS.historyPoints, LIMITS.historyWindowMs));

export const useMetricsStore = defineStore('metrics', {
  state: () => ({ byJob: {} as Record<string, Series> }),
  actions: {
    series(jobId: string): Series {
      return (this.byJob[jobId] ??= { ring: newRing(), latest: null, version: 0, loaded: false, error: null });
    },
    latest(jobId: string): JobSnapshot | null {
      return this.byJob[jobId]?.latest ?? null;
    },
    push(snap: JobSnapshot) {
      const s = this.series(snap.jobId);
      if (!s.ring.push(snap.ts, chartValues(snap))) return;
      s.latest = markRaw(snap);
      s.version++;
    },
    async loadHistory(jobId: string) {
      const s = this.series(jobId);
      if (s.loaded) return;
      try {
        const hist = await api.getMetricsHistory({ jobId });
        // Rebuild: the stored history first, then what arrived live after its newest point.
        const ring = newRing();
        for (const h of hist) ring.push(h.ts, chartValues(h));
        const histEnd = ring.newestTs ?? -Infinity;
        const live = s.ring;
        for (let i = 0; i < live.length; i++) {
          const ts = live.at(i, '').ts;
          if (ts > histEnd) ring.push(ts, live.seriesNames().map((n) => [n, live.at(i, n).value] as const));
        }
        s.ring = ring;
        const newest = hist[hist.length - 1];
        if (s.latest === null && newest !== undefined) s.latest = markRaw(newest);
        s.loaded = true;
        s.error = null;
        s.version++;
      } catch (e) {
        s.error = errorText(e);
      }
    },
  },
});
