/**
 * Sorted runs of shuffle entries: in memory (an array) or spilled to a file, and the
 * k-way merge that reads several runs as one sorted sequence.
 *
 * Order (the sort of the shuffle): key string, then event timestamp (a record without
 * one, NaN, sorts first), then sequence number, so records with equal timestamps keep the
 * order in which the map side produced them.
 *
 * A spilled run is JSON Lines, one entry per line: `[keyString, ts, seq, value]`, plus
 * the original key as a fifth element when it is not the key string itself (a number or
 * object key). Timestamps that JSON cannot hold are written as strings.
 */
import fs from 'node:fs';
import { LineReader } from '../connectors/line-reader.js';

/** One record in a shuffle. */
export interface ShuffleEntry {
  /** keyString(key): what the shuffle sorts and groups by. */
  readonly ks: string;
  /** The key as the keyBy produced it (output keeps its type). */
  readonly key: unknown;
  /** Event timestamp; NaN when the record has none. */
  readonly ts: number;
  /** Order of production on the map side; ties between equal timestamps keep it. */
  readonly seq: number;
  readonly v: unknown;
}

export function compareEntries(a: ShuffleEntry, b: ShuffleEntry): number {
  if (a.ks !== b.ks) return a.ks < b.ks ? -1 : 1;
  if (a.ts !== b.ts) {
    // NaN compares unequal to itself: order it before every number.
    const an = Number.isNaN(a.ts);
    const bn = Number.isNaN(b.ts);
    if (an !== bn) return an ? -1 : 1;
    if (!an) return a.ts < b.ts ? -1 : 1;
  }
  return a.seq - b.seq;
}

function encodeTs(ts: number): number | string {
  return Number.isFinite(ts) ? ts : String(ts);
}
function decodeTs(t: unknown): number {
  return typeof t === 'number' ? t : Number(t);
}

export function encodeEntry(e: ShuffleEntry): string {
  return e.key === e.ks ? JSON.stringify([e.ks, encodeTs(e.ts), e.seq, e.v]) : JSON.stringify([e.ks, encodeTs(e.ts), e.seq, e.v, e.key]);
}

export function decodeEntry(line: string): ShuffleEntry {
  const a = JSON.parse(line) as [string, unknown, number, unknown, unknown?];
  return { ks: a[0], ts: decodeTs(a[1]), seq: a[2], v: a[3], key: a.length > 4 ? a[4] : a[0] };
}

const WRITE_BUFFER_CHARS = 1 << 20;

/** Orders one key's entries: by timestamp, NaN first; equal timestamps compare 0 (a stable sort keeps sequence order). */
export function compareTimestamps(a: ShuffleEntry, b: ShuffleEntry): number {
  const x = a.ts;
  const y = b.ts;
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  const xn = Number.isNaN(x);
  return xn === Number.isNaN(y) ? 0 : xn ? -1 : 1;
}

/**
 * A partition's buffer, grouped by key as records arrive (in sequence order). Sorting it
 * sorts only the distinct keys, then each key's entries by timestamp with a stable sort —
 * far fewer string comparisons than sorting every entry by (key, ts, seq), and linear for
 * a key whose records already arrive in time order.
 */
export class KeyGroupedBuffer {
  private groups = new Map<string, ShuffleEntry[]>();
  size = 0;

  add(e: ShuffleEntry): void {
    const g = this.groups.get(e.ks);
    if (g === undefined) this.groups.set(e.ks, [e]);
    else g.push(e);
    this.size++;
  }

  /** The entries in shuffle order, as one group per key; empties the buffer. */
  drainSorted(): ShuffleEntry[][] {
    const keys = [...this.groups.keys()].sort();
    const out: ShuffleEntry[][] = new Array<ShuffleEntry[]>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const g = this.groups.get(keys[i]!)!;
      let inOrder = true;
      for (let j = 1; j < g.length && inOrder; j++) inOrder = compareTimestamps(g[j - 1]!, g[j]!) <= 0;
      if (!inOrder) g.sort(compareTimestamps);
      out[i] = g;
    }
    this.groups = new Map();
    this.size = 0;
    return out;
  }
}

