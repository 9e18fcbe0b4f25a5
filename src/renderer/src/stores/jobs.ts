/** Jobs: the list, the overview, examples, one job's detail, and the job actions. */
import { defineStore } from 'pinia';
import { ApiError, type ExampleInfo, type JobDetail, type JobSummary, type Overview, type SpecErrorInfo } from '../../../shared/api';
import { api } from '../api/client';
import { useUiStore } from './ui';

import { errorText, load, type Load } from './load';

export { errorText };

export const useJobsStore = defineStore('jobs', {
  state: () => ({
    list: load<JobSummary[]>(),
    overview: load<Overview>(),
    examples: load<ExampleInfo[]>(),
    details: {} as Record<string, Load<JobDetail>>,
    /** Actions in flight, by "<jobId>:<action>", to disable their buttons. */
    busy: {} as Record<string, boolean>,
  }),
  getters: {
    running: (s) => (s.list.data ?? []).filter((j) => !['CANCELED', 'FINISHED', 'FAILED'].includes(j.state)),
  },
  actions: {
    async fetchList() {
      this.list.loading = true;
      try {
        this.list.data = await api.listJobs({});
        this.list.error = null;
      } catch (e) {
        this.list.error = errorText(e);
      } finally {
        this.list.loading = false;
      }
    },
    /** From the pushed `jobs` event: live jobs replace their rows, past runs stay. */
    applyLive(live: JobSummary[]) {
      const ids = new Set(live.map((j) => j.jobId));
      const rest = (this.list.data ?? []).filter((j) => !ids.has(j.jobId));
      this.list.data = [...live, ...rest].sort((a, b) => b.startedAt - a.startedAt);
      if (this.overview.data) {
        const orest = this.overview.data.jobs.filter((j) => !ids.has(j.jobId));
        this.overview.data = { ...this.overview.data, jobs: [...live, ...orest].sort((a, b) => b.startedAt - a.startedAt) };
      }
      for (const j of live) {
        const d = this.details[j.jobId]?.data;
        if (d) this.details[j.jobId]!.data = { ...d, summary: j };
      }
    },
    async fetchOverview() {
      this.overview.loading = true;
      try {
        this.overview.data = await api.getOverview({});
        this.overview.error = null;
      } catch (e) {
        this.overview.error = errorText(e);
      } finally {
        this.overview.loading = false;
      }
    },
    async fetchExamples() {
      if (this.examples.data) return;
      this.examples.loading = true;
      try {
        this.examples.data = await api.listExamples({});
        this.examples.error = null;
      } catch (e) {
        this.examples.error = errorText(e);
      } finally {
        this.examples.loading = false;
      }
    },
    async fetchJob(jobId: string) {
      const d = (this.details[jobId] ??= load<JobDetail>());
      d.loading = d.data === null;
      try {
        d.data = await api.getJob({ jobId });
        d.error = null;
      } catch (e) {
        d.error = errorText(e);
      } finally {
        d.loading = false;
      }
    },
    async validate(text: string): Promise<{ ok: boolean; errors: SpecErrorInfo[]; mode: 'stream' | 'batch' | null }> {
      return api.validateSpec({ text });
    },
    /** Starts a job; returns its id, or the spec errors to show inline. */
    async start(text: string, example: string | undefined): Promise<{ jobId: string } | { errors: SpecErrorInfo[]; message: string }> {
      try {
        const r = await api.startJob(example === undefined ? { text } : { text, example });
        await this.fetchList();
        return r;
      } catch (e) {
        if (e instanceof ApiError) return { errors: e.details ?? [], message: e.message };
        return { errors: [], message: errorText(e) };
      }
    },
    /** Runs one job action with a busy flag and a toast on error. */
    async act<T>(jobId: string, name: string, f: () => Promise<T>, done?: (r: T) => string): Promise<T | null> {
      const key = `${jobId}:${name}`;
      this.busy[key] = true;
      const ui = useUiStore();
      try {
        const r = await f();
        if (done) ui.toast('info', done(r));
        void this.fetchJob(jobId);
        return r;
      } catch (e) {
        ui.toast('error', `${name} failed`, errorText(e));
        return null;
      } finally {
        this.busy[key] = false;
      }
    },
    cancel(jobId: string) {
      return this.act(jobId, 'cancel', () => api.cancelJob({ jobId }), (r) => `Job ${r.state.toLowerCase()}`);
    },
    stopWithSavepoint(jobId: string) {
      return this.act(jobId, 'savepoint', () => api.stopWithSavepoint({ jobId }), (r) => `Stopped with savepoint ${r.checkpoint}`);
    },
    /** A new run from the job's latest savepoint at `parallelism` (rescale); returns its id. */
    async resumeFromSavepoint(jobId: string, parallelism: number): Promise<string | null> {
      const r = await this.act(jobId, 'resume', () => api.resumeFromSavepoint({ jobId, parallelism }), () => `Resumed from the savepoint with ${parallelism} worker(s)`);
      if (r === null) return null;
      await this.fetchList();
      return r.jobId;
    },
    killWorker(jobId: string, worker: number) {
      return this.act(jobId, `kill-${worker}`, () => api.killWorker({ jobId, worker }), (r) => `Killed worker ${r.worker} (pid ${r.pid})`);
    },
    killRandomWorker(jobId: string) {
      return this.act(jobId, 'kill-random', () => api.killRandomWorker({ jobId }), (r) => `Killed worker ${r.worker} (pid ${r.pid})`);
    },
    lookupKey(jobId: string, key: string) {
      return api.lookupKey({ jobId, key });
    },
  },
});
