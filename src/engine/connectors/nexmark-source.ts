/**
 * The Nexmark source: the event sequence of {@link NexmarkModel} as records
 * `{"type": "person"|"auction"|"bid", …the Nexmark fields…, "dateTime": <ms>}`, with
 * `dateTime` as the records' event time (so `timestampField` may be left unset, or set to
 * `dateTime`). Deterministic from the seed, splittable and resumable like the generator:
 * split s of S (id `nexmark-<s>`) emits events j = s, s+S, s+2S, …; its position is
 * `{ next: j }`, the index of the next event it would emit.
 */
import type { Rec } from '../core/types.js';
import { NexmarkModel, type NexmarkModelOptions } from './nexmark-model.js';
import type { Source, SourcePosition, SplitInfo } from './source.js';
import { listStridedSplits, StridedSplitReader, stridedStart, type StridedReadOptions } from './strided-splits.js';

/** count: total events (null = unbounded); eventsPerSecond: total rate; splits: the source's parallelism. */
export interface NexmarkOptions extends NexmarkModelOptions, StridedReadOptions {}

function validate(o: NexmarkOptions): void {
  const fail = (field: string, msg: string): never => {
    throw new Error(`nexmark: ${field} ${msg}`);
  };
  if (o.count !== null && !(Number.isSafeInteger(o.count) && o.count >= 0)) fail('count', `must be a non-negative integer or null, got ${o.count}`);
  if (o.eventsPerSecond !== null && !(o.eventsPerSecond > 0 && Number.isFinite(o.eventsPerSecond)))
    fail('eventsPerSecond', `must be > 0 or null, got ${o.eventsPerSecond}`);
  if (!(Number.isSafeInteger(o.splits) && o.splits >= 1)) fail('splits', `must be an integer ≥ 1, got ${o.splits}`);
}

/** Events split `split` of `splits` holds when the source is bounded to `count`. */
export class NexmarkSource implements Source {
  readonly bounded: boolean;
  private readonly opts: NexmarkOptions;

  constructor(opts: NexmarkOptions) {
    validate(opts);
    this.opts = { ...opts };
    // Validates the model options now, so a bad spec fails at job start, not in a reader.
    new NexmarkModel(this.opts);
    this.bounded = opts.count !== null;
  }

  listSplits(): SplitInfo[] {
    return listStridedSplits('nexmark', this.opts.count, this.opts.splits);
  }

  openReader(split: SplitInfo, position: SourcePosition | undefined): NexmarkSplitReader {
    const next = stridedStart('nexmark', 'nexmark', split, position, this.opts.splits);
    return new NexmarkSplitReader(split, this.opts, next);
  }
}

export class NexmarkSplitReader extends StridedSplitReader {
  private readonly model: NexmarkModel;

  constructor(split: SplitInfo, opts: NexmarkOptions, next: number) {
    super(split, opts, next);
    this.model = new NexmarkModel(opts);
  }

  protected read(first: number, n: number, stride: number): { records: Rec[]; timestamps: number[] } {
    const model = this.model;
    const records: Rec[] = new Array<Rec>(n);
    const timestamps: number[] = new Array<number>(n);
    let j = first;
    for (let i = 0; i < n; i++) {
      const rec = model.event(j);
      records[i] = rec;
      timestamps[i] = rec['dateTime'] as number;
      j += stride;
    }
    return { records, timestamps };
  }
}
