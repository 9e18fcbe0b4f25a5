/**
 * One topic of the partitioned log: one SQLite file holding every partition's records,
 * the partitions' offset counters and the exactly-once sink's staged rows.
 *
 * Offsets are dense per partition (0, 1, 2, …) and never reused: `next_offset` is stored,
 * not derived from the rows, so retention can delete a prefix of a partition without the
 * next append reusing an offset. Retention only ever deletes a prefix, so a partition's
 * retained records are exactly the offsets [earliest_offset, next_offset).
 */
import { openSqlite, writeTransaction, type SqliteDatabase } from '../sqlite-util.js';

export interface LogRetention {
  /** Keep at most this many of the newest records per partition. */
  maxRecords?: number;
  /** Drop records appended more than this long ago (by the time of append). */
  maxAgeMs?: number;
}

export interface LogEntry {
  offset: number;
  record: Record<string, unknown>;
  /** The record's timestamp; NaN when it was appended without one. */
  ts: number;
}

export interface PartitionOffsets {
  partition: number;
  earliestOffset: number;
  endOffset: number;
}

/** A row to append: `value` is the record's JSON text. */
export interface EncodedRow {
  partition: number;
  value: string;
  ts: number | null;
}

export class LogOffsetOutOfRangeError extends Error {
  constructor(
    message: string,
    readonly earliestOffset: number,
    readonly endOffset: number,
  ) {
    super(message);
    this.name = 'LogOffsetOutOfRangeError';
  }
}

