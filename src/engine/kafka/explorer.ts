/**
 * The Kafka cluster explorer behind the console's Kafka views and `sluice kafka`:
 * named connections (several clusters at once), connection tests with clear errors,
 * cluster / topic / group views, message browsing with the sandboxed expression
 * language, test messages, lag with Burrow status, and offset resets.
 */
import { KafkaClient, type KafkaRecord } from '../connectors/kafka/client.js';
import type { KafkaConnectionConfig } from '../connectors/kafka/config.js';
import { describeKafkaError, KafkaError, withDeadline, type KafkaErrorKind } from '../connectors/kafka/errors.js';
import { compilePredicate } from '../expr/index.js';
import type { BurrowOptions } from './burrow.js';
import { sampleGroupLag, readGroupLag, type GroupLagReport, type GroupLagSnapshot } from './lag.js';
import type { LagStore } from './lag-store.js';
import { applyOffsetReset, planOffsetReset, type ResetPlan, type ResetTarget } from './reset.js';

export interface NamedConnection extends KafkaConnectionConfig {
  readonly name: string;
}

export type ConnectionTest = { ok: true; clusterId: string; brokers: number; controller: number | null; ms: number } | { ok: false; kind: KafkaErrorKind; error: string; ms: number };

export interface TopicSummary {
  readonly name: string;
  readonly internal: boolean;
  readonly partitions: {
    readonly partition: number;
    readonly leader: number;
    readonly replicas: number[];
    readonly isr: number[];
    readonly earliest: number;
    readonly latest: number;
    /** latest − earliest: records held (control records and compaction gaps included, as Kafka counts). */
    readonly messages: number;
  }[];
  readonly messages: number;
}

export type BrowseStart = { readonly offset: number } | { readonly timestamp: number } | 'earliest' | { readonly last: number };

export interface BrowseRequest {
  readonly topic: string;
  /** default: every partition */
  readonly partitions?: number[];
  readonly from: BrowseStart;
  /** Records per partition (default 50, at most 10 000). */
  readonly limit?: number;
  readonly decode?: 'json' | 'text' | 'base64';
  /** Expression over `{topic, partition, offset, timestamp, key, value, headers}`, e.g. `value.amount > 10`. */
  readonly filter?: string;
  readonly isolation?: 'read_committed' | 'read_uncommitted';
  readonly timeoutMs?: number;
}

export interface BrowsedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: unknown;
  /** Null for a header whose value is null. */
  readonly headers: Record<string, string | null>;
  /** Set when `decode: json` failed for this record (value is then the text). */
  readonly decodeError?: string;
}

