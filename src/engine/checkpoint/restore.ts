/**
 * The worker side of a restore: reads the state of some key groups from a verified
 * `RestorePlan` (computed by the host's CheckpointStore.restorePlan).
 *
 * Per key group g, the plan's chain gives the parts holding g, newest first (chain.ts).
 * The newer parts' entries of g go into a map (the newest entry per (operator, key) wins, a
 * tombstone included); the oldest part — usually the full one, by far the largest — is
 * streamed past that map, then the map's live entries follow. Memory is bounded by the
 * incremental changes of one key group, never the whole state. A single-part chain (a full
 * checkpoint) streams straight from the file.
 */
import { walkKeyGroup, type ChainNode, type ChainStep } from './chain.js';
import { PartReader, type StateChunk } from './part-file.js';
import type { SourcePosition } from '../connectors/source.js';
import type { CheckpointId } from '../core/types.js';
import type { KeyGroupSpan, RestoreData, RestorePlan, StateEntry } from './types.js';

const TOMBSTONE: unique symbol = Symbol('tombstone');

/**
 * What a worker covering `keyGroups` restores from `plan`. `entries` is lazy and may be
 * iterated more than once; each iteration opens the part files and closes them when it
 * ends (or is broken off). It yields the live entries in key-group order; within a key
 * group the order is unspecified. `operators` restricts entries and operator state to
 * those operator ids. Operator state and source positions come from the restored
 * checkpoint's own parts (every part stores them whole, not incrementally).
 */
export function readRestore(
  dir: string,
  plan: RestorePlan,
  keyGroups: KeyGroupSpan,
  operators?: Iterable<string>,
): RestoreData {
  const { start, end } = keyGroups;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end >= plan.maxParallelism || end < start) {
    throw new RangeError(`key groups [${start}, ${end}] are outside [0, ${plan.maxParallelism - 1}] of checkpoint ${plan.checkpoint}`);
  }
  const ops = operators === undefined ? undefined : new Set(operators);
  const nodes = new Map<CheckpointId, ChainNode>();
  for (const link of plan.chain) nodes.set(link.checkpoint, { id: link.checkpoint, base: link.base, parts: link.parts });
  const head = nodes.get(plan.checkpoint);
  if (head === undefined) throw new Error(`restore plan of checkpoint ${plan.checkpoint} does not contain that checkpoint`);

  // Walk every key group now, so a plan that cannot serve the range fails here.
  const walks: Array<{ keyGroup: number; steps: ChainStep[] }> = [];
  for (let kg = start; kg <= end; kg++) walks.push({ keyGroup: kg, steps: walkKeyGroup((id) => nodes.get(id), plan.checkpoint, kg) });

  const operatorState: Array<Readonly<Record<string, unknown>>> = [];
  const sourcePositions: Record<string, SourcePosition> = {};
  for (const part of [...head.parts].sort((a, b) => a.worker - b.worker)) {
    const reader = PartReader.open(dir, part.file);
    try {
      const state = reader.operatorState();
      if (ops !== undefined) for (const op of Object.keys(state)) if (!ops.has(op)) delete state[op];
      operatorState[part.worker] = state;
      Object.assign(sourcePositions, reader.sourcePositions());
    } finally {
      reader.close();
    }
  }
  for (let w = 0; w < operatorState.length; w++) operatorState[w] ??= {};

  const read = { bytes: 0 };
  return {
    checkpoint: plan.checkpoint,
    entries: { [Symbol.iterator]: () => restoreEntries(dir, walks, ops, read) },
    bytesRead: () => read.bytes,
    operatorState,
    sourcePositions,
  };
}

function* restoreEntries(
  dir: string,
  walks: ReadonlyArray<{ keyGroup: number; steps: ChainStep[] }>,
  ops: ReadonlySet<string> | undefined,
  read: { bytes: number },
): Generator<StateEntry, void, undefined> {
  const readers = new Map<string, PartReader>();
  const reader = (file: string): PartReader => {
    let r = readers.get(file);
    if (r === undefined) readers.set(file, (r = PartReader.open(dir, file)));
    return r;
  };
  try {
    for (const { keyGroup, steps } of walks) {
      const oldest = steps[steps.length - 1]!; // a walk always ends at a full part
      // operator → key → newest value (or TOMBSTONE) from the parts newer than the oldest.
      const newer = new Map<string, Map<string, unknown>>();
      for (let i = 0; i < steps.length - 1; i++) {
        for (const chunk of reader(steps[i]!.part.file).chunks(keyGroup, ops)) {
          read.bytes += chunk.bytes;
          let m = newer.get(chunk.operator);
          if (m === undefined) newer.set(chunk.operator, (m = new Map()));
          const { keys, vals, deleted } = chunk;
          let d = 0;
          for (let j = 0; j < keys.length; j++) {
            const isDeleted = deleted[d] === j;
            if (isDeleted) d++;
            if (!m.has(keys[j]!)) m.set(keys[j]!, isDeleted ? TOMBSTONE : vals[j]);
          }
        }
      }
      for (const chunk of reader(oldest.part.file).chunks(keyGroup, ops)) {
        read.bytes += chunk.bytes;
        yield* liveEntries(chunk, newer.get(chunk.operator));
      }
      for (const [operator, m] of newer) {
        for (const [key, value] of m) if (value !== TOMBSTONE) yield { operator, keyGroup, key, value };
      }
    }
  } finally {
    for (const r of readers.values()) r.close();
  }
}

function* liveEntries(chunk: StateChunk, shadow: Map<string, unknown> | undefined): Generator<StateEntry, void, undefined> {
  const { operator, keyGroup, keys, vals, deleted } = chunk;
  let d = 0;
  for (let j = 0; j < keys.length; j++) {
    if (deleted[d] === j) {
      d++;
      continue;
    }
    const key = keys[j]!;
    if (shadow !== undefined && shadow.has(key)) continue;
    yield { operator, keyGroup, key, value: vals[j] };
  }
}