/** Writes sorted groups to `file` as a run; returns the bytes written. */
export function writeRun(file: string, sorted: readonly (readonly ShuffleEntry[])[]): number {
  return writeRunFrom(file, new ArrayCursor(sorted));
}

/** Writes what `cursor` holds (sorted) to `file` as one run, and closes the cursor. */
export function writeRunFrom(file: string, cursor: RunCursor): number {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  try {
    let text = '';
    for (let e = cursor.head; e !== undefined; cursor.advance(), e = cursor.head) {
      text += encodeEntry(e) + '\n';
      if (text.length >= WRITE_BUFFER_CHARS) {
        bytes += fs.writeSync(fd, text);
        text = '';
      }
    }
    if (text.length > 0) bytes += fs.writeSync(fd, text);
  } finally {
    cursor.close();
    fs.closeSync(fd);
  }
  return bytes;
}

/** A run being read: `head` is the next entry, undefined once exhausted. */
export interface RunCursor {
  readonly head: ShuffleEntry | undefined;
  advance(): void;
  close(): void;
}

/** Reads sorted groups held in memory (see {@link KeyGroupedBuffer.drainSorted}). */
export class ArrayCursor implements RunCursor {
  private g = 0;
  private i = 0;
  head: ShuffleEntry | undefined;
  constructor(private groups: readonly (readonly ShuffleEntry[])[]) {
    this.head = groups[0]?.[0];
    if (this.head === undefined && groups.length > 0) this.skipEmpty();
  }
  advance(): void {
    const group = this.groups[this.g];
    if (group === undefined) return;
    if (++this.i < group.length) {
      this.head = group[this.i];
      return;
    }
    this.skipEmpty();
  }
  private skipEmpty(): void {
    this.i = 0;
    for (this.g++; this.g < this.groups.length; this.g++) {
      const next = this.groups[this.g]!;
      if (next.length > 0) {
        this.head = next[0];
        return;
      }
    }
    this.head = undefined;
  }
  close(): void {
    this.head = undefined;
    this.groups = [];
  }
}

export class FileRunCursor implements RunCursor {
  private fd: number | null;
  private readonly lines: LineReader;
  head: ShuffleEntry | undefined;
  constructor(file: string) {
    this.fd = fs.openSync(file, 'r');
    this.lines = new LineReader(this.fd, 0, 256 * 1024);
    this.advance();
  }
  advance(): void {
    if (this.fd === null) return;
    const line = this.lines.next();
    if (line === null) {
      this.close();
      return;
    }
    this.head = decodeEntry(line);
  }
  close(): void {
    this.head = undefined;
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Several sorted runs read as one sorted sequence (a binary min-heap of cursors). */
export class MergedRuns implements RunCursor {
  private readonly heap: RunCursor[];

  constructor(cursors: readonly RunCursor[]) {
    this.heap = cursors.filter((c) => c.head !== undefined);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get head(): ShuffleEntry | undefined {
    return this.heap[0]?.head;
  }

  advance(): void {
    const top = this.heap[0];
    if (top === undefined) return;
    top.advance();
    if (top.head === undefined) {
      const last = this.heap.pop()!;
      if (this.heap.length === 0) return;
      this.heap[0] = last;
    }
    this.siftDown(0);
  }

  close(): void {
    for (const c of this.heap) c.close();
    this.heap.length = 0;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && compareEntries(h[r]!.head!, h[l]!.head!) < 0 ? r : l;
      if (compareEntries(h[m]!.head!, h[i]!.head!) >= 0) return;
      const t = h[i]!;
      h[i] = h[m]!;
      h[m] = t;
      i = m;
    }
  }
}
