/**
 * One worker's part of one checkpoint: a self-contained SQLite file, written once by that
 * worker and never modified (one writer per file, so workers never contend).
 *
 * Layout (format 1, stored in `PRAGMA user_version`):
 *   part_marker       one row: checkpoint, worker, key-group range, full flag, counts, bytes
 *   operators         small integer id → operator name
 *   state_chunks      keyed state, grouped by (key_group, operator) into chunks of at most
 *                     CHUNK_ENTRIES entries: `keys` and `vals` are JSON arrays of the same
 *                     length, `deleted` a JSON array of the indexes that are tombstones
 *                     (their `vals` slot is null) or NULL when there are none
 *   operator_state    operator id → JSON
 *   source_positions  split id → JSON
 *
 * Why chunks and not one row per key: every row costs a JS → C++ crossing and a B-tree
 * insert. On the 2-vCPU dev box, one row per key (sorted, WITHOUT ROWID or rowid, WAL)
 * spent ~1.8–2.6 s inserting 1M keys plus ~0.7–1.4 s sorting them, and ~1.3 s reading them
 * back; in chunks of 1024 the whole write of 1M keys takes ~0.8–1.2 s and a restore
 * ~0.4–0.6 s, because JSON.stringify/JSON.parse of one array run natively. Restore is a
 * bulk scan per key group, never a point lookup, so nothing needs a per-key index, and
 * within a chunk keys keep the caller's order (a string sort cost more than the write).
 * WAL vs no journal made no measurable difference for a 1M-key part; page size (4–64 KiB)
 * neither.
 *
 * Crash safety: the file is written under `<name>.tmp` in ONE transaction (schema, state,
 * operator state, source positions, marker) with journal_mode=WAL and synchronous=FULL;
 * then `journal_mode=DELETE` folds the WAL into the main file, the connection is closed,
 * the file is renamed to its final name and the directory is fsynced. A file with a final
 * name is therefore always complete; a process killed mid-write leaves at most `.tmp`
 * files, which nothing reads and the store's garbage collection deletes.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SourcePosition } from '../connectors/source.js';
import type { CheckpointPart, KeyGroupSpan, PartRef } from './types.js';

export const PART_FORMAT = 1;
export const PARTS_DIR = 'parts';
/** Entries per state chunk. 1024 and 4096 measured the same; smaller keeps peak memory low. */
export const CHUNK_ENTRIES = 1024;

const PART_SCHEMA = `
CREATE TABLE part_marker (
  singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
  checkpoint_id INTEGER NOT NULL CHECK (checkpoint_id >= 1),
  worker        INTEGER NOT NULL CHECK (worker >= 0),
  kg_start      INTEGER NOT NULL CHECK (kg_start >= 0),
  kg_end        INTEGER NOT NULL CHECK (kg_end >= kg_start),
  full          INTEGER NOT NULL CHECK (full IN (0, 1)),
  entries       INTEGER NOT NULL CHECK (entries >= 0),
  tombstones    INTEGER NOT NULL CHECK (tombstones >= 0),
  chunks        INTEGER NOT NULL CHECK (chunks >= 0),
  payload_bytes INTEGER NOT NULL CHECK (payload_bytes >= 0),
  written_ts    REAL NOT NULL
) STRICT;
CREATE TABLE operators (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
) STRICT;
CREATE TABLE state_chunks (
  key_group   INTEGER NOT NULL,
  operator_id INTEGER NOT NULL REFERENCES operators (id),
  seq         INTEGER NOT NULL,
  count       INTEGER NOT NULL CHECK (count > 0),
  keys        TEXT NOT NULL,
  vals        TEXT NOT NULL,
  deleted     TEXT,
  PRIMARY KEY (key_group, operator_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE operator_state (
  operator TEXT PRIMARY KEY,
  value    TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE source_positions (
  split    TEXT PRIMARY KEY,
  position TEXT NOT NULL
) STRICT, WITHOUT ROWID;
`;

