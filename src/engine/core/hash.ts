/**
 * murmur3's 32-bit finaliser (fmix32): a bijective mix of a 32-bit word, `Math.imul` only.
 * The seeded sources (generator, nexmark) derive every field of record j from it, so any
 * split can produce any index without generating what comes before.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
