/**
 * The Kafka half of the console API: named connections (saved in the data folder; a
 * password only encrypted by the OS keychain, and never sent back to the renderer), and
 * the explorer's views
 * (src/engine/kafka) mapped onto the contract's shapes. Lag samples go to
 * `<dataDir>/kafka-lag.db`, the same store `sluice kafka lag` uses, so the lag chart
 * shows what was sampled before the page was opened.
 */
import { ConnectionStore, type SecretBox } from './connection-store.js';
import path from 'node:path';
import { KafkaError } from '../connectors/kafka/errors.js';
import { DEFAULT_BURROW_OPTIONS } from '../kafka/burrow.js';
import { KafkaExplorer, type BrowsedMessage, type NamedConnection } from '../kafka/explorer.js';
import { LagStore } from '../kafka/lag-store.js';
import type { GroupLagReport } from '../kafka/lag.js';
import type { ResetPlan } from '../kafka/reset.js';
import { ApiError, KAFKA_LIMITS, type KafkaConnectionInfo, type KafkaGroupLag, type KafkaMessage, type KafkaResetPlan, type Params, type Result } from '../../shared/api.js';

/** Kafka errors → API error codes (the message, with its numbers, is kept). */
function apiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof KafkaError) {
    if (e.kind === 'invalid') return new ApiError('BAD_REQUEST', e.message);
    if (e.kind === 'unknown-topic') return new ApiError('NOT_FOUND', e.message);
    if (e.kind === 'group-active') return new ApiError('ILLEGAL_STATE', e.message);
    return new ApiError('INTERNAL', `${e.kind}: ${e.message}`);
  }
  return new ApiError('INTERNAL', e instanceof Error ? e.message : String(e));
}

async function kafkaCall<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw apiError(e);
  }
}

function masked(c: NamedConnection): KafkaConnectionInfo {
  return {
    name: c.name,
    brokers: [...c.brokers],
    clientId: c.clientId ?? 'sluice-console',
    ssl: c.ssl !== undefined && c.ssl !== false,
    sasl: c.sasl ? { mechanism: c.sasl.mechanism, username: c.sasl.username, hasPassword: c.sasl.password.length > 0 } : null,
  };
}

function cut(s: string): { text: string; truncated: boolean } {
  return s.length > KAFKA_LIMITS.maxValueChars ? { text: s.slice(0, KAFKA_LIMITS.maxValueChars), truncated: true } : { text: s, truncated: false };
}

function message(m: BrowsedMessage): KafkaMessage {
  const json = m.decodeError === undefined && m.value !== null && typeof m.value !== 'string';
  const raw = m.value === null ? null : typeof m.value === 'string' ? m.value : JSON.stringify(m.value);
  const v = raw === null ? null : cut(raw);
  const k = m.key === null ? null : cut(m.key);
  const headers: Record<string, string | null> = {};
  for (const [h, hv] of Object.entries(m.headers).slice(0, 50)) headers[h.slice(0, 300)] = hv === null ? null : hv.slice(0, 2000);
  return { partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: k?.text ?? null, value: v?.text ?? null, json, truncated: (v?.truncated ?? false) || (k?.truncated ?? false), headers };
}

function lagResult(r: GroupLagReport): KafkaGroupLag {
  const estimates = r.partitions.map((p) => p.catchUpMs);
  return {
    group: r.group,
    cluster: r.cluster,
    status: r.status,
    state: r.state,
    members: r.members,
    observedAt: r.observedAt,
    totalLag: r.totalLag,
    maxLag: r.maxLag,
    complete: r.complete,
    catchUpMs: estimates.length > 0 && estimates.every((c) => c !== null) ? Math.max(...(estimates as number[])) : null,
    partitions: r.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      committed: p.committed,
      logEnd: p.logEnd,
      lag: p.lag,
      owner: p.owner === null ? null : p.owner.slice(0, 500),
      timeLagMs: p.timeLagMs,
      status: p.status,
      rule: p.rule,
      reason: p.reason.slice(0, 2000),
      complete: p.complete,
      windowSpanMs: p.windowSpanMs,
      catchUpMs: p.catchUpMs,
      consumeRate: p.consumeRate,
      produceRate: p.produceRate,
    })),
  };
}

function planResult(p: ResetPlan): KafkaResetPlan {
  return { group: p.group, target: p.target, state: p.state, activeMembers: p.activeMembers.map((m) => m.slice(0, 1000)), rows: p.rows.map((r) => ({ ...r })) };
}

export class KafkaService {
  private readonly explorer = new KafkaExplorer();
  private store: LagStore | null = null;

  private readonly saved: ConnectionStore;

  constructor(
    private readonly dataDir: string,
    secrets: SecretBox | null = null,
  ) {
    this.saved = new ConnectionStore(dataDir, secrets);
    for (const c of this.saved.load()) this.explorer.addConnection(c);
  }

  private persist(): void {
    this.saved.save(this.explorer.connections());
  }

  private lagStore(): LagStore {
    return (this.store ??= LagStore.open(path.join(this.dataDir, 'kafka-lag.db')));
  }

  private find(name: string): NamedConnection {
    const c = this.explorer.connections().find((x) => x.name === name);
    if (c === undefined) throw new ApiError('NOT_FOUND', `no Kafka connection named "${name}"`);
    return c;
  }

  private cluster(name: string) {
    this.find(name);
    return this.explorer.cluster(name);
  }

  async listConnections(): Promise<Result<'kafkaListConnections'>> {
    return this.explorer.connections().map(masked);
  }