/** `parts/ckpt-000042-w1.db`: relative to the checkpoint directory. */
export function partFileName(checkpoint: number, worker: number): string {
  return `${PARTS_DIR}/ckpt-${String(checkpoint).padStart(6, '0')}-w${worker}.db`;
}

const PART_FILE_RE = /^ckpt-(\d+)-w(\d+)\.db(\.tmp)?(-wal|-shm|-journal)?$/;

/** Parses a name inside `parts/` (final, `.tmp` or a SQLite side file); undefined: not ours. */
export function parsePartFileName(name: string): { checkpoint: number; worker: number } | undefined {
  const m = PART_FILE_RE.exec(name);
  if (!m) return undefined;
  return { checkpoint: Number(m[1]), worker: Number(m[2]) };
}

/** The marker row: what the writer claims the file holds. */
export interface PartMarker {
  readonly checkpoint: number;
  readonly worker: number;
  readonly keyGroups: KeyGroupSpan;
  readonly full: boolean;
  readonly entries: number;
  readonly tombstones: number;
  readonly chunks: number;
  readonly payloadBytes: number;
  readonly writtenTs: number;
}

const TOMBSTONE: unique symbol = Symbol('tombstone');

interface Bucket {
  readonly keyGroup: number;
  readonly operatorId: number;
  /** key → index in keys/vals, so a repeated key overwrites (the last change wins); null in a full part. */
  readonly index: Map<string, number> | null;
  readonly keys: string[];
  readonly vals: unknown[];
}

function checkSpan(r: KeyGroupSpan, what: string): void {
  if (!Number.isInteger(r.start) || !Number.isInteger(r.end) || r.start < 0 || r.end < r.start) {
    throw new RangeError(`${what}: invalid key-group range [${r.start}, ${r.end}]`);
  }
}

/**
 * Groups entries by (key group, operator). An incremental part dedupes keys (the last change
 * wins); a full part is a snapshot whose keys are unique already, and checking that costs as
 * much as the rest of the write (a Map of every key), so it is not checked.
 */
function bucketEntries(part: CheckpointPart, operatorIds: Map<string, number>): Bucket[] {
  const dedupe = !part.full;
  const { start, end } = part.keyGroups;
  const byKeyGroup: Array<Map<string, Bucket> | undefined> = new Array(end - start + 1);
  const buckets: Bucket[] = [];
  let last: Bucket | undefined;
  let lastOp = '';
  for (const e of part.entries) {
    const { operator, keyGroup, key } = e;
    let b: Bucket | undefined;
    if (last !== undefined && last.keyGroup === keyGroup && lastOp === operator) {
      b = last;
    } else {
      if (!Number.isInteger(keyGroup) || keyGroup < start || keyGroup > end) {
        throw new RangeError(
          `checkpoint ${part.checkpoint} worker ${part.worker}: entry ${JSON.stringify(key)} of operator ` +
            `${JSON.stringify(operator)} is in key group ${keyGroup}, outside the part's range [${start}, ${end}]`,
        );
      }
      if (typeof operator !== 'string') throw new TypeError('StateEntry.operator must be a string');
      let perOp = byKeyGroup[keyGroup - start];
      if (perOp === undefined) byKeyGroup[keyGroup - start] = perOp = new Map();
      b = perOp.get(operator);
      if (b === undefined) {
        let opId = operatorIds.get(operator);
        if (opId === undefined) operatorIds.set(operator, (opId = operatorIds.size + 1));
        b = { keyGroup, operatorId: opId, index: dedupe ? new Map() : null, keys: [], vals: [] };
        perOp.set(operator, b);
        buckets.push(b);
      }
      last = b;
      lastOp = operator;
    }
    if (typeof key !== 'string') throw new TypeError(`StateEntry.key must be a string, got ${typeof key}`);
    const v = e.value === undefined ? TOMBSTONE : e.value;
    const i = b.index?.get(key);
    if (i === undefined) {
      b.index?.set(key, b.keys.length);
      b.keys.push(key);
      b.vals.push(v);
    } else {
      b.vals[i] = v;
    }
  }
  // (key_group, operator_id) order = the primary key's order: appends only, B-tree locality.
  buckets.sort((a, b) => a.keyGroup - b.keyGroup || a.operatorId - b.operatorId);
  return buckets;
}

