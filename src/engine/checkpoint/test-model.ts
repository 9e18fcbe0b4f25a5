/**
 * Test support: a model job that keeps keyed state in a Map, writes real parts through
 * `writePart` and completes them through a real CheckpointStore, and remembers the exact
 * state of every completed checkpoint, so tests can compare any restore with the model.
 * Used by the unit tests and by the crash writer child process; not imported by the engine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keyGroupForKey, keyGroupRangeForWorker } from '../core/keygroups.js';
import type { CheckpointId } from '../core/types.js';
import { writePart } from './part-file.js';
import { readRestore } from './restore.js';
import type { CheckpointStore } from './store.js';
import type { CheckpointKind, CheckpointRecord, KeyGroupSpan, PartRef, RestorePlan, StateEntry } from './types.js';

export interface ModelEntry {
  readonly operator: string;
  readonly keyGroup: number;
  readonly key: string;
  readonly value: unknown;
}

export const entryId = (operator: string, key: string): string => `${operator}\u0000${key}`;

export function makeTempDir(prefix = 'sluice-ckpt-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface CheckpointOptions {
  /** Full parts for every worker (true), none (false), or per worker. */
  readonly full?: boolean | ((worker: number) => boolean);
  /** Write the parts, then fail the checkpoint instead of completing it. */
  readonly fail?: boolean;
  readonly kind?: CheckpointKind;
  readonly operatorState?: (worker: number) => Record<string, unknown>;
  readonly sourcePositions?: (worker: number) => Record<string, Record<string, number>>;
}

export class ModelJob {
  readonly state = new Map<string, ModelEntry>();
  /** Changes since the checkpoint the state is based on; value undefined = deleted. */
  private dirty = new Map<string, ModelEntry>();
  /** Exact state of every completed checkpoint. */
  readonly snapshots = new Map<CheckpointId, ReadonlyMap<string, ModelEntry>>();
  /** False until a checkpoint completed or a restore happened: the first checkpoint is full. */
  private hasBase = false;

  constructor(
    readonly dir: string,
    readonly store: CheckpointStore,
    public parallelism: number,
    readonly maxParallelism: number,
  ) {}

  put(operator: string, key: string, value: unknown): void {
    const e = { operator, keyGroup: keyGroupForKey(key, this.maxParallelism), key, value: JSON.parse(JSON.stringify(value)) as unknown };
    this.state.set(entryId(operator, key), e);
    this.dirty.set(entryId(operator, key), e);
  }

  delete(operator: string, key: string): void {
    this.state.delete(entryId(operator, key));
    this.dirty.set(entryId(operator, key), { operator, keyGroup: keyGroupForKey(key, this.maxParallelism), key, value: undefined });
  }

  get dirtyCount(): number {
    return this.dirty.size;
  }

  checkpoint(opts: CheckpointOptions = {}): CheckpointRecord {
    const id = this.store.nextCheckpointId();
    const p = this.parallelism;
    this.store.begin(id, opts.kind ?? 'checkpoint', Date.now(), p, this.maxParallelism);
    const parts: PartRef[] = [];
    for (let w = 0; w < p; w++) {
      const range = keyGroupRangeForWorker(this.maxParallelism, p, w);
      const full = !this.hasBase || (typeof opts.full === 'function' ? opts.full(w) : (opts.full ?? false));
      const source = full ? this.state : this.dirty;
      const entries: StateEntry[] = [];
      for (const e of source.values()) if (e.keyGroup >= range.start && e.keyGroup <= range.end) entries.push(e);
      parts.push(
        writePart(this.dir, {
          checkpoint: id,
          worker: w,
          entries,
          operatorState: opts.operatorState?.(w) ?? { [`op-w${w}`]: { checkpoint: id } },
          sourcePositions: opts.sourcePositions?.(w) ?? { [`split-${w}`]: { offset: id * 10 + w } },
          full,
          keyGroups: range,
        }),
      );
    }
    if (opts.fail === true) return this.store.fail(id, `test failure of checkpoint ${id}`);
    const rec = this.store.complete(
      id,
      {
        triggerTs: Date.now(),
        durationMs: 1,
        syncMs: 0.5,
        asyncMs: 0.5,
        alignmentMs: 0,
        fullSizeBytes: this.state.size * 10,
        checkpointedSizeBytes: parts.reduce((n, x) => n + x.bytes, 0),
        numKeys: this.state.size,
      },
      parts,
    );
    this.dirty.clear();
    this.hasBase = true;
    this.snapshots.set(id, new Map(this.state));
    return rec;
  }

  /** A crash then a restore from `id` (possibly at another parallelism): state rewinds, dirty clears. */
  restoreFrom(id: CheckpointId, parallelism = this.parallelism): void {
    const snap = this.snapshots.get(id);
    if (snap === undefined) throw new Error(`model has no snapshot of checkpoint ${id}`);
    this.state.clear();
    for (const [k, v] of snap) this.state.set(k, v);
    this.dirty.clear();
    this.parallelism = parallelism;
    this.store.markRestored(id);
    this.hasBase = true;
  }
}

/** Reads a restore into a Map, failing on a (operator, key) yielded twice or in the wrong key group. */
export function readRestoreMap(dir: string, plan: RestorePlan, ranges: readonly KeyGroupSpan[]): Map<string, ModelEntry> {
  const out = new Map<string, ModelEntry>();
  for (const range of ranges) {
    for (const e of readRestore(dir, plan, range).entries) {
      const id = entryId(e.operator, e.key);
      if (out.has(id)) throw new Error(`restore yielded ${JSON.stringify(id)} twice`);
      if (e.keyGroup < range.start || e.keyGroup > range.end) throw new Error(`restore of ${JSON.stringify(range)} yielded key group ${e.keyGroup}`);
      out.set(id, { operator: e.operator, keyGroup: e.keyGroup, key: e.key, value: e.value });
    }
  }
  return out;
}

/** Model state as a sorted plain object, for readable toEqual diffs. */
export function sortedState(m: ReadonlyMap<string, ModelEntry>): Array<[string, number, unknown]> {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([id, e]) => [id, e.keyGroup, e.value]);
}

/** Every worker range of `parallelism` over `maxParallelism` key groups. */
export function workerRanges(maxParallelism: number, parallelism: number): KeyGroupSpan[] {
  return Array.from({ length: parallelism }, (_, w) => keyGroupRangeForWorker(maxParallelism, parallelism, w));
}

/** Files in `<dir>/parts`, relative to `dir`. */
export function listPartFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(dir, 'parts'))
    .map((f) => `parts/${f}`)
    .sort();
}

/** mulberry32: a small deterministic PRNG for tests and the crash writer. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The crash writer's changes for checkpoint `id`: a pure function of (seed, id), so the test
 * process can rebuild the exact state of any checkpoint the child completed. value
 * undefined = delete.
 */
export function crashChanges(seed: number, id: number, keySpace: number, ops: number): Array<[string, unknown]> {
  const rnd = prng(seed ^ Math.imul(id, 0x9e3779b1));
  const out: Array<[string, unknown]> = [];
  for (let i = 0; i < ops; i++) {
    const n = Math.floor(rnd() * keySpace);
    out.push([`k${n}`, rnd() < 0.15 ? undefined : { c: id, s: n, pad: 'x'.repeat(n % 40) }]);
  }
  return out;
}
