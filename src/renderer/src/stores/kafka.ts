/**
 * Kafka: connections (the engine keeps passwords; the renderer only sees `hasPassword`),
 * per connection its brokers, topics and groups; one group's lag (sampled while its page
 * is open) with the lag history from the engine's SQLite lag store; browsing, producing
 * and offset resets (always previewed first).
 */
import { defineStore } from 'pinia';
import { markRaw } from 'vue';
import type {
  KafkaBrowseStart,
  KafkaConnectionInfo,
  KafkaConnectionTest,
  KafkaGroup,
  KafkaGroupLag,
  KafkaLagSample,
  KafkaMessage,
  KafkaResetPlan,
  KafkaResetTarget,
  KafkaTopic,
  Params,
  Result,
} from '../../../shared/api';
import { LIMITS } from '../../../shared/api';
import { api } from '../api/client';
import { errorText } from './jobs';
import { useUiStore } from './ui';
import { into, load, type Load } from './load';


/** Lag history of one group: samples sorted by time, not deep-reactive (charts watch `version`). */
interface LagHistory {
  samples: KafkaLagSample[];
  version: number;
  error: string | null;
}

/** The slot of `k` in a reactive record, created on first use; read back through the proxy so writes are seen. */
function slotOf<T>(rec: Record<string, T>, k: string, make: () => T): T {
  if (!(k in rec)) rec[k] = make();
  return rec[k]!;
}

const key = (connection: string, group: string): string => `${connection}\u0000${group}`;

export const useKafkaStore = defineStore('kafka', {
  state: () => ({
    connections: load<KafkaConnectionInfo[]>(),
    tests: {} as Record<string, Load<KafkaConnectionTest>>,
    cluster: {} as Record<string, Load<Result<'kafkaCluster'>>>,
    topics: {} as Record<string, Load<KafkaTopic[]>>,
    groups: {} as Record<string, Load<KafkaGroup[]>>,
    lag: {} as Record<string, Load<KafkaGroupLag>>,
    history: {} as Record<string, LagHistory>,
    messages: load<{ messages: KafkaMessage[]; more: boolean }>(),
    plan: load<KafkaResetPlan>(),
    busy: {} as Record<string, boolean>,
  }),
  actions: {
    fetchConnections() {
      return into(this.connections, () => api.kafkaListConnections({}));
    },
    /** Adds or replaces a connection; returns an error text or null. */
    async saveConnection(p: Params<'kafkaSaveConnection'>): Promise<string | null> {
      try {
        await api.kafkaSaveConnection(p);
        await this.fetchConnections();
        delete this.tests[p.name];
        delete this.topics[p.name];
        delete this.groups[p.name];
        delete this.cluster[p.name];
        return null;
      } catch (e) {
        return errorText(e);
      }
    },
    async removeConnection(connection: string) {
      await api.kafkaRemoveConnection({ connection }).catch((e: unknown) => useUiStore().toast('error', 'Remove failed', errorText(e)));
      await this.fetchConnections();
    },
    testConnection(connection: string) {
      return into(slotOf(this.tests, connection, load<KafkaConnectionTest>), () => api.kafkaTestConnection({ connection }));
    },
    fetchCluster(connection: string) {
      return into(slotOf(this.cluster, connection, load<Result<'kafkaCluster'>>), () => api.kafkaCluster({ connection }));
    },
    fetchTopics(connection: string) {
      return into(slotOf(this.topics, connection, load<KafkaTopic[]>), () => api.kafkaTopics({ connection }));
    },
    fetchGroups(connection: string) {
      return into(slotOf(this.groups, connection, load<KafkaGroup[]>), () => api.kafkaGroups({ connection }));
    },
    browse(connection: string, topic: string, from: KafkaBrowseStart, limit: number, filter: string) {
      return into(this.messages, () => api.kafkaBrowse({ connection, topic, from, limit, ...(filter.trim() !== '' ? { filter } : {}) }));
    },
    async produce(connection: string, topic: string, key: string | null, value: string): Promise<Result<'kafkaProduce'> | null> {
      const ui = useUiStore();
      this.busy['produce'] = true;
      try {
        const r = await api.kafkaProduce({ connection, topic, key, value });
        ui.toast('info', `Produced to ${topic}`, `partition ${r.partition}, offset ${r.offset}`);
        return r;
      } catch (e) {
        ui.toast('error', 'Produce failed', errorText(e));
        return null;
      } finally {
        this.busy['produce'] = false;
      }
    },
    lagOf(connection: string, group: string): Load<KafkaGroupLag> {
      return slotOf(this.lag, key(connection, group), load<KafkaGroupLag>);
    },
    historyOf(connection: string, group: string): LagHistory {
      return slotOf(this.history, key(connection, group), () => ({ samples: markRaw([]) as KafkaLagSample[], version: 0, error: null }));
    },
    /** The stored lag samples of the last 15 minutes (taken by this page, the groups list or `sluice kafka lag`). */
    async loadHistory(connection: string, group: string) {
      const h = this.historyOf(connection, group);
      try {
        const rows = await api.kafkaLagHistory({ connection, group, sinceMs: Date.now() - LIMITS.historyWindowMs });
        const last = rows[rows.length - 1]?.observedAt ?? 0;
        const newer = h.samples.filter((s) => s.observedAt > last);
        h.samples.splice(0, h.samples.length, ...rows, ...newer);
        h.error = null;
        h.version++;
      } catch (e) {
        h.error = errorText(e);
      }
    },
    /** One lag sample (the engine stores it and evaluates Burrow's rules); appended to the history. */
    async sampleLag(connection: string, group: string) {
      const r = await into(this.lagOf(connection, group), () => api.kafkaGroupLag({ connection, group }));
      if (r === null) return;
      const h = this.historyOf(connection, group);
      const last = h.samples[h.samples.length - 1]?.observedAt ?? 0;
      if (r.observedAt <= last) return;
      for (const p of r.partitions) h.samples.push({ topic: p.topic, partition: p.partition, observedAt: r.observedAt, committed: p.committed, logEnd: p.logEnd, lag: p.lag, timeLagMs: p.timeLagMs });
      const cutoff = r.observedAt - LIMITS.historyWindowMs;
      let drop = 0;
      while (drop < h.samples.length && h.samples[drop]!.observedAt < cutoff) drop++;
      if (drop > 0) h.samples.splice(0, drop);
      h.version++;
    },
    planReset(connection: string, group: string, target: KafkaResetTarget) {
      return into(this.plan, () => api.kafkaPlanReset({ connection, group, target }));
    },
    async applyReset(connection: string, group: string, target: KafkaResetTarget): Promise<boolean> {
      const ui = useUiStore();
      this.busy['reset'] = true;
      try {
        const r = await api.kafkaApplyReset({ connection, group, target });
        ui.toast('info', `Offsets of ${group} reset`, `${r.rows.length} partition(s) moved to ${r.target.to}`);
        this.plan.data = null;
        await this.sampleLag(connection, group);
        return true;
      } catch (e) {
        ui.toast('error', 'Offset reset failed', errorText(e));
        return false;
      } finally {
        this.busy['reset'] = false;
      }
    },
  },
});
