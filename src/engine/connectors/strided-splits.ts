/**
 * Splits of a seeded sequence source (generator, nexmark): split s of n reads the sequence
 * indices s, s + n, s + 2n, …; its position is the next index it will read. Shared by
 * every source whose records are a pure function of their index.
 */
import type { SourcePosition, SplitInfo } from './source.js';

/** How many of `count` indices split `split` of `splits` reads. */
export function indicesInSplit(count: number, split: number, splits: number): number {
  return count > split ? Math.ceil((count - split) / splits) : 0;
}

/** Splits `<prefix>-0` … `<prefix>-<splits-1>`, with their sizes when the sequence is bounded. */
export function listStridedSplits(prefix: string, count: number | null, splits: number): SplitInfo[] {
  const out: SplitInfo[] = [];
  for (let s = 0; s < splits; s++) out.push(count === null ? { id: `${prefix}-${s}` } : { id: `${prefix}-${s}`, expectedRecords: indicesInSplit(count, s, splits) });
  return out;
}

/**
 * The next index `split` reads: its first, or the one `position` recorded. `source` names
 * the source in errors; an unknown split or a position of another split is an error.
 */
export function stridedStart(source: string, prefix: string, split: SplitInfo, position: SourcePosition | undefined, splits: number): number {
  const m = new RegExp(`^${prefix}-(\\d+)$`).exec(split.id);
  const s = m ? Number(m[1]) : NaN;
  if (!(s >= 0 && s < splits)) {
    throw new Error(`${source}: unknown split ${JSON.stringify(split.id)} (splits are ${prefix}-0 … ${prefix}-${splits - 1})`);
  }
  if (position === undefined) return s;
  const p = position['next'];
  if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < s || (p - s) % splits !== 0) {
    throw new Error(`${source}: position ${JSON.stringify(position)} does not belong to split ${split.id}`);
  }
  return p;
}
