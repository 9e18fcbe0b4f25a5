/**
 * A lazy, Spark-like dataset API over the batch engine:
 *
 *   const counts = await Dataset.from(lines)
 *     .flatMap((l) => l.split(' '))
 *     .keyBy((w) => w)
 *     .count()
 *     .collect();
 *
 * Building a dataset runs nothing: each transformation returns a new plan node. An action
 * (`collect`, `count`, `take`, `writeTo`) pulls chunks through the plan. Narrow steps
 * (map, filter, flatMap) are fused per chunk; a keyed step is a shuffle with the job
 * runner's machinery (key-group partitions, sort by key/timestamp/sequence, spill past the
 * memory budget, k-way merge) followed by a per-key reduce, and windows run the stream
 * runtime's WindowOperator with batch watermark semantics (see KeyedStageRunner).
 *
 * `cache()` materialises its input in memory the first time an action needs it; later
 * actions, on it or on datasets derived from it, reuse that copy.
 *
 * Elements carry an event timestamp beside them (NaN when none): from a Source's reader,
 * or set with `withTimestamps`. Windows need one; values of a shuffle must survive JSON
 * (they may be spilled).
 */
import type { DeadLetter, Rec } from '../core/types.js';
import { checkpointId, NO_TIMESTAMP } from '../core/types.js';
import type { Sink } from '../connectors/sink.js';
import type { Source } from '../connectors/source.js';
import type { WindowDoc, AggregateDoc } from '../job/builder.js';
import { normaliseAggregate, normaliseWindow } from '../job/normalise.js';
import { aggregateSchema, windowSchema } from '../job/schema.js';
import type { AggregateSpec, WindowSpec } from '../job/spec.js';
import type { Batch } from '../operators/operator.js';
import { GlobalAggregateOperator } from '../operators/window/global-aggregate.js';
import { WindowOperator } from '../operators/window/window-operator.js';
import type { ChainSink } from '../runtime/chain.js';
import { KeyedStageRunner } from './keyed-runner.js';
import { keySegments, Shuffle, SpillDir, type KeySegment } from './shuffle.js';

export interface DatasetOptions {
  /** Reduce partitions of each shuffle (default 1). */
  partitions?: number;
  /** Key groups (default 128). */
  maxParallelism?: number;
  /** Memory a shuffle buffers before it spills a sorted run (default 256 MB). */
  memoryBudgetMb?: number;
  /** Parent of the temporary spill directory (default: the OS temp dir). */
  tmpDir?: string;
  /** Elements per chunk flowing through narrow steps (default 8192). */
  chunkSize?: number;
}

type Resolved = Required<Omit<DatasetOptions, 'tmpDir'>> & { tmpDir: string | undefined };

interface Chunk<T> {
  values: T[];
  timestamps: number[];
}

/** What one action's run shares. */
interface Exec {
  readonly spillDir: SpillDir;
  /** Shuffles created by this run (spill statistics). */
  readonly shuffles: Shuffle[];
}

type Produce<T> = (exec: Exec) => AsyncGenerator<Chunk<T>>;

export interface KeyedValue<K, V> {
  key: K;
  value: V;
}

export interface WindowResult<K> {
  key: K;
  windowStart: number;
  windowEnd: number;
  value: unknown;
}

function resolve(o: DatasetOptions | undefined): Resolved {
  return {
    partitions: o?.partitions ?? 1,
    maxParallelism: o?.maxParallelism ?? 128,
    memoryBudgetMb: o?.memoryBudgetMb ?? 256,
    tmpDir: o?.tmpDir,
    chunkSize: Math.max(1, o?.chunkSize ?? 8192),
  };
}

function isSource(x: unknown): x is Source {
  return typeof x === 'object' && x !== null && typeof (x as Source).listSplits === 'function' && typeof (x as Source).openReader === 'function';
}

export class Dataset<T> {
  /** @internal */
  constructor(
    private readonly produce: Produce<T>,
    /** @internal */ readonly options: Resolved,
  ) {}

  /** A dataset over a bounded Source (records with the reader's timestamps), or over any (async) iterable. */
  static from(source: Source, opts?: DatasetOptions): Dataset<Rec>;
  static from<T>(items: Iterable<T> | AsyncIterable<T>, opts?: DatasetOptions): Dataset<T>;
  static from<T>(input: Source | Iterable<T> | AsyncIterable<T>, opts?: DatasetOptions): Dataset<T> | Dataset<Rec> {
    const o = resolve(opts);
    if (isSource(input)) return new Dataset<Rec>(() => fromSource(input, o.chunkSize), o);
    return new Dataset<T>(() => fromIterable(input, o.chunkSize), o);
  }