const SCHEMA_VERSION = 1;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE topic_meta (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     partitions INTEGER NOT NULL,
     max_records INTEGER,
     max_age_ms INTEGER,
     created_ms INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE partitions (
     partition INTEGER PRIMARY KEY,
     next_offset INTEGER NOT NULL,
     earliest_offset INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE records (
     partition INTEGER NOT NULL,
     offset INTEGER NOT NULL,
     ts REAL,
     append_ms INTEGER NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (partition, offset)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX records_by_age ON records (partition, append_ms);
   CREATE TABLE staged (
     checkpoint INTEGER NOT NULL,
     subtask INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     partition INTEGER NOT NULL,
     ts REAL,
     value TEXT NOT NULL,
     PRIMARY KEY (checkpoint, subtask, seq)
   ) STRICT;`,
];

export class TopicStore {
  readonly partitionCount: number;
  private readonly db: SqliteDatabase;
  private readonly stmt: ReturnType<typeof prepareStatements>;

  private constructor(
    readonly name: string,
    db: SqliteDatabase,
    private readonly now: () => number,
  ) {
    this.db = db;
    const meta = db.prepare('SELECT partitions FROM topic_meta WHERE id = 1').get() as { partitions: number } | undefined;
    if (meta === undefined) throw new Error(`log topic ${name}: the topic file has no metadata (created by an interrupted createTopic?)`);
    this.partitionCount = meta.partitions;
    this.stmt = prepareStatements(db);
  }

  /** Creates the topic file, or checks an existing one has the same partition count. */
  static create(file: string, name: string, partitions: number, retention: LogRetention | undefined, now: () => number, synchronous: 'full' | 'normal'): TopicStore {
    const db = openSqlite(file, { synchronous });
    try {
      writeTransaction(db, () => {
        migrate(db);
        const existing = db.prepare('SELECT partitions FROM topic_meta WHERE id = 1').get() as { partitions: number } | undefined;
        if (existing === undefined) {
          db.prepare('INSERT INTO topic_meta (id, partitions, max_records, max_age_ms, created_ms) VALUES (1, ?, ?, ?, ?)').run(
            partitions,
            retention?.maxRecords ?? null,
            retention?.maxAgeMs ?? null,
            Math.floor(now()),
          );
          const p = db.prepare('INSERT INTO partitions (partition, next_offset, earliest_offset) VALUES (?, 0, 0)');
          for (let i = 0; i < partitions; i++) p.run(i);
        } else if (existing.partitions !== partitions) {
          throw new Error(`log topic ${name} already exists with ${existing.partitions} partitions, not ${partitions}`);
        } else if (retention !== undefined) {
          db.prepare('UPDATE topic_meta SET max_records = ?, max_age_ms = ? WHERE id = 1').run(retention.maxRecords ?? null, retention.maxAgeMs ?? null);
        }
      });
      return new TopicStore(name, db, now);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  static open(file: string, name: string, now: () => number, synchronous: 'full' | 'normal'): TopicStore {
    const db = openSqlite(file, { mustExist: true, synchronous });
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === 0) throw new Error(`log topic ${name} is still being created, or ${file} is not a Sluice log topic`);
      if (version !== SCHEMA_VERSION) throw new Error(`log topic ${name}: unsupported schema version ${version} in ${file}`);
      return new TopicStore(name, db, now);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  retention(): LogRetention {
    const m = this.stmt.meta.get() as { maxRecords: number | null; maxAgeMs: number | null };
    const r: LogRetention = {};
    if (m.maxRecords !== null) r.maxRecords = m.maxRecords;
    if (m.maxAgeMs !== null) r.maxAgeMs = m.maxAgeMs;
    return r;
  }

  offsets(partition: number): PartitionOffsets {
    this.checkPartition(partition);
    const row = this.stmt.offsets.get(partition) as { next: number; earliest: number };
    return { partition, earliestOffset: row.earliest, endOffset: row.next };
  }

  allOffsets(): PartitionOffsets[] {
    return this.stmt.allOffsets.all() as PartitionOffsets[];
  }

  /** Appends rows (to any partitions) in one transaction; returns each partition's offset range. */
  append(rows: readonly EncodedRow[]): Map<number, { baseOffset: number; lastOffset: number }> {
    for (const r of rows) this.checkPartition(r.partition);
    return writeTransaction(this.db, () => this.appendInTransaction(rows));
  }

  read(partition: number, fromOffset: number, max: number): LogEntry[] {
    this.checkPartition(partition);
    if (!Number.isSafeInteger(fromOffset)) throw new Error(`log topic ${this.name}: offset must be an integer, got ${fromOffset}`);
    // One read transaction: the bounds check and the rows come from the same snapshot.
    return this.db.transaction(() => {
      const { earliest, next } = this.stmt.offsets.get(partition) as { next: number; earliest: number };
      if (fromOffset < earliest) {
        throw new LogOffsetOutOfRangeError(
          `log ${this.name}/${partition}: offset ${fromOffset} is no longer available — records before offset ${earliest} were deleted by retention; the earliest available offset is ${earliest}`,
          earliest,
          next,
        );
      }
      if (fromOffset > next) {
        throw new LogOffsetOutOfRangeError(`log ${this.name}/${partition}: offset ${fromOffset} is beyond the end of the partition (next offset ${next})`, earliest, next);
      }
      const rows = this.stmt.read.all(partition, fromOffset, Math.max(0, Math.floor(max))) as { offset: number; ts: number | null; value: string }[];
      return rows.map((r) => ({ offset: r.offset, record: JSON.parse(r.value) as Record<string, unknown>, ts: r.ts ?? Number.NaN }));
    })();
  }

  /** Deletes the prefix of each partition that retention no longer keeps; returns what changed. */
  enforceRetention(): { partition: number; removed: number; earliestOffset: number }[] {
    const retention = this.retention();
    if (retention.maxRecords === undefined && retention.maxAgeMs === undefined) return [];
    const cutoff = retention.maxAgeMs === undefined ? null : Math.floor(this.now()) - retention.maxAgeMs;
    return writeTransaction(this.db, () => {
      const out: { partition: number; removed: number; earliestOffset: number }[] = [];
      for (let p = 0; p < this.partitionCount; p++) {
        const { earliest, next } = this.stmt.offsets.get(p) as { next: number; earliest: number };
        let keepFrom = earliest;
        if (retention.maxRecords !== undefined) keepFrom = Math.max(keepFrom, next - retention.maxRecords);
        if (cutoff !== null) {
          const { last } = this.stmt.lastOlderThan.get(p, cutoff) as { last: number | null };
          if (last !== null) keepFrom = Math.max(keepFrom, last + 1);
        }
        if (keepFrom > earliest) {
          const removed = this.stmt.deleteBefore.run(p, keepFrom).changes;
          this.stmt.setEarliest.run(keepFrom, p);
          out.push({ partition: p, removed, earliestOffset: keepFrom });
        }
      }
      return out;
    });
  }

  /** Stages rows for (checkpoint, subtask), replacing any earlier staging of the same pair. */
  stage(checkpoint: number, subtask: number, rows: readonly EncodedRow[]): void {
    for (const r of rows) this.checkPartition(r.partition);
    writeTransaction(this.db, () => {
      this.stmt.unstage.run(checkpoint, subtask);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i] as EncodedRow;
        this.stmt.stage.run(checkpoint, subtask, i, r.partition, r.ts, r.value);
      }
    });
  }

  /** Appends the rows staged for checkpoints ≤ `upTo` in (checkpoint, subtask, seq) order and removes them, atomically. */
  commitStaged(upTo: number): number {
    return writeTransaction(this.db, () => {
      const rows = this.stmt.stagedUpTo.all(upTo) as EncodedRow[];
      if (rows.length > 0) this.appendInTransaction(rows);
      this.stmt.deleteStagedUpTo.run(upTo);
      return rows.length;
    });
  }

  /** Drops staged rows of checkpoints after `after` (all of them when null). */
  discardStaged(after: number | null): number {
    return writeTransaction(this.db, () => (after === null ? this.stmt.deleteAllStaged.run() : this.stmt.deleteStagedAfter.run(after)).changes);
  }

  stagedSummary(): { checkpoint: number; subtask: number; rows: number }[] {
    return this.stmt.stagedSummary.all() as { checkpoint: number; subtask: number; rows: number }[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private appendInTransaction(rows: readonly EncodedRow[]): Map<number, { baseOffset: number; lastOffset: number }> {
    const ranges = new Map<number, { baseOffset: number; lastOffset: number }>();
    const appendMs = Math.floor(this.now());
    for (const r of rows) {
      let range = ranges.get(r.partition);
      if (range === undefined) {
        const { next } = this.stmt.offsets.get(r.partition) as { next: number };
        range = { baseOffset: next, lastOffset: next - 1 };
        ranges.set(r.partition, range);
      }
      range.lastOffset++;
      this.stmt.insert.run(r.partition, range.lastOffset, r.ts, appendMs, r.value);
    }
    for (const [p, range] of ranges) this.stmt.setNext.run(range.lastOffset + 1, p);
    return ranges;
  }

  private checkPartition(p: number): void {
    if (!(Number.isInteger(p) && p >= 0 && p < this.partitionCount)) {
      throw new Error(`log topic ${this.name} has partitions 0…${this.partitionCount - 1}, not ${p}`);
    }
  }
}

function migrate(db: SqliteDatabase): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`log topic file has schema version ${version}, newer than this Sluice (${SCHEMA_VERSION})`);
  for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] as string);
  if (version !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

function prepareStatements(db: SqliteDatabase) {
  return {
    meta: db.prepare('SELECT partitions, max_records AS maxRecords, max_age_ms AS maxAgeMs FROM topic_meta WHERE id = 1'),
    offsets: db.prepare('SELECT next_offset AS next, earliest_offset AS earliest FROM partitions WHERE partition = ?'),
    allOffsets: db.prepare('SELECT partition, earliest_offset AS earliestOffset, next_offset AS endOffset FROM partitions ORDER BY partition'),
    setNext: db.prepare('UPDATE partitions SET next_offset = ? WHERE partition = ?'),
    setEarliest: db.prepare('UPDATE partitions SET earliest_offset = ? WHERE partition = ?'),
    insert: db.prepare('INSERT INTO records (partition, offset, ts, append_ms, value) VALUES (?, ?, ?, ?, ?)'),
    read: db.prepare('SELECT offset, ts, value FROM records WHERE partition = ? AND offset >= ? ORDER BY offset LIMIT ?'),
    deleteBefore: db.prepare('DELETE FROM records WHERE partition = ? AND offset < ?'),
    lastOlderThan: db.prepare('SELECT max(offset) AS last FROM records WHERE partition = ? AND append_ms < ?'),
    unstage: db.prepare('DELETE FROM staged WHERE checkpoint = ? AND subtask = ?'),
    stage: db.prepare('INSERT INTO staged (checkpoint, subtask, seq, partition, ts, value) VALUES (?, ?, ?, ?, ?, ?)'),
    stagedUpTo: db.prepare('SELECT partition, ts, value FROM staged WHERE checkpoint <= ? ORDER BY checkpoint, subtask, seq'),
    deleteStagedUpTo: db.prepare('DELETE FROM staged WHERE checkpoint <= ?'),
    deleteStagedAfter: db.prepare('DELETE FROM staged WHERE checkpoint > ?'),
    deleteAllStaged: db.prepare('DELETE FROM staged'),
    stagedSummary: db.prepare('SELECT checkpoint, subtask, count(*) AS rows FROM staged GROUP BY checkpoint, subtask ORDER BY checkpoint, subtask'),
  };
}
