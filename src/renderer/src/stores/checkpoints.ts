/** Checkpoint actions of one job; the history itself is part of the job detail (jobs store). */
import { defineStore } from 'pinia';
import { api } from '../api/client';
import { useJobsStore } from './jobs';

export const useCheckpointsStore = defineStore('checkpoints', {
  state: () => ({ lastTriggered: {} as Record<string, number> }),
  actions: {
    async trigger(jobId: string) {
      const jobs = useJobsStore();
      const r = await jobs.act(jobId, 'checkpoint', () => api.triggerCheckpoint({ jobId }), (c) => `Checkpoint ${c.id} ${c.status}${c.durationMs !== null ? ` in ${c.durationMs} ms` : ''}`);
      if (r !== null) this.lastTriggered[jobId] = r.id;
      return r;
    },
    restore(jobId: string, checkpoint: number) {
      return useJobsStore().act(jobId, 'restore', () => api.restoreCheckpoint({ jobId, checkpoint }), (r) => `Restoring checkpoint ${r.restoring}`);
    },
  },
});