  map<U>(fn: (value: T) => U): Dataset<U> {
    return this.narrow<U>((c) => ({ values: c.values.map((v) => fn(v)), timestamps: c.timestamps }));
  }

  filter(fn: (value: T) => boolean): Dataset<T> {
    return this.narrow<T>((c) => {
      const out: Chunk<T> = { values: [], timestamps: [] };
      for (let i = 0; i < c.values.length; i++) {
        if (fn(c.values[i]!)) {
          out.values.push(c.values[i]!);
          out.timestamps.push(c.timestamps[i]!);
        }
      }
      return out;
    });
  }

  flatMap<U>(fn: (value: T) => Iterable<U>): Dataset<U> {
    return this.narrow<U>((c) => {
      const out: Chunk<U> = { values: [], timestamps: [] };
      for (let i = 0; i < c.values.length; i++) {
        for (const u of fn(c.values[i]!)) {
          out.values.push(u);
          out.timestamps.push(c.timestamps[i]!);
        }
      }
      return out;
    });
  }

  /** Sets each element's event timestamp (windows need one). */
  withTimestamps(fn: (value: T) => number): Dataset<T> {
    return this.narrow<T>((c) => ({ values: c.values, timestamps: c.values.map((v) => fn(v)) }));
  }

  keyBy<K>(fn: (value: T) => K): KeyedDataset<T, K> {
    return new KeyedDataset<T, K>(this.produce, fn, this.options);
  }

  /** Materialises this dataset once, in memory, when an action first needs it. */
  cache(): Dataset<T> {
    let materialised: Promise<Chunk<T>> | null = null;
    const upstream = this.produce;
    const size = this.options.chunkSize;
    return new Dataset<T>(async function* (exec) {
      materialised ??= (async () => {
        const all: Chunk<T> = { values: [], timestamps: [] };
        for await (const c of upstream(exec)) {
          for (let i = 0; i < c.values.length; i++) {
            all.values.push(c.values[i]!);
            all.timestamps.push(c.timestamps[i]!);
          }
        }
        return all;
      })().catch((e: unknown) => {
        materialised = null; // a failed materialisation is retried by the next action
        throw e;
      });
      const all = await materialised;
      for (let i = 0; i < all.values.length; i += size) {
        yield { values: all.values.slice(i, i + size), timestamps: all.timestamps.slice(i, i + size) };
      }
    }, this.options);
  }

  // ------------------------------------------------------------------ actions

  async collect(): Promise<T[]> {
    const out: T[] = [];
    await this.run(async (chunks) => {
      for await (const c of chunks) for (const v of c.values) out.push(v);
    });
    return out;
  }

  async count(): Promise<number> {
    let n = 0;
    await this.run(async (chunks) => {
      for await (const c of chunks) n += c.values.length;
    });
    return n;
  }

  /** The first `n` elements; stops pulling input once it has them. */
  async take(n: number): Promise<T[]> {
    const out: T[] = [];
    if (n <= 0) return out;
    await this.run(async (chunks) => {
      for await (const c of chunks) {
        for (const v of c.values) {
          out.push(v);
          if (out.length >= n) return;
        }
      }
    });
    return out;
  }

  /**
   * Writes every element (objects) to `sink` as one writer, committed as one checkpoint
   * when all are written; returns the number written.
   */
  async writeTo(sink: Sink): Promise<number> {
    const committer = await sink.openCommitter();
    await committer.recover(null);
    const writer = await sink.openWriter(0, 1);
    let n = 0;
    let committed = false;
    try {
      await this.run(async (chunks) => {
        for await (const c of chunks) {
          if (c.values.length === 0) continue;
          await writer.write({ records: c.values as unknown as Rec[], timestamps: c.timestamps });
          n += c.values.length;
        }
      });
      await writer.preCommit(checkpointId(1));
      await writer.close();
      await committer.commit(checkpointId(1));
      committed = true;
      return n;
    } finally {
      if (!committed) {
        await Promise.resolve(writer.close()).catch(() => undefined);
        await Promise.resolve(committer.recover(null)).catch(() => undefined);
      }
      await committer.close();
    }
  }

