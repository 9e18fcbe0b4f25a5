/** The one subscription: pushed events from the engine → the stores. */
import { transport } from '../api/client';
import { timeSnapshotApply } from '../perf';
import { useDrillsStore } from './drills';
import { useJobsStore } from './jobs';
import { useMetricsStore } from './metrics';
import { useUiStore } from './ui';

export function startSubscription(): void {
  const jobs = useJobsStore();
  const metrics = useMetricsStore();
  const ui = useUiStore();
  const drills = useDrillsStore();
  const refresh = new Map<string, ReturnType<typeof setTimeout>>();
  /** Debounced refetch of a job's detail when something about it changed. */
  const touch = (jobId: string): void => {
    if (jobs.details[jobId] === undefined || refresh.has(jobId)) return;
    refresh.set(jobId, setTimeout(() => {
      refresh.delete(jobId);
      void jobs.fetchJob(jobId);
    }, 250));
  };
  let lastStates = new Map<string, string>();
  transport.onStatus((s, detail) => {
    ui.connection = s;
    ui.connectionDetail = detail ?? '';
    if (s === 'open') {
      void jobs.fetchList();
      void jobs.fetchOverview();
    }
  });
  transport.onEvent((e) => {
    switch (e.event) {
      case 'snapshot':
        timeSnapshotApply(() => metrics.push(e.data));
        break;
      case 'jobs': {
        jobs.applyLive(e.data);
        const next = new Map(e.data.map((j) => [j.jobId, j.state]));
        for (const [id, st] of next) if (lastStates.get(id) !== st) touch(id);
        lastStates = next;
        break;
      }
      case 'checkpoint':
        touch(e.data.jobId);
        break;
      case 'failure':
      case 'recovered':
        touch(e.data.jobId);
        void jobs.fetchOverview();
        break;
      case 'notification':
        ui.toast(e.data.level, e.data.title, e.data.body);
        break;
      case 'drill':
        drills.apply(e.data);
        break;
    }
  });
}
