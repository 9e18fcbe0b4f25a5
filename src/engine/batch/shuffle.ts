/**
 * The shuffle between a map side and a reduce side (MapReduce's, and Flink's blocking
 * batch exchange): records are hash-partitioned by key group into R partitions, buffered
 * in memory and, whenever the buffered records exceed the memory budget, sorted and
 * spilled to run files. A partition is read back as one sorted sequence: the k-way merge
 * of its spilled runs and what was still in memory.
 *
 * Routing is the stream runtime's: key → key group (murmur3 of the key string, modulo
 * maxParallelism) → partition (Flink's computeOperatorIndexForKeyGroup), so partition p
 * holds exactly the keys worker p would own in stream mode.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keyGroupForKey, workerForKeyGroup } from '../core/keygroups.js';
import { keyString } from '../operators/operator.js';
import { ArrayCursor, FileRunCursor, KeyGroupedBuffer, MergedRuns, writeRun, writeRunFrom, type RunCursor, type ShuffleEntry } from './runs.js';

/** A temporary directory created on first use (nothing spills: nothing is created). */
export class SpillDir {
  private dir: string | null = null;
  constructor(private readonly parent: string = os.tmpdir()) {}
  path(): string {
    if (this.dir === null) {
      fs.mkdirSync(this.parent, { recursive: true });
      this.dir = fs.mkdtempSync(path.join(this.parent, 'sluice-batch-'));
    }
    return this.dir;
  }
  remove(): void {
    if (this.dir !== null) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}

export interface ShuffleOptions {
  readonly partitions: number;
  readonly maxParallelism: number;
  /** Buffered bytes (estimated) above which the buffer is sorted and spilled. */
  readonly budgetBytes: number;
  readonly spillDir: SpillDir;
  /** Prefix of this shuffle's run files. */
  readonly name: string;
}

/**
 * Most run files merged at once. A partition with more runs is merged in passes (groups
 * of this many runs become one longer run) so open files stay bounded.
 */
export const MERGE_FAN_IN = 64;

/** Per-entry overhead beyond its JSON text: the entry object, its slot in an array. */
const ENTRY_OVERHEAD_BYTES = 64;

/**
 * Estimated in-memory size of a value: its JSON length. Serialising every record only to
 * measure it would cost as much as a spill, so one record in {@link SAMPLE_EVERY} is
 * measured and the others are charged the running average.
 */
const SAMPLE_EVERY = 8;

export class Shuffle {
  private readonly buffers: KeyGroupedBuffer[];
  private readonly runs: string[][];
  /** Partitions' in-memory remainder, sorted by finish(). */
  private readonly sorted: (ShuffleEntry[][] | null)[];
  private bufferedBytes = 0;
  private seq = 0;
  private sampledBytes = 0;
  private samples = 0;
  private finished = false;
  /** Records added in total. */
  records = 0;
  readonly recordsPerPartition: number[];
  spilledRuns = 0;
  spilledBytes = 0;

  constructor(private readonly opts: ShuffleOptions) {
    if (!(opts.partitions >= 1)) throw new Error(`shuffle: partitions must be ≥ 1, got ${opts.partitions}`);
    this.buffers = Array.from({ length: opts.partitions }, () => new KeyGroupedBuffer());
    this.runs = Array.from({ length: opts.partitions }, () => []);
    this.sorted = new Array<ShuffleEntry[][] | null>(opts.partitions).fill(null);
    this.recordsPerPartition = new Array<number>(opts.partitions).fill(0);
  }

  get partitions(): number {
    return this.opts.partitions;
  }

  partitionOf(ks: string): number {
    const { partitions, maxParallelism } = this.opts;
    return partitions === 1 ? 0 : workerForKeyGroup(maxParallelism, partitions, keyGroupForKey(ks, maxParallelism));
  }

  add(key: unknown, ts: number, value: unknown): void {
    if (this.finished) throw new Error('shuffle: add after finish');
    const ks = keyString(key);
    const p = this.partitionOf(ks);
    const seq = this.seq++;
    this.buffers[p]!.add({ ks, key, ts, seq, v: value });
    this.records++;
    this.recordsPerPartition[p]!++;
    let size: number;
    if (seq % SAMPLE_EVERY === 0) {
      size = (JSON.stringify(value)?.length ?? 4) + ks.length;
      this.sampledBytes += size;
      this.samples++;
    } else {
      size = this.sampledBytes / this.samples;
    }
    this.bufferedBytes += size + ENTRY_OVERHEAD_BYTES;
    if (this.bufferedBytes > this.opts.budgetBytes) this.spill();
  }

