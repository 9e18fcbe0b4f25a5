/**
 * Schema of the host-owned `checkpoints.db`, as numbered migrations. Migration i (1-based)
 * moves `PRAGMA user_version` from i-1 to i inside one transaction; never edit a released
 * migration, append a new one.
 */
import type Database from 'better-sqlite3';

export const STORE_MIGRATIONS: readonly string[] = [
  // 1: checkpoints, their parts (the complete marker), counters.
  `
  CREATE TABLE store_meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT;
  INSERT INTO store_meta (name, value) VALUES ('last_checkpoint_id', 0);
  -- The completed checkpoint the job's workers last restored (0: none since the last complete).
  INSERT INTO store_meta (name, value) VALUES ('restored_from', 0);

  CREATE TABLE checkpoints (
    id                      INTEGER PRIMARY KEY CHECK (id >= 1),
    kind                    TEXT NOT NULL CHECK (kind IN ('checkpoint', 'savepoint')),
    status                  TEXT NOT NULL CHECK (status IN ('in-progress', 'completed', 'failed')),
    trigger_ts              REAL NOT NULL,
    parallelism             INTEGER NOT NULL CHECK (parallelism >= 1),
    max_parallelism         INTEGER NOT NULL CHECK (max_parallelism >= parallelism),
    base_id                 INTEGER,
    completed_ts            REAL,
    failure_reason          TEXT,
    restore_error           TEXT,
    retained_as_base        INTEGER NOT NULL DEFAULT 0 CHECK (retained_as_base IN (0, 1)),
    duration_ms             REAL,
    sync_ms                 REAL,
    async_ms                REAL,
    alignment_ms            REAL,
    full_size_bytes         INTEGER,
    checkpointed_size_bytes INTEGER,
    num_keys                INTEGER,
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL)),
    CHECK ((status = 'completed') = (completed_ts IS NOT NULL)),
    CHECK (base_id IS NULL OR base_id < id)
  ) STRICT;

  CREATE TABLE parts (
    checkpoint_id INTEGER NOT NULL REFERENCES checkpoints (id) ON DELETE CASCADE,
    worker        INTEGER NOT NULL CHECK (worker >= 0),
    file          TEXT NOT NULL UNIQUE,
    kg_start      INTEGER NOT NULL CHECK (kg_start >= 0),
    kg_end        INTEGER NOT NULL CHECK (kg_end >= kg_start),
    full          INTEGER NOT NULL CHECK (full IN (0, 1)),
    entries       INTEGER NOT NULL CHECK (entries >= 0),
    bytes         INTEGER NOT NULL CHECK (bytes >= 0),
    duration_ms   REAL NOT NULL,
    PRIMARY KEY (checkpoint_id, worker)
  ) STRICT;
  `,
];

/** Applies the migrations this file has not seen yet; refuses a file from a newer version. */
export function migrateStore(db: Database.Database, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > STORE_MIGRATIONS.length) {
    throw new Error(
      `${file} has schema version ${current}, newer than this build knows (${STORE_MIGRATIONS.length}); refusing to open it`,
    );
  }
  for (let v = current; v < STORE_MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(STORE_MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
