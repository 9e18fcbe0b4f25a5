/**
 * Keys → key groups → workers, as in Flink's KeyGroupRangeAssignment.
 *
 * A key is hashed (murmur3 32-bit over its UTF-16 code units) into one of
 * `maxParallelism` key groups. Key groups are split into contiguous ranges, one per
 * worker. State is stored per key group, so a checkpoint taken at one parallelism can
 * be restored at another: only the range → worker mapping changes.
 */
import type { KeyGroup, WorkerId } from './types.js';

export const DEFAULT_MAX_PARALLELISM = 128;

/** murmur3 (x86, 32-bit) over the string's UTF-16 code units. Deterministic across processes. */
export function murmur3(s: string, seed = 0): number {
  let h = seed | 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function keyGroupForKey(key: string, maxParallelism: number): KeyGroup {
  return (murmur3(key) % maxParallelism) as KeyGroup;
}

/** An inclusive range of key groups [start, end]. Empty when end < start. */
export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

/** The key groups worker `index` of `parallelism` owns (Flink's computeKeyGroupRangeForOperatorIndex). */
export function keyGroupRangeForWorker(maxParallelism: number, parallelism: number, index: number): KeyGroupRange {
  const start = Math.floor((index * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((index + 1) * maxParallelism - 1) / parallelism);
  return { start, end };
}

/** The worker that owns a key group (Flink's computeOperatorIndexForKeyGroup). */
export function workerForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): WorkerId {
  return Math.floor((keyGroup * parallelism) / maxParallelism) as WorkerId;
}

export function rangeContains(r: KeyGroupRange, kg: number): boolean {
  return kg >= r.start && kg <= r.end;
}