/** `[t0,t1,…]` from JSON texts (null for tombstones): no second encoding of pre-encoded values. */
function joinJsonTexts(vals: unknown[], keyGroup: number): string {
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (v === null) vals[i] = 'null';
    else if (typeof v !== 'string' || v.length === 0) {
      throw new TypeError(`valuesAreJson: a value in key group ${keyGroup} is not JSON text (${typeof v})`);
    }
  }
  return `[${vals.join(',')}]`;
}

/** Removes a database file and its SQLite side files, ignoring the ones that do not exist. */
export function removeSqliteFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) fs.rmSync(f, { force: true });
}

/** fsync a directory so a rename or create in it survives a crash (no-op where unsupported). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Writes a worker's part of a checkpoint in one transaction and returns its reference for
 * the host's `complete`. Entries whose value is `undefined` are stored as tombstones. In an
 * incremental part a key given twice keeps its last change; a full part must give each
 * (operator, key) once (it is a snapshot of the state). Throws when an entry lies outside
 * `part.keyGroups`, and when the part file already exists (a checkpoint id is never reused).
 *
 * `full` is honoured as given: the runtime writes a full part every `fullEvery` checkpoints
 * (and after a rescale or a restore when it wants a short chain) to bound the chain length,
 * because a chain spans several checkpoints and a corrupt old full part breaks every newer
 * checkpoint built on it.
 */