export function decodeBytes(b: Buffer | null, how: 'json' | 'text' | 'base64'): { value: unknown; error?: string } {
  if (b === null) return { value: null };
  if (how === 'base64') return { value: b.toString('base64') };
  const text = b.toString('utf8');
  if (how === 'text') return { value: text };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { value: text, error: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** One cluster: wraps a KafkaClient with the explorer's views. */
export class ClusterExplorer {
  constructor(
    readonly name: string,
    readonly client: KafkaClient,
  ) {}

  async cluster(): Promise<{ clusterId: string; controller: number | null; brokers: { nodeId: number; host: string; port: number }[] }> {
    return this.client.describeCluster();
  }

  async topics(opts: { includeInternal?: boolean } = {}): Promise<TopicSummary[]> {
    const names = (await this.client.listTopics()).filter((n) => opts.includeInternal === true || !n.startsWith('__')).sort();
    return Promise.all(names.map((n) => this.topic(n)));
  }

  async topic(name: string): Promise<TopicSummary> {
    const [md] = await this.client.topicMetadata([name]);
    if (md === undefined) throw new KafkaError('unknown-topic', `topic "${name}" does not exist`);
    const offs = new Map((await this.client.topicOffsets(name)).map((o) => [o.partition, o]));
    const partitions = md.partitions.map((p) => {
      const o = offs.get(p.partition);
      const earliest = o?.low ?? 0;
      const latest = o?.high ?? 0;
      return { partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr, earliest, latest, messages: latest - earliest };
    });
    return { name, internal: name.startsWith('__'), partitions, messages: partitions.reduce((n, p) => n + p.messages, 0) };
  }

  createTopic(name: string, partitions: number, replicationFactor = 1, configs: Record<string, string> = {}): Promise<void> {
    return this.client.createTopic(name, partitions, replicationFactor, configs);
  }

  deleteTopic(name: string): Promise<void> {
    return this.client.deleteTopic(name);
  }

  async produce(topic: string, msg: { key?: string | null; value: string; partition?: number; headers?: Record<string, string> }): Promise<{ partition: number; offset: number }> {
    const p = await this.client.producer();
    try {
      const [r] = await p.send(topic, [msg]);
      return { partition: r?.partition ?? -1, offset: r?.offset ?? -1 };
    } catch (e) {
      throw describeKafkaError(e, `produce to ${topic}`);
    } finally {
      await p.close();
    }
  }

  async browse(req: BrowseRequest): Promise<BrowsedMessage[]> {
    const limit = Math.min(10_000, Math.max(1, req.limit ?? 50));
    const decode = req.decode ?? 'json';
    let test: ((r: Record<string, unknown>) => boolean) | null = null;
    if (req.filter !== undefined && req.filter.trim() !== '') {
      const c = compilePredicate(req.filter);
      if (!c.ok) throw new KafkaError('invalid', `filter: ${c.error}`);
      test = c.test;
    }
    const topic = await this.topic(req.topic);
    const wanted = req.partitions ?? topic.partitions.map((p) => p.partition);
    const byTime = typeof req.from === 'object' && 'timestamp' in req.from ? new Map((await this.client.offsetsForTimestamp(req.topic, req.from.timestamp)).map((o) => [o.partition, o.offset])) : null;
    const out: BrowsedMessage[] = [];
    const deadline = Date.now() + (req.timeoutMs ?? 15_000);
    for (const pn of wanted) {
      const p = topic.partitions.find((x) => x.partition === pn);
      if (p === undefined) throw new KafkaError('unknown-topic', `topic "${req.topic}" has no partition ${pn}`);
      let offset: number;
      if (req.from === 'earliest') offset = p.earliest;
      else if ('offset' in req.from) offset = Math.max(p.earliest, req.from.offset);
      else if ('last' in req.from) offset = Math.max(p.earliest, p.latest - req.from.last);
      else offset = byTime!.get(pn) ?? p.latest;
      if (offset < 0) offset = p.latest;
      let got = 0;
      let empty = 0;
      while (got < limit && offset < p.latest && Date.now() < deadline) {
        const [res] = await this.client.fetch([{ topic: req.topic, partition: pn, offset }], { isolation: req.isolation ?? 'read_committed', maxWaitMs: 0, maxBytesPerPartition: 512 * 1024 });
        if (res === undefined || res.nextOffset <= offset) {
          // Nothing readable: an open transaction holds the rest back, or a busy broker
          // answered empty. Ask again a few times before concluding it is the former.
          if (++empty >= 4) break;
          await new Promise((r) => setTimeout(r, 50 * empty));
          continue;
        }
        empty = 0;
        offset = res.nextOffset;
        for (const r of res.records) {
          if (got >= limit) break;
          const m = toBrowsed(r, decode);
          if (test !== null) {
            let keep = false;
            try {
              keep = test(m as unknown as Record<string, unknown>);
            } catch {
              keep = false;
            }
            if (!keep) continue;
          }
          out.push(m);
          got++;
        }
      }
    }
    return out;
  }

  async groups(): Promise<{ groupId: string; protocolType: string; state: string; members: number }[]> {
    const list = await this.client.listGroups();
    const out = [];
    for (const g of list.sort((a, b) => a.groupId.localeCompare(b.groupId))) {
      const d = await this.client.describeGroup(g.groupId);
      out.push({ groupId: g.groupId, protocolType: g.protocolType, state: d.state, members: d.members.length });
    }
    return out;
  }

  describeGroup(group: string) {
    return this.client.describeGroup(group);
  }

  /** Lag now, without Burrow history. */
  lagNow(group: string, opts: { timeLag?: boolean } = {}): Promise<GroupLagSnapshot> {
    return readGroupLag(this.client, group, opts);
  }

  /** Samples lag into the store and evaluates Burrow's rules over the stored window. */
  lag(group: string, store: LagStore, opts: { burrow?: BurrowOptions; timeLag?: boolean } = {}): Promise<GroupLagReport> {
    return sampleGroupLag(this.client, store, this.name, group, opts);
  }

  planReset(group: string, target: ResetTarget, topics?: string[]): Promise<ResetPlan> {
    return planOffsetReset(this.client, group, target, topics);
  }

  applyReset(plan: ResetPlan): Promise<void> {
    return applyOffsetReset(this.client, plan);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function toBrowsed(r: KafkaRecord, decode: 'json' | 'text' | 'base64'): BrowsedMessage {
  const v = decodeBytes(r.value, decode);
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : decode === 'base64' ? r.key.toString('base64') : r.key.toString('utf8'),
    value: v.value,
    headers: { ...r.headers },
    ...(v.error !== undefined ? { decodeError: v.error } : {}),
  };
}

/** Tests a connection within `timeoutMs`: reachable, authenticated, TLS as configured. */
export async function testConnection(cfg: KafkaConnectionConfig, timeoutMs = 10_000): Promise<ConnectionTest> {
  const t0 = Date.now();
  let client: KafkaClient | null = null;
  try {
    client = new KafkaClient({ retries: 0, connectionTimeoutMs: Math.min(3_000, timeoutMs), requestTimeoutMs: timeoutMs, ...cfg });
    const c = client;
    const info = await withDeadline(c.describeCluster(), timeoutMs, `connect to ${c.brokers.join(',')}`);
    return { ok: true, clusterId: info.clusterId, brokers: info.brokers.length, controller: info.controller, ms: Date.now() - t0 };
  } catch (e) {
    const err = describeKafkaError(e, `connect to ${cfg.brokers.join(',')}`);
    return { ok: false, kind: err.kind, error: err.message, ms: Date.now() - t0 };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** Several clusters at once, by connection name. */
export class KafkaExplorer {
  private readonly clusters = new Map<string, ClusterExplorer>();
  private readonly configs = new Map<string, NamedConnection>();

  addConnection(c: NamedConnection): void {
    if (this.configs.has(c.name)) throw new KafkaError('invalid', `a connection named "${c.name}" exists`);
    this.configs.set(c.name, c);
  }

  connections(): NamedConnection[] {
    return [...this.configs.values()];
  }

  async removeConnection(name: string): Promise<void> {
    await this.clusters.get(name)?.close();
    this.clusters.delete(name);
    this.configs.delete(name);
  }

  test(name: string, timeoutMs?: number): Promise<ConnectionTest> {
    const c = this.configs.get(name);
    if (c === undefined) throw new KafkaError('invalid', `no connection named "${name}"`);
    return testConnection(c, timeoutMs);
  }

  cluster(name: string): ClusterExplorer {
    let e = this.clusters.get(name);
    if (e !== undefined) return e;
    const c = this.configs.get(name);
    if (c === undefined) throw new KafkaError('invalid', `no connection named "${name}"`);
    e = new ClusterExplorer(name, new KafkaClient(c));
    this.clusters.set(name, e);
    return e;
  }

  async close(): Promise<void> {
    for (const e of this.clusters.values()) await e.close();
    this.clusters.clear();
  }
}
