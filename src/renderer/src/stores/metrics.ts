/**
 * Live metrics: per job, the snapshots of the last 15 minutes (≤ 900, one a second).
 * Charts read these arrays and update incrementally as snapshots arrive.
 */
import { defineStore } from 'pinia';
import { markRaw } from 'vue';
import { LIMITS, type JobSnapshot } from '../../../shared/api';
import { api } from '../api/client';
import { errorText } from './jobs';

/**
 * Only the newest snapshot of a job keeps its keyed-state breakdown (top keys, bytes per
 * key group): the state tab reads the latest one, charts never read it from history, and
 * it is most of a snapshot's size (900 of them per job would be kept otherwise).
 */
const slim = (s: JobSnapshot): JobSnapshot => (s.keyedState === null ? s : markRaw({ ...s, keyedState: null }));

interface Series {
  /** Not deep-reactive: charts watch `version` instead of every point. */
  points: JobSnapshot[];
  version: number;
  loaded: boolean;
  error: string | null;
}

export const useMetricsStore = defineStore('metrics', {
  state: () => ({ byJob: {} as Record<string, Series> }),
  actions: {
    series(jobId: string): Series {
      return (this.byJob[jobId] ??= { points: markRaw([]) as JobSnapshot[], version: 0, loaded: false, error: null });
    },
    latest(jobId: string): JobSnapshot | null {
      const s = this.byJob[jobId];
      return s?.points[s.points.length - 1] ?? null;
    },
    push(snap: JobSnapshot) {
      const s = this.series(snap.jobId);
      const last = s.points[s.points.length - 1];
      if (last !== undefined && snap.ts <= last.ts) return;
      if (last !== undefined) s.points[s.points.length - 1] = slim(last);
      s.points.push(markRaw(snap));
      const cutoff = snap.ts - LIMITS.historyWindowMs;
      while (s.points.length > LIMITS.historyPoints || (s.points.length > 0 && s.points[0]!.ts < cutoff)) s.points.shift();
      s.version++;
    },
    async loadHistory(jobId: string) {
      const s = this.series(jobId);
      if (s.loaded) return;
      try {
        const hist = await api.getMetricsHistory({ jobId });
        const newer = s.points.filter((p) => p.ts > (hist[hist.length - 1]?.ts ?? 0));
        const all = [...hist.map((h) => markRaw(h)), ...newer];
        s.points.splice(0, s.points.length, ...all.map((p, i) => (i === all.length - 1 ? p : slim(p))));
        s.loaded = true;
        s.error = null;
        s.version++;
      } catch (e) {
        s.error = errorText(e);
      }
    },
  },
});
