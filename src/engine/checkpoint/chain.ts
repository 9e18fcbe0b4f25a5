/**
 * Restore chains, as pure functions over checkpoint metadata.
 *
 * The state of key group g at completed checkpoint n is found by walking n, base(n),
 * base(base(n)), …: at each checkpoint take the one part covering g, and stop after a part
 * that is `full` for g.
 * Newer parts win per (operator, key); a tombstone hides older values.
 *
 * `base(n)` is the completed checkpoint whose state n's incremental parts were computed
 * against: normally the previous completed checkpoint, but after a restore from an older
 * checkpoint (a corrupt newest one, a savepoint) it is the restored one. Walking base links
 * instead of ids keeps changes of checkpoints the job never restored out of the chain.
 *
 * Parts of one checkpoint tile [0, maxParallelism) (one per worker), but parts of different
 * checkpoints may come from different parallelisms: the walk is per key group.
 */
import type { CheckpointId } from '../core/types.js';
import type { PartRef } from './types.js';

/** What the walk needs to know about a completed checkpoint. */
export interface ChainNode {
  readonly id: CheckpointId;
  readonly base: CheckpointId | null;
  readonly parts: readonly PartRef[];
}

export interface ChainStep {
  readonly checkpoint: CheckpointId;
  readonly part: PartRef;
}

/** A chain cannot be followed: a base checkpoint or a part is missing from the metadata. */
export class BrokenChainError extends Error {
  override readonly name = 'BrokenChainError';
}

function coveringPart(node: ChainNode, keyGroup: number): PartRef | undefined {
  for (const p of node.parts) if (keyGroup >= p.keyGroups.start && keyGroup <= p.keyGroups.end) return p;
  return undefined;
}

/** The parts holding key group `keyGroup` at checkpoint `from`, newest first. */
export function walkKeyGroup(
  lookup: (id: CheckpointId) => ChainNode | undefined,
  from: CheckpointId,
  keyGroup: number,
): ChainStep[] {
  const steps: ChainStep[] = [];
  let id: CheckpointId | null = from;
  let child: CheckpointId | undefined;
  while (id !== null) {
    const node = lookup(id);
    if (node === undefined) {
      throw new BrokenChainError(
        child === undefined
          ? `checkpoint ${id} is not a completed checkpoint`
          : `checkpoint ${child} builds on checkpoint ${id}, which is gone`,
      );
    }
    const part = coveringPart(node, keyGroup);
    if (part === undefined) {
      throw new BrokenChainError(`checkpoint ${id} has no part for key group ${keyGroup} (needed by checkpoint ${from})`);
    }
    steps.push({ checkpoint: id, part });
    if (part.full) break;
    if (node.base === null) {
      throw new BrokenChainError(`checkpoint ${id} has an incremental part for key group ${keyGroup} but no base checkpoint`);
    }
    if (node.base >= id) {
      throw new BrokenChainError(`checkpoint ${id} names checkpoint ${node.base} as its base; a base must be older`);
    }
    child = id;
    id = node.base;
  }
  return steps;
}

/**
 * Every part needed to restore key groups [start, end] of checkpoint `from`, grouped by
 * checkpoint, newest first. Throws BrokenChainError when the metadata cannot support it.
 */
export function chainFor(
  lookup: (id: CheckpointId) => ChainNode | undefined,
  from: CheckpointId,
  start: number,
  end: number,
): Array<{ node: ChainNode; parts: PartRef[] }> {
  const needed = new Map<CheckpointId, Set<PartRef>>();
  for (let kg = start; kg <= end; kg++) {
    for (const step of walkKeyGroup(lookup, from, kg)) {
      let s = needed.get(step.checkpoint);
      if (s === undefined) needed.set(step.checkpoint, (s = new Set()));
      s.add(step.part);
    }
  }
  return [...needed.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([id, parts]) => ({ node: lookup(id)!, parts: [...parts].sort((a, b) => a.keyGroups.start - b.keyGroups.start) }));
}

/** Checks that parts tile [0, maxParallelism) exactly; returns a message when they do not. */
export function tilingError(parts: readonly PartRef[], maxParallelism: number): string | undefined {
  const sorted = [...parts].sort((a, b) => a.keyGroups.start - b.keyGroups.start);
  let next = 0;
  for (const p of sorted) {
    if (p.keyGroups.start !== next) {
      return p.keyGroups.start < next
        ? `parts overlap at key group ${p.keyGroups.start} (worker ${p.worker})`
        : `no part covers key groups ${next}..${p.keyGroups.start - 1}`;
    }
    if (p.keyGroups.end < p.keyGroups.start) return `worker ${p.worker} has an empty key-group range`;
    next = p.keyGroups.end + 1;
  }
  if (next !== maxParallelism) return `no part covers key groups ${next}..${maxParallelism - 1}`;
  return undefined;
}