export function writePart(dir: string, part: CheckpointPart): PartRef {
  const t0 = performance.now();
  const { checkpoint, worker, full, keyGroups } = part;
  const valuesAreJson = part.valuesAreJson === true;
  if (!Number.isInteger(checkpoint) || checkpoint < 1) throw new RangeError(`invalid checkpoint id ${checkpoint}`);
  if (!Number.isInteger(worker) || worker < 0) throw new RangeError(`invalid worker index ${worker}`);
  checkSpan(keyGroups, `checkpoint ${checkpoint} worker ${worker}`);
  const rel = partFileName(checkpoint, worker);
  const finalPath = path.join(dir, rel);
  const tmpPath = `${finalPath}.tmp`;
  fs.mkdirSync(path.dirname(finalPath), { recursive: true });
  if (fs.existsSync(finalPath)) {
    throw new Error(`part file ${rel} already exists: checkpoint ${checkpoint} worker ${worker} was written before`);
  }
  removeSqliteFiles(tmpPath); // a leftover of this worker's own killed attempt

  const operatorIds = new Map<string, number>();
  const buckets = bucketEntries(part, operatorIds);
  let db: Database.Database | undefined;
  let entries = 0;
  try {
    db = new Database(tmpPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('cache_size = -131072'); // 128 MiB: a big part's pages stay in memory until commit
    const conn = db;
    conn.transaction(() => {
      conn.exec(PART_SCHEMA);
      const insertOperator = conn.prepare('INSERT INTO operators (id, name) VALUES (?, ?)');
      for (const [name, id] of operatorIds) insertOperator.run(id, name);
      const insertChunk = conn.prepare(
        'INSERT INTO state_chunks (key_group, operator_id, seq, count, keys, vals, deleted) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      let tombstones = 0;
      let chunks = 0;
      let payloadBytes = 0;
      for (const b of buckets) {
        const n = b.keys.length;
        for (let from = 0, seq = 0; from < n; from += CHUNK_ENTRIES, seq++) {
          const to = Math.min(n, from + CHUNK_ENTRIES);
          const vals = b.vals.slice(from, to);
          let deleted: number[] | null = null;
          for (let i = 0; i < vals.length; i++) {
            if (vals[i] === TOMBSTONE) {
              vals[i] = null;
              (deleted ??= []).push(i);
            }
          }
          const keysJson = JSON.stringify(b.keys.slice(from, to));
          const valsJson = valuesAreJson ? joinJsonTexts(vals, b.keyGroup) : JSON.stringify(vals);
          const deletedJson = deleted === null ? null : JSON.stringify(deleted);
          insertChunk.run(b.keyGroup, b.operatorId, seq, to - from, keysJson, valsJson, deletedJson);
          payloadBytes += Buffer.byteLength(keysJson) + Buffer.byteLength(valsJson);
          tombstones += deleted === null ? 0 : deleted.length;
          entries += to - from;
          chunks++;
        }
      }
      const insertOpState = conn.prepare('INSERT INTO operator_state (operator, value) VALUES (?, ?)');
      for (const [op, value] of Object.entries(part.operatorState)) {
        if (value !== undefined) insertOpState.run(op, JSON.stringify(value));
      }
      const insertPosition = conn.prepare('INSERT INTO source_positions (split, position) VALUES (?, ?)');
      for (const [split, pos] of Object.entries(part.sourcePositions)) insertPosition.run(split, JSON.stringify(pos));
      conn
        .prepare(
          `INSERT INTO part_marker (singleton, checkpoint_id, worker, kg_start, kg_end, full, entries, tombstones,
             chunks, payload_bytes, written_ts) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(checkpoint, worker, keyGroups.start, keyGroups.end, full ? 1 : 0, entries, tombstones, chunks, payloadBytes, Date.now());
      conn.pragma(`user_version = ${PART_FORMAT}`);
    })();
    // Fold the WAL into the main file so the part is one self-contained file.
    db.pragma('journal_mode = DELETE');
    db.close();
    db = undefined;
    fs.renameSync(tmpPath, finalPath);
    fsyncDir(path.dirname(finalPath));
  } catch (err) {
    db?.close();
    removeSqliteFiles(tmpPath);
    throw err;
  }
  const bytes = fs.statSync(finalPath).size;
  return {
    file: rel,
    worker,
    keyGroups: { start: keyGroups.start, end: keyGroups.end },
    full,
    entries,
    bytes,
    durationMs: performance.now() - t0,
  };
}

/** One chunk of keyed state: `vals[i]` is the value of `keys[i]` unless i is in `deleted`. */
export interface StateChunk {
  readonly operator: string;
  readonly keyGroup: number;
  readonly keys: readonly string[];
  readonly vals: readonly unknown[];
  /** Ascending indexes of tombstones; empty when none. */
  readonly deleted: readonly number[];
  /** Length of the chunk's stored text (keys, values, tombstones): what reading it cost. */
  readonly bytes: number;
}

const NO_DELETES: readonly number[] = Object.freeze([]);

/** Read access to one part file. Errors name the file. */
export class PartReader {
  private readonly operatorNames = new Map<number, string>();
  private readonly chunkStmt: Database.Statement<[number], [number, string, string, string | null]>;

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
    readonly marker: PartMarker,
  ) {
    for (const row of db.prepare('SELECT id, name FROM operators').all() as Array<{ id: number; name: string }>) {
      this.operatorNames.set(row.id, row.name);
    }
    this.chunkStmt = db
      .prepare<[number], [number, string, string, string | null]>(
        'SELECT operator_id, keys, vals, deleted FROM state_chunks WHERE key_group = ? ORDER BY operator_id, seq',
      )
      .raw(true);
  }

  /** Opens `file` (relative to `dir`) read-only and reads its marker. */
  static open(dir: string, file: string): PartReader {
    let db: Database.Database | undefined;
    try {
      db = new Database(path.join(dir, file), { readonly: true, fileMustExist: true });
      const format = db.pragma('user_version', { simple: true }) as number;
      if (format !== PART_FORMAT) throw new Error(`unknown part format ${format} (expected ${PART_FORMAT})`);
      const m = db.prepare('SELECT * FROM part_marker WHERE singleton = 1').get() as Record<string, number> | undefined;
      if (m === undefined) throw new Error('no part marker row');
      const marker: PartMarker = {
        checkpoint: m.checkpoint_id!,
        worker: m.worker!,
        keyGroups: { start: m.kg_start!, end: m.kg_end! },
        full: m.full === 1,
        entries: m.entries!,
        tombstones: m.tombstones!,
        chunks: m.chunks!,
        payloadBytes: m.payload_bytes!,
        writtenTs: m.written_ts!,
      };
      return new PartReader(file, db, marker);
    } catch (err) {
      db?.close();
      throw new Error(`part file ${file} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The chunks of one key group, ordered by operator then sequence; `operators` filters. */
  *chunks(keyGroup: number, operators?: ReadonlySet<string>): Generator<StateChunk> {
    for (const [opId, keysJson, valsJson, deletedJson] of this.chunkStmt.iterate(keyGroup)) {
      const operator = this.operatorNames.get(opId);
      if (operator === undefined) throw new Error(`part file ${this.file}: chunk refers to unknown operator id ${opId}`);
      if (operators !== undefined && !operators.has(operator)) continue;
      const keys = JSON.parse(keysJson) as string[];
      const vals = JSON.parse(valsJson) as unknown[];
      if (keys.length !== vals.length) throw new Error(`part file ${this.file}: chunk of key group ${keyGroup} is malformed`);
      const deleted = deletedJson === null ? NO_DELETES : (JSON.parse(deletedJson) as number[]);
      yield { operator, keyGroup, keys, vals, deleted, bytes: keysJson.length + valsJson.length + (deletedJson?.length ?? 0) };
    }
  }

  operatorState(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.db.prepare('SELECT operator, value FROM operator_state').raw(true).all() as Array<[string, string]>) {
      out[r[0]] = JSON.parse(r[1]);
    }
    return out;
  }

  sourcePositions(): Record<string, SourcePosition> {
    const out: Record<string, SourcePosition> = {};
    for (const r of this.db.prepare('SELECT split, position FROM source_positions').raw(true).all() as Array<[string, string]>) {
      out[r[0]] = JSON.parse(r[1]) as SourcePosition;
    }
    return out;
  }

  /** `PRAGMA quick_check`: 'ok' or SQLite's description of the damage. */
  quickCheck(): string {
    const rows = this.db.pragma('quick_check') as Array<{ quick_check: string }>;
    return rows.map((r) => r.quick_check).join('; ');
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Checks that the part file `ref` of `checkpoint` is restorable: it exists with the recorded
 * size, opens, passes `PRAGMA quick_check` and has a marker matching `ref`. Returns undefined
 * when it is, else an error message that names the file.
 */
export function verifyPart(dir: string, checkpoint: number, ref: PartRef): string | undefined {
  const what = `part file ${ref.file} of checkpoint ${checkpoint} (worker ${ref.worker})`;
  let size: number;
  try {
    size = fs.statSync(path.join(dir, ref.file)).size;
  } catch {
    return `${what} is missing`;
  }
  if (size !== ref.bytes) return `${what} has ${size} bytes, ${ref.bytes} were written (truncated or overwritten)`;
  let reader: PartReader | undefined;
  try {
    reader = PartReader.open(dir, ref.file);
    const qc = reader.quickCheck();
    if (qc !== 'ok') return `${what} is corrupt: quick_check says ${qc}`;
    const m = reader.marker;
    const mismatch =
      m.checkpoint !== checkpoint ||
      m.worker !== ref.worker ||
      m.keyGroups.start !== ref.keyGroups.start ||
      m.keyGroups.end !== ref.keyGroups.end ||
      m.full !== ref.full ||
      m.entries !== ref.entries;
    if (mismatch) return `${what} does not match its record: its marker says ${JSON.stringify(m)}`;
    return undefined;
  } catch (err) {
    return `${what} is corrupt: ${(err as Error).message}`;
  } finally {
    reader?.close();
  }
}