  private narrow<U>(step: (c: Chunk<T>) => Chunk<U>): Dataset<U> {
    const upstream = this.produce;
    return new Dataset<U>(async function* (exec) {
      for await (const c of upstream(exec)) {
        const out = step(c);
        if (out.values.length > 0) yield out;
      }
    }, this.options);
  }

  private async run(consume: (chunks: AsyncGenerator<Chunk<T>>) => Promise<void>): Promise<void> {
    const exec: Exec = { spillDir: new SpillDir(this.options.tmpDir), shuffles: [] };
    const gen = this.produce(exec);
    try {
      await consume(gen);
    } finally {
      await gen.return(undefined); // runs upstream `finally` blocks: shuffles delete their runs
      exec.spillDir.remove();
    }
  }
}

/** A dataset with a key per element: the input of a shuffle. */
export class KeyedDataset<T, K> {
  /** @internal */
  constructor(
    private readonly produce: Produce<T>,
    private readonly keyOf: (value: T) => K,
    private readonly options: Resolved,
  ) {}

  /** One `{key, value}` per key: the key's values folded with `fn` in timestamp order. */
  reduce(fn: (a: T, b: T) => T): Dataset<KeyedValue<K, T>> {
    return this.perKey<KeyedValue<K, T>>(() => {
      let acc: T | undefined;
      let has = false;
      return (seg, out) => {
        if (seg.first) has = false;
        for (const v of seg.values as T[]) {
          acc = has ? fn(acc as T, v) : v;
          has = true;
        }
        if (seg.last) out.push({ key: seg.key as K, value: acc as T });
      };
    });
  }

  /** One `{key, value}` per key with the number of its elements. */
  count(): Dataset<KeyedValue<K, number>> {
    return this.perKey<KeyedValue<K, number>>(() => {
      let n = 0;
      return (seg, out) => {
        if (seg.first) n = 0;
        n += seg.values.length;
        if (seg.last) out.push({ key: seg.key as K, value: n });
      };
    });
  }

  /** An aggregate over all of a key's elements (objects): `{key, value}` per key. */
  aggregate(aggregate: AggregateSpec | AggregateDoc): Dataset<KeyedValue<K, unknown>> {
    const spec = toAggregateSpec(aggregate);
    return this.withOperator<KeyedValue<K, unknown>>(() => new GlobalAggregateOperator('dataset-aggregate', spec));
  }

  window(window: WindowSpec | WindowDoc): WindowedDataset<T, K> {
    return new WindowedDataset<T, K>(this, toWindowSpec(window));
  }

  /** @internal Runs a window operator per key. */
  withOperator<R>(create: () => WindowOperator | GlobalAggregateOperator): Dataset<R> {
    return this.shuffled<R>(async (emit) => {
      const rejected: DeadLetter[] = [];
      const sink: ChainSink = {
        records: (b: Batch) => {
          for (let i = 0; i < b.records.length; i++) emit(b.records[i] as R, b.timestamps[i]!);
        },
        side: (name, rec) => rejected.push({ origin: `side output "${name}"`, reason: 'a dataset has no side outputs', raw: rec }),
        deadLetter: (dl) => rejected.push(dl),
      };
      const runner = await KeyedStageRunner.open([create()], null, sink);
      return {
        feed(seg) {
          runner.feed(seg);
          const bad = rejected[0];
          if (bad !== undefined) throw new Error(`dataset: record rejected (${bad.reason}): ${JSON.stringify(bad.raw)}`);
        },
        close: () => runner.close(),
      };
    });
  }

  private perKey<R>(makeFold: () => (seg: KeySegment, out: R[]) => void): Dataset<R> {
    return this.shuffled<R>(async (emit) => {
      const fold = makeFold();
      const out: R[] = [];
      return {
        feed(seg) {
          fold(seg, out);
          for (const r of out) emit(r, NO_TIMESTAMP);
          out.length = 0;
        },
        close() {},
      };
    });
  }