  async saveConnection(p: Params<'kafkaSaveConnection'>): Promise<Result<'kafkaSaveConnection'>> {
    const old = this.explorer.connections().find((x) => x.name === p.name);
    if (old !== undefined && !p.replace) throw new ApiError('ILLEGAL_STATE', `a connection named "${p.name}" exists`);
    let sasl: NamedConnection['sasl'] = null;
    if (p.sasl !== null) {
      const password = p.sasl.password ?? (old?.sasl?.username === p.sasl.username ? old.sasl.password : undefined);
      if (password === undefined) throw new ApiError('BAD_REQUEST', 'SASL needs a password');
      sasl = { mechanism: p.sasl.mechanism, username: p.sasl.username, password };
    }
    const c: NamedConnection = { name: p.name, brokers: p.brokers, clientId: 'sluice-console', ssl: p.ssl, sasl, connectionTimeoutMs: 3_000, requestTimeoutMs: 15_000, retries: 1 };
    if (old !== undefined) await this.explorer.removeConnection(p.name);
    this.explorer.addConnection(c);
    this.persist();
    return masked(c);
  }

  async removeConnection(p: Params<'kafkaRemoveConnection'>): Promise<Result<'kafkaRemoveConnection'>> {
    const had = this.explorer.connections().some((x) => x.name === p.connection);
    await this.explorer.removeConnection(p.connection);
    if (had) this.persist();
    return { removed: had };
  }

  async testConnection(p: Params<'kafkaTestConnection'>): Promise<Result<'kafkaTestConnection'>> {
    this.find(p.connection);
    const r = await kafkaCall(() => this.explorer.test(p.connection, 10_000));
    return r.ok ? r : { ok: false, kind: r.kind, error: r.error.slice(0, 4000), ms: r.ms };
  }

  clusterInfo(p: Params<'kafkaCluster'>): Promise<Result<'kafkaCluster'>> {
    return kafkaCall(() => this.cluster(p.connection).cluster());
  }

  topics(p: Params<'kafkaTopics'>): Promise<Result<'kafkaTopics'>> {
    return kafkaCall(() => this.cluster(p.connection).topics({ includeInternal: p.includeInternal === true }));
  }

  browse(p: Params<'kafkaBrowse'>): Promise<Result<'kafkaBrowse'>> {
    return kafkaCall(async () => {
      const msgs = await this.cluster(p.connection).browse({
        topic: p.topic,
        from: p.from,
        limit: p.limit,
        decode: 'json',
        timeoutMs: 10_000,
        ...(p.partitions !== undefined ? { partitions: p.partitions } : {}),
        ...(p.filter !== undefined ? { filter: p.filter } : {}),
      });
      const max = KAFKA_LIMITS.maxBrowse * 10;
      return { messages: msgs.slice(0, max).map(message), more: msgs.length > max };
    });
  }

  produce(p: Params<'kafkaProduce'>): Promise<Result<'kafkaProduce'>> {
    return kafkaCall(() => this.cluster(p.connection).produce(p.topic, { key: p.key, value: p.value, ...(p.partition !== undefined ? { partition: p.partition } : {}) }));
  }

  /** Groups with their Burrow status: one lag sample per group (stored, so the list also feeds the history). */
  groups(p: Params<'kafkaGroups'>): Promise<Result<'kafkaGroups'>> {
    return kafkaCall(async () => {
      const c = this.cluster(p.connection);
      const list = await c.groups();
      const out: Result<'kafkaGroups'> = [];
      for (const g of list) {
        let status: KafkaGroupLag['status'] | null = null;
        let totalLag: number | null = null;
        let maxTimeLagMs: number | null = null;
        let error: string | null = null;
        try {
          const r = await c.lag(g.groupId, this.lagStore(), { burrow: DEFAULT_BURROW_OPTIONS });
          status = r.status;
          totalLag = r.totalLag;
          const times = r.partitions.map((x) => x.timeLagMs).filter((x): x is number => x !== null);
          maxTimeLagMs = times.length > 0 ? Math.max(...times) : null;
        } catch (e) {
          if (!(e instanceof KafkaError && e.kind === 'invalid')) error = (e instanceof Error ? e.message : String(e)).slice(0, 2000);
        }
        out.push({ groupId: g.groupId.slice(0, 255), protocolType: g.protocolType.slice(0, 100), state: g.state.slice(0, 50), members: g.members, status, totalLag, maxTimeLagMs, error });
      }
      return out;
    });
  }

  groupLag(p: Params<'kafkaGroupLag'>): Promise<Result<'kafkaGroupLag'>> {
    return kafkaCall(async () => lagResult(await this.cluster(p.connection).lag(p.group, this.lagStore(), { burrow: DEFAULT_BURROW_OPTIONS })));
  }

  async lagHistory(p: Params<'kafkaLagHistory'>): Promise<Result<'kafkaLagHistory'>> {
    this.find(p.connection);
    const rows = this.lagStore().history(p.connection, p.group, p.sinceMs);
    return rows.slice(-KAFKA_LIMITS.maxLagSamples).map((r) => ({ topic: r.topic, partition: r.partition, observedAt: r.observedAt, committed: r.committed, logEnd: r.logEnd, lag: r.lag, timeLagMs: r.timeLagMs }));
  }

  planReset(p: Params<'kafkaPlanReset'>): Promise<Result<'kafkaPlanReset'>> {
    return kafkaCall(async () => planResult(await this.cluster(p.connection).planReset(p.group, p.target, p.topics)));
  }

  applyReset(p: Params<'kafkaApplyReset'>): Promise<Result<'kafkaApplyReset'>> {
    return kafkaCall(async () => {
      const c = this.cluster(p.connection);
      const plan = await c.planReset(p.group, p.target, p.topics);
      await c.applyReset(plan);
      return planResult(plan);
    });
  }

  async close(): Promise<void> {
    await this.explorer.close().catch(() => undefined);
    this.store?.close();
    this.store = null;
  }
}
