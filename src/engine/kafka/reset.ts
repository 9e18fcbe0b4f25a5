/**
 * Resetting a consumer group's offsets, as `kafka-consumer-groups --reset-offsets`:
 * always a dry-run plan first (per partition: from → to, records re-read or skipped),
 * then an apply that refuses while the group has active members.
 */
import type { KafkaClient } from '../connectors/kafka/client.js';
import { KafkaError } from '../connectors/kafka/errors.js';

export type ResetTarget =
  | { readonly to: 'earliest' }
  | { readonly to: 'latest' }
  | { readonly to: 'timestamp'; readonly timestamp: number }
  | { readonly to: 'offset'; readonly offset: number }
  | { readonly to: 'shift'; readonly by: number };

export interface ResetPlanRow {
  readonly topic: string;
  readonly partition: number;
  /** Committed offset now; null when the group has none for this partition. */
  readonly from: number | null;
  readonly to: number;
  /** Records that will be consumed again (to < from), 0 otherwise. */
  readonly reread: number;
  /** Records that will be skipped (to > from), 0 otherwise. */
  readonly skipped: number;
}

export interface ResetPlan {
  readonly group: string;
  readonly target: ResetTarget;
  readonly rows: ResetPlanRow[];
  /** Active members: when non-empty, apply refuses. */
  readonly activeMembers: string[];
  readonly state: string;
}

/** Parses the CLI/console forms: earliest, latest, timestamp:<ms|ISO>, offset:<n>, shift:<±n>. */
export function parseResetTarget(s: string): ResetTarget {
  if (s === 'earliest' || s === 'latest') return { to: s };
  const m = /^(timestamp|offset|shift):(.+)$/.exec(s);
  if (m !== null) {
    const v = m[2]!;
    if (m[1] === 'timestamp') {
      const ts = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
      if (!Number.isFinite(ts)) throw new KafkaError('invalid', `reset target "${s}": not a timestamp (ms since epoch or ISO 8601)`);
      return { to: 'timestamp', timestamp: ts };
    }
    if (!/^[+-]?\d+$/.test(v)) throw new KafkaError('invalid', `reset target "${s}": not an integer`);
    return m[1] === 'offset' ? { to: 'offset', offset: Number(v) } : { to: 'shift', by: Number(v) };
  }
  throw new KafkaError('invalid', `reset target "${s}": expected earliest, latest, timestamp:<ms|ISO>, offset:<n> or shift:<±n>`);
}

export async function planOffsetReset(client: KafkaClient, group: string, target: ResetTarget, topics?: string[]): Promise<ResetPlan> {
  const desc = await client.describeGroup(group);
  const committed = (await client.groupOffsets(group, topics)).filter((o) => o.offset >= 0);
  const chosen = topics ?? [...new Set(committed.map((c) => c.topic))];
  if (chosen.length === 0) throw new KafkaError('invalid', `group "${group}" has no committed offsets: name the topics to reset (--topic)`);
  const rows: ResetPlanRow[] = [];
  for (const topic of chosen.sort()) {
    const ends = await client.topicOffsets(topic);
    const byTime = target.to === 'timestamp' ? new Map((await client.offsetsForTimestamp(topic, target.timestamp)).map((o) => [o.partition, o.offset])) : null;
    for (const e of ends) {
      const from = committed.find((c) => c.topic === topic && c.partition === e.partition)?.offset ?? null;
      let to: number;
      switch (target.to) {
        case 'earliest':
          to = e.low;
          break;
        case 'latest':
          to = e.high;
          break;
        case 'timestamp':
          to = byTime!.get(e.partition) ?? e.high;
          if (to < 0) to = e.high;
          break;
        case 'offset':
          to = target.offset;
          break;
        case 'shift':
          to = (from ?? e.low) + target.by;
          break;
      }
      to = Math.min(e.high, Math.max(e.low, to)); // like the Kafka tool: clamp into the log
      const base = from ?? to;
      rows.push({ topic, partition: e.partition, from, to, reread: Math.max(0, base - to), skipped: Math.max(0, to - base) });
    }
  }
  return { group, target, rows, state: desc.state, activeMembers: desc.members.map((m) => `${m.clientId}/${m.clientHost} (${m.memberId})`) };
}

/** Applies a plan. Refuses while the group has active members (Kafka would reject the commit anyway). */
export async function applyOffsetReset(client: KafkaClient, plan: ResetPlan): Promise<void> {
  const desc = await client.describeGroup(plan.group);
  if (desc.members.length > 0 || !['Empty', 'Dead'].includes(desc.state)) {
    throw new KafkaError(
      'group-active',
      `cannot reset offsets of group "${plan.group}": it has ${desc.members.length} active member(s) (state ${desc.state}): ${desc.members.map((m) => `${m.clientId}/${m.clientHost}`).join(', ')}. Stop its consumers first.`,
    );
  }
  await client.commitGroupOffsets(plan.group, plan.rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.to })));
}
