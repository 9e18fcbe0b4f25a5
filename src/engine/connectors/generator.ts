/**
 * The data generator source: a deterministic, splittable sequence of
 * `{"key": "k<n>", "value": <0..99>, "ts": <ms>}` records.
 *
 * Record j (its global index) is a pure function of (seed, j): every field comes from a
 * counter-based hash (murmur3's fmix32 over the seed and j, 32-bit `Math.imul` only), so
 * any split can produce any index without generating what comes before it, a reader can
 * resume at any index, and a verifier can recompute the expected output with
 * {@link generatedRecord}.
 *
 * Split s of S (id `gen-<s>`) emits j = s, s+S, s+2S, …; its position is `{ next: j }`, the
 * index of the next record it would emit.
 */
import type { Rec } from '../core/types.js';
import { fmix32 } from '../core/hash.js';
import type { Source, SourcePosition, SplitInfo } from './source.js';
import { listStridedSplits, StridedSplitReader, stridedStart } from './strided-splits.js';

export interface GeneratorOptions {
  /** Same seed, same sequence. A safe integer. */
  seed: number;
  /** Total records over all splits; null = unbounded. */
  count: number | null;
  /** Keys are `k0` … `k<keys-1>`. */
  keys: number;
  /** Total emission rate over all splits (records per second of wall time); null = as fast as polled. */
  eventsPerSecond: number | null;
  /** 0: uniform keys. > 0: Zipf-like, P(k<n>) ∝ 1/(n+1)^skew (k0 the most frequent). */
  skew: number;
  /** Event time of record 0, in ms. */
  startTs: number;
  /** Records per second of event time: ts(j) = startTs + floor(j * 1000 / eventTimeRate). */
  eventTimeRate: number;
  /** Number of splits (the source's parallelism). */
  splits: number;
  /** Monotonic clock in ms used for rate limiting (default `performance.now`); tests inject one. */
  clock?: () => number;
}

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;
/** Keys up to this many get their strings precomputed once (a few MB at most). */
const KEY_STRING_TABLE_LIMIT = 1 << 18;

/**
 * Everything derived once from the options: seed words, the key-string table and, for a
 * skewed distribution, the cumulative distribution over key ranks.
 */
class GeneratorSequence {
  readonly seedKey: number;
  readonly seedValue: number;
  readonly keys: number;
  readonly startTs: number;
  readonly msPerEvent: number;
  readonly eventTimeRate: number;
  /** Zipf CDF: cdf[n] = P(rank ≤ n); null for uniform keys. */
  readonly cdf: Float64Array | null;
  readonly keyStrings: string[] | null;

  constructor(opts: GeneratorOptions) {
    validate(opts);
    const lo = opts.seed >>> 0;
    const hi = Math.floor(opts.seed / TWO_POW_32) >>> 0;
    this.seedKey = fmix32(lo ^ fmix32(hi ^ 0x3c6ef372));
    this.seedValue = fmix32(this.seedKey ^ 0xa54ff53a);
    this.keys = opts.keys;
    this.startTs = opts.startTs;
    this.eventTimeRate = opts.eventTimeRate;
    this.msPerEvent = 1000 / opts.eventTimeRate;
    this.cdf = opts.skew > 0 ? zipfCdf(opts.keys, opts.skew) : null;
    if (opts.keys <= KEY_STRING_TABLE_LIMIT) {
      const table = new Array<string>(opts.keys);
      for (let n = 0; n < opts.keys; n++) table[n] = 'k' + n;
      this.keyStrings = table;
    } else {
      this.keyStrings = null;
    }
  }

  keyIndex(j: number): number {
    const lo = j >>> 0;
    const hi = (j * INV_TWO_POW_32) >>> 0;
    const h = fmix32(Math.imul(lo, 0x9e3779b1) ^ this.seedKey ^ Math.imul(hi, 0x7feb352d));
    const u = h * INV_TWO_POW_32;
    const cdf = this.cdf;
    if (cdf === null) return Math.floor(u * this.keys);
    // First rank whose cumulative probability exceeds u.
    let low = 0;
    let high = cdf.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cdf[mid] as number) > u) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  value(j: number): number {
    const lo = j >>> 0;
    const hi = (j * INV_TWO_POW_32) >>> 0;
    return fmix32(Math.imul(lo, 0x85ebca77) ^ this.seedValue ^ Math.imul(hi, 0x846ca68b)) % 100;
  }

  ts(j: number): number {
    return this.startTs + Math.floor((j * 1000) / this.eventTimeRate);
  }

  key(n: number): string {
    const table = this.keyStrings;
    return table !== null ? (table[n] as string) : 'k' + n;
  }

  record(j: number): Rec {
    return { key: this.key(this.keyIndex(j)), value: this.value(j), ts: this.ts(j) };
  }
}

