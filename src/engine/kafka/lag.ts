/**
 * Consumer lag of a group, the way `kafka-consumer-groups --describe` computes it
 * (log-end offset = high watermark, minus the committed offset), plus lag in time, the
 * Burrow status over the stored window, and a catch-up estimate.
 *
 * How the Burrow window is fed by polling (Burrow reads every commit from
 * `__consumer_offsets`; the OffsetFetch API has no commit timestamps): each sample whose
 * committed offset differs from the last stored commit is a new commit, stamped with the
 * time we saw it. A sample with the same offset counts as a (re-)commit only while the
 * group has active members — a live consumer that commits without progress is exactly
 * what STALL describes; a group without members commits nothing, so no entry is added
 * and STOP fires once the silence outlasts the window. Groups committed by a Sluice job
 * (no members, like Flink's KafkaSource) therefore show STOP rather than STALL when the
 * job stops making progress.
 */
import type { KafkaClient } from '../connectors/kafka/client.js';
import { KafkaError } from '../connectors/kafka/errors.js';
import { appendEntry, DEFAULT_BURROW_OPTIONS, evaluateGroup, evaluatePartition, type BurrowOptions, type GroupStatus, type PartitionLagStatus } from './burrow.js';
import type { LagStore } from './lag-store.js';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly committed: number;
  readonly logEnd: number;
  readonly lag: number;
  /** Member owning the partition (`clientId/host`), or null. */
  readonly owner: string | null;
  /** Newest record's timestamp minus the timestamp of the record at the committed offset; 0 when caught up. */
  readonly timeLagMs: number | null;
}

export interface GroupLagSnapshot {
  readonly group: string;
  readonly state: string;
  readonly protocolType: string;
  readonly protocol: string;
  readonly members: number;
  readonly observedAt: number;
  readonly partitions: PartitionLag[];
  readonly totalLag: number;
  readonly maxLag: number;
}

/** Reads committed offsets and log ends now. Throws KafkaError('invalid') for a group Kafka does not know. */
export async function readGroupLag(client: KafkaClient, group: string, opts: { timeLag?: boolean } = {}): Promise<GroupLagSnapshot> {
  const desc = await client.describeGroup(group);
  const observedAt = Date.now();
  const committed = (await client.groupOffsets(group)).filter((o) => o.offset >= 0);
  if (desc.state === 'Dead' && committed.length === 0) throw new KafkaError('invalid', `consumer group "${group}" does not exist (no members, no committed offsets)`);
  const owners = new Map<string, string>();
  for (const m of desc.members) for (const [t, ps] of Object.entries(m.assignment)) for (const p of ps) owners.set(`${t}/${p}`, `${m.clientId}/${m.clientHost}`);
  const ends = new Map<string, number>();
  for (const topic of new Set(committed.map((c) => c.topic))) {
    for (const o of await client.topicOffsets(topic)) ends.set(`${topic}/${o.partition}`, o.high);
  }
  const partitions: PartitionLag[] = [];
  for (const c of committed.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
    const logEnd = ends.get(`${c.topic}/${c.partition}`);
    if (logEnd === undefined) continue; // topic deleted since the commit
    const lag = Math.max(0, logEnd - c.offset);
    let timeLagMs: number | null = lag === 0 ? 0 : null;
    if (opts.timeLag !== false && lag > 0) timeLagMs = await recordAgeGap(client, c.topic, c.partition, c.offset, logEnd);
    partitions.push({ topic: c.topic, partition: c.partition, committed: c.offset, logEnd, lag, owner: owners.get(`${c.topic}/${c.partition}`) ?? null, timeLagMs });
  }
  return {
    group,
    state: desc.state,
    protocolType: desc.protocolType,
    protocol: desc.protocol,
    members: desc.members.length,
    observedAt,
    partitions,
    totalLag: partitions.reduce((n, p) => n + p.lag, 0),
    maxLag: partitions.reduce((n, p) => Math.max(n, p.lag), 0),
  };
}

/** Timestamp of the newest record minus that of the first record at/after `committed`. */
async function recordAgeGap(client: KafkaClient, topic: string, partition: number, committed: number, logEnd: number): Promise<number | null> {
  const first = await firstRecordTimestamp(client, topic, partition, committed);
  const newest = await firstRecordTimestamp(client, topic, partition, Math.max(committed, logEnd - 1));
  if (first === null || newest === null) return null;
  return Math.max(0, newest - first);
}