  /** Shuffle by key, then hand each partition's key segments to a reducer. */
  private shuffled<R>(
    open: (emit: (r: R, ts: number) => void) => Promise<{ feed(seg: KeySegment): void; close(): void | Promise<void> }>,
  ): Dataset<R> {
    const { produce, keyOf, options: o } = this;
    return new Dataset<R>(async function* (exec) {
      const shuffle = new Shuffle({
        partitions: o.partitions,
        maxParallelism: o.maxParallelism,
        budgetBytes: Math.max(1, o.memoryBudgetMb * 1024 * 1024),
        spillDir: exec.spillDir,
        name: `ds${exec.shuffles.length}`,
      });
      exec.shuffles.push(shuffle);
      try {
        for await (const c of produce(exec)) {
          for (let i = 0; i < c.values.length; i++) {
            const v = c.values[i]!;
            const k = keyOf(v);
            if (k === undefined) throw new Error(`dataset: keyBy gave undefined for ${JSON.stringify(v)}`);
            shuffle.add(k, c.timestamps[i]!, v);
          }
        }
        shuffle.finish();
        let out: Chunk<R> = { values: [], timestamps: [] };
        const reducer = await open((r, ts) => {
          out.values.push(r);
          out.timestamps.push(ts);
        });
        try {
          for (let p = 0; p < shuffle.partitions; p++) {
            for (const seg of keySegments(shuffle.open(p), 1024)) {
              reducer.feed(seg);
              if (seg.last && out.values.length >= o.chunkSize) {
                yield out;
                out = { values: [], timestamps: [] };
              }
            }
          }
          if (out.values.length > 0) yield out;
        } finally {
          await reducer.close();
        }
      } finally {
        shuffle.close();
      }
    }, o);
  }
}

export class WindowedDataset<T, K> {
  /** @internal */
  constructor(
    private readonly keyed: KeyedDataset<T, K>,
    private readonly window: WindowSpec,
  ) {}

  /** `{key, windowStart, windowEnd, value}` per key and window (elements need timestamps). */
  aggregate(aggregate: AggregateSpec | AggregateDoc): Dataset<WindowResult<K>> {
    const spec = toAggregateSpec(aggregate);
    const window = this.window;
    return this.keyed.withOperator<WindowResult<K>>(() => new WindowOperator('dataset-window', window, spec));
  }
}

function toWindowSpec(w: WindowSpec | WindowDoc): WindowSpec {
  const n = w as Partial<WindowSpec>;
  if (typeof n.allowedLateness === 'number' && typeof n.purgeOnFire === 'boolean' && n.lateOutput !== undefined && n.time !== undefined) return w as WindowSpec;
  const parsed = windowSchema.safeParse(w);
  if (!parsed.success) throw new Error(`dataset: invalid window ${JSON.stringify(w)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  if (parsed.data.time === 'processing') throw new Error('dataset: processing-time windows have no meaning in batch execution');
  return normaliseWindow(parsed.data);
}

function toAggregateSpec(a: AggregateSpec | AggregateDoc): AggregateSpec {
  if ('kind' in a && (a.kind === 'single' || a.kind === 'named')) return a as AggregateSpec;
  const parsed = aggregateSchema.safeParse(a);
  if (!parsed.success) throw new Error(`dataset: invalid aggregate ${JSON.stringify(a)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return normaliseAggregate(parsed.data);
}

async function* fromIterable<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<Chunk<T>> {
  let c: Chunk<T> = { values: [], timestamps: [] };
  for await (const v of items as AsyncIterable<T>) {
    c.values.push(v);
    c.timestamps.push(NO_TIMESTAMP);
    if (c.values.length >= size) {
      yield c;
      c = { values: [], timestamps: [] };
    }
  }
  if (c.values.length > 0) yield c;
}

async function* fromSource(source: Source, size: number): AsyncGenerator<Chunk<Rec>> {
  if (!source.bounded) throw new Error('dataset: the source is unbounded');
  for (const split of await source.listSplits()) {
    const reader = await source.openReader(split, undefined);
    try {
      for (;;) {
        const res = await reader.poll(size);
        const bad = res.deadLetters?.[0];
        if (bad !== undefined) throw new Error(`dataset: ${bad.origin}: ${bad.reason}`);
        if (res.kind === 'end') break;
        if (res.kind === 'idle') {
          await new Promise((r) => setTimeout(r, Math.max(1, res.retryAfterMs)));
          continue;
        }
        const ts = res.timestamps ?? res.records.map(() => NO_TIMESTAMP);
        if (res.records.length > 0) yield { values: res.records, timestamps: ts };
      }
    } finally {
      await reader.close();
    }
  }
}