  /** Sorts every partition's buffer and writes it as a run file. */
  private spill(): void {
    const dir = this.opts.spillDir.path();
    for (let p = 0; p < this.buffers.length; p++) {
      const buf = this.buffers[p]!;
      if (buf.size === 0) continue;
      const file = path.join(dir, `${this.opts.name}-p${p}-r${this.runs[p]!.length}.jsonl`);
      this.spilledBytes += writeRun(file, buf.drainSorted());
      this.runs[p]!.push(file);
      this.spilledRuns++;
    }
    this.bufferedBytes = 0;
  }

  /** No more records: sorts what is in memory. `onPartition` reports progress. */
  finish(onPartition?: (done: number, total: number) => void): void {
    this.finished = true;
    for (let p = 0; p < this.buffers.length; p++) {
      this.sorted[p] ??= this.buffers[p]!.drainSorted();
      onPartition?.(p + 1, this.buffers.length);
    }
  }

  /** Partition p in sort order. Its memory is released as it is handed over. */
  open(p: number): RunCursor {
    if (!this.finished) this.finish();
    const mem = this.sorted[p] ?? [];
    this.sorted[p] = [];
    const files = this.mergeDown(p);
    if (files.length === 0) return new ArrayCursor(mem);
    const cursors: RunCursor[] = files.map((f) => new FileRunCursor(f));
    if (mem.length > 0) cursors.push(new ArrayCursor(mem));
    return new MergedRuns(cursors);
  }

  /** Merges partition p's runs in passes until at most MERGE_FAN_IN remain. */
  private mergeDown(p: number): string[] {
    let files = this.runs[p]!;
    let pass = 0;
    while (files.length > MERGE_FAN_IN) {
      const next: string[] = [];
      for (let i = 0; i < files.length; i += MERGE_FAN_IN) {
        const group = files.slice(i, i + MERGE_FAN_IN);
        if (group.length === 1) {
          next.push(group[0]!);
          continue;
        }
        const file = path.join(this.opts.spillDir.path(), `${this.opts.name}-p${p}-m${pass}-${next.length}.jsonl`);
        writeRunFrom(file, new MergedRuns(group.map((f) => new FileRunCursor(f))));
        for (const f of group) fs.rmSync(f, { force: true });
        next.push(file);
      }
      this.runs[p] = files = next;
      pass++;
    }
    return files;
  }

  /** Deletes this shuffle's run files. */
  close(): void {
    for (let p = 0; p < this.runs.length; p++) {
      for (const f of this.runs[p]!) fs.rmSync(f, { force: true });
      this.runs[p] = [];
      this.sorted[p] = [];
      this.buffers[p] = new KeyGroupedBuffer();
    }
  }
}

/** A slice of one key's records (in sort order); `first`/`last` mark the key's ends. */
export interface KeySegment {
  readonly key: unknown;
  readonly ks: string;
  readonly values: unknown[];
  readonly timestamps: number[];
  readonly first: boolean;
  readonly last: boolean;
}

/**
 * Groups a sorted partition by key without holding a whole key in memory: a key with
 * more than `maxBatch` records arrives in several segments.
 */
export function* keySegments(cursor: RunCursor, maxBatch: number): Generator<KeySegment> {
  try {
    let e = cursor.head;
    while (e !== undefined) {
      const { ks, key } = e;
      let first = true;
      for (;;) {
        const values: unknown[] = [];
        const timestamps: number[] = [];
        while (e !== undefined && e.ks === ks && values.length < maxBatch) {
          values.push(e.v);
          timestamps.push(e.ts);
          cursor.advance();
          e = cursor.head;
        }
        const last = e === undefined || e.ks !== ks;
        yield { key, ks, values, timestamps, first, last };
        first = false;
        if (last) break;
      }
    }
  } finally {
    cursor.close();
  }
}