async function firstRecordTimestamp(client: KafkaClient, topic: string, partition: number, offset: number): Promise<number | null> {
  const [res] = await client.fetch([{ topic, partition, offset }], { isolation: 'read_uncommitted', maxWaitMs: 0, maxBytesPerPartition: 64 * 1024 });
  return res?.records[0]?.timestamp ?? null;
}

export interface EvaluatedPartition extends PartitionLag, Omit<PartitionLagStatus, 'topic' | 'partition' | 'currentLag'> {
  /** ms until lag reaches 0 at the current consume and produce rates; null when not shrinking. */
  readonly catchUpMs: number | null;
  readonly consumeRate: number | null;
  readonly produceRate: number | null;
}

export interface GroupLagReport {
  readonly group: string;
  readonly cluster: string;
  readonly status: GroupStatus;
  readonly state: string;
  readonly protocolType: string;
  readonly protocol: string;
  readonly members: number;
  readonly observedAt: number;
  readonly totalLag: number;
  readonly maxLag: number;
  readonly complete: number;
  readonly partitions: EvaluatedPartition[];
}

/**
 * Takes a sample of `group`, stores it (samples, Burrow windows, broker heads) and
 * evaluates the Burrow rules over the stored windows. `cluster` names the cluster in the
 * store (the connection name or bootstrap string).
 */
export async function sampleGroupLag(
  client: KafkaClient,
  store: LagStore,
  cluster: string,
  group: string,
  opts: { burrow?: BurrowOptions; timeLag?: boolean; rateSamples?: number } = {},
): Promise<GroupLagReport> {
  const burrow = opts.burrow ?? DEFAULT_BURROW_OPTIONS;
  const snap = await readGroupLag(client, group, opts.timeLag === undefined ? {} : { timeLag: opts.timeLag });
  const now = snap.observedAt;
  const live = snap.members > 0;
  const rateSamples = opts.rateSamples ?? 10;
  const evaluated: EvaluatedPartition[] = [];
  const statuses: PartitionLagStatus[] = [];
  for (const p of snap.partitions) {
    const previous = store.lastSamples(cluster, group, p.topic, p.partition, rateSamples);
    let window = store.window(cluster, group, p.topic, p.partition);
    const last = window[window.length - 1];
    if (last === undefined || last.offset !== p.committed || live) {
      window = appendEntry(window, { offset: p.committed, timestamp: now, observedAt: now, lag: p.lag }, burrow);
      store.setWindow(cluster, group, p.topic, p.partition, window);
    }
    store.addBrokerHead(cluster, p.topic, p.partition, now, p.logEnd, burrow.intervals);
    const heads = store.brokerHeads(cluster, p.topic, p.partition, burrow.intervals);
    const ev = evaluatePartition(window, p.lag, now, heads, burrow);
    const { consumeRate, produceRate, catchUpMs } = rates(previous, p, now);
    evaluated.push({ ...p, ...ev, currentLag: p.lag, consumeRate, produceRate, catchUpMs } as EvaluatedPartition);
    statuses.push({ ...ev, topic: p.topic, partition: p.partition });
  }
  store.addSamples(snap.partitions.map((p) => ({ cluster, group, topic: p.topic, partition: p.partition, observedAt: now, committed: p.committed, logEnd: p.logEnd, lag: p.lag, timeLagMs: p.timeLagMs })));
  const g = evaluateGroup(statuses);
  return {
    group,
    cluster,
    status: g.status,
    state: snap.state,
    protocolType: snap.protocolType,
    protocol: snap.protocol,
    members: snap.members,
    observedAt: now,
    totalLag: snap.totalLag,
    maxLag: snap.maxLag,
    complete: g.complete,
    partitions: evaluated,
  };
}

/** Records/s consumed and produced over the stored samples, and the catch-up estimate. */
function rates(previous: { observedAt: number; committed: number; logEnd: number }[], p: PartitionLag, now: number): { consumeRate: number | null; produceRate: number | null; catchUpMs: number | null } {
  const oldest = previous[previous.length - 1];
  if (oldest === undefined || now <= oldest.observedAt) return { consumeRate: null, produceRate: null, catchUpMs: null };
  const dt = (now - oldest.observedAt) / 1000;
  const consumeRate = (p.committed - oldest.committed) / dt;
  const produceRate = (p.logEnd - oldest.logEnd) / dt;
  const net = consumeRate - produceRate;
  const catchUpMs = p.lag > 0 && net > 0 ? Math.round((p.lag / net) * 1000) : p.lag === 0 ? 0 : null;
  return { consumeRate, produceRate, catchUpMs };
}