function zipfCdf(keys: number, skew: number): Float64Array {
  const cdf = new Float64Array(keys);
  let total = 0;
  for (let n = 0; n < keys; n++) {
    total += 1 / Math.pow(n + 1, skew);
    cdf[n] = total;
  }
  for (let n = 0; n < keys; n++) cdf[n] = (cdf[n] as number) / total;
  cdf[keys - 1] = 1; // u < 1 always finds a rank, whatever the rounding
  return cdf;
}

function validate(opts: GeneratorOptions): void {
  const fail = (field: string, msg: string): never => {
    throw new Error(`generator: ${field} ${msg}`);
  };
  if (!Number.isSafeInteger(opts.seed)) fail('seed', `must be a safe integer, got ${opts.seed}`);
  if (opts.count !== null && !(Number.isSafeInteger(opts.count) && opts.count >= 0))
    fail('count', `must be a non-negative integer or null, got ${opts.count}`);
  if (!(Number.isSafeInteger(opts.keys) && opts.keys >= 1)) fail('keys', `must be an integer ≥ 1, got ${opts.keys}`);
  if (opts.eventsPerSecond !== null && !(opts.eventsPerSecond > 0 && Number.isFinite(opts.eventsPerSecond)))
    fail('eventsPerSecond', `must be > 0 or null, got ${opts.eventsPerSecond}`);
  if (!(opts.skew >= 0 && Number.isFinite(opts.skew))) fail('skew', `must be ≥ 0, got ${opts.skew}`);
  if (!Number.isFinite(opts.startTs)) fail('startTs', `must be a finite number, got ${opts.startTs}`);
  if (!(opts.eventTimeRate > 0 && Number.isFinite(opts.eventTimeRate)))
    fail('eventTimeRate', `must be > 0, got ${opts.eventTimeRate}`);
  if (!(Number.isSafeInteger(opts.splits) && opts.splits >= 1))
    fail('splits', `must be an integer ≥ 1, got ${opts.splits}`);
}

const sequences = new WeakMap<GeneratorOptions, GeneratorSequence>();

function sequenceFor(opts: GeneratorOptions): GeneratorSequence {
  let seq = sequences.get(opts);
  if (seq === undefined) {
    seq = new GeneratorSequence(opts);
    sequences.set(opts, seq);
  }
  return seq;
}

/**
 * Record j of the sequence `opts` describes, for verifiers. The derived tables are cached
 * per options object, so calling this in a loop with the same object is cheap.
 */
export function generatedRecord(opts: GeneratorOptions, j: number): Rec {
  if (!(Number.isSafeInteger(j) && j >= 0)) throw new Error(`generatedRecord: index must be a non-negative integer, got ${j}`);
  return sequenceFor(opts).record(j);
}

/** Records the split `split` of `splits` holds when the generator is bounded to `count`. */
export class GeneratorSource implements Source {
  readonly bounded: boolean;
  private readonly opts: GeneratorOptions;
  private readonly seq: GeneratorSequence;

  constructor(opts: GeneratorOptions) {
    this.opts = { ...opts };
    this.seq = new GeneratorSequence(this.opts);
    this.bounded = opts.count !== null;
  }

  listSplits(): SplitInfo[] {
    return listStridedSplits('gen', this.opts.count, this.opts.splits);
  }

  openReader(split: SplitInfo, position: SourcePosition | undefined): GeneratorSplitReader {
    const next = stridedStart('generator', 'gen', split, position, this.opts.splits);
    return new GeneratorSplitReader(split, this.seq, this.opts, next);
  }
}

export class GeneratorSplitReader extends StridedSplitReader {
  constructor(
    split: SplitInfo,
    private readonly seq: GeneratorSequence,
    opts: GeneratorOptions,
    next: number,
  ) {
    super(split, opts, next);
  }

  protected read(first: number, n: number, stride: number): { records: Rec[]; timestamps: number[] } {
    const seq = this.seq;
    const records: Rec[] = [];
    const timestamps: number[] = [];
    let j = first;
    for (let i = 0; i < n; i++) {
      const ts = seq.ts(j);
      records.push({ key: seq.key(seq.keyIndex(j)), value: seq.value(j), ts });
      timestamps.push(ts);
      j += stride;
    }
    return { records, timestamps };
  }
}
