/**
 * Checkpoint and restore cost against state size: a worker's state backend filled with
 * window-shaped state for N keys is snapshotted (values copied as JSON, as the runtime
 * does at a barrier) and written as one part file; then 1 % of keys change and an
 * incremental part is written; then the state is restored from the chain. The peer is
 * raw better-sqlite3: the same rows bulk-inserted in one transaction / read back, the
 * floor for anything stored in SQLite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CheckpointStore, readRestore, writePart } from '../../src/engine/checkpoint/store.js';
import { checkpointId } from '../../src/engine/core/types.js';
import { MemoryStateBackend } from '../../src/engine/state/memory-backend.js';

const MAXP = 128;

function filledBackend(keys: number): { backend: MemoryStateBackend; set: (k: number, v: number) => void } {
  const backend = new MemoryStateBackend(MAXP);
  const table = backend.forOperator('op1-window').table<{ k: string; w: { s: number; e: number; a: number }[] }>('windows');
  const set = (k: number, v: number): void => table.set(`k${k}`, { k: `k${k}`, w: [{ s: 1_700_000_000_000, e: 1_700_000_002_000, a: v }] });
  for (let k = 0; k < keys; k++) set(k, k % 97);
  return { backend, set };
}

export interface CheckpointFigures {
  fullMs: number;
  incrementalMs: number;
  restoreMs: number;
  fullBytes: number;
  peerInsertMs: number;
  peerReadMs: number;
}

export function checkpointRound(keys: number): CheckpointFigures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-ckpt-'));
  try {
    const { backend, set } = filledBackend(keys);
    const store = CheckpointStore.open(dir);
    const write = (id: number, full: boolean): { ms: number; bytes: number; ref: ReturnType<typeof writePart> } => {
      const t0 = performance.now();
      const snap = backend.snapshot(full);
      const entries = snap.entries.map((e) => ({ ...e, value: e.value === undefined ? undefined : JSON.stringify(e.value) }));
      store.begin(checkpointId(id), 'checkpoint', Date.now(), 1, MAXP);
      const ref = writePart(dir, { checkpoint: checkpointId(id), worker: 0, entries, operatorState: {}, sourcePositions: {}, full, keyGroups: { start: 0, end: MAXP - 1 }, valuesAreJson: true });
      const ms = performance.now() - t0;
      store.complete(checkpointId(id), { triggerTs: 0, durationMs: ms, syncMs: 0, asyncMs: 0, alignmentMs: 0, fullSizeBytes: ref.bytes, checkpointedSizeBytes: ref.bytes, numKeys: keys }, [ref]);
      return { ms, bytes: ref.bytes, ref };
    };
    const full = write(1, true);
    for (let k = 0; k < keys; k += 100) set(k, 1000 + k);
    const incr = write(2, false);
    const t0 = performance.now();
    const plan = store.restorePlan()!;
    const restored = new MemoryStateBackend(MAXP);
    const n = restored.load(
      (function* () {
        for (const e of readRestore(dir, plan, { start: 0, end: MAXP - 1 }).entries) yield e;
      })(),
    );
    const restoreMs = performance.now() - t0;
    if (n !== keys) throw new Error(`restore gave ${n} keys, expected ${keys}`);
    store.close();

    // Peer: raw better-sqlite3, the same number of rows, one transaction, one statement.
    const db = new Database(path.join(dir, 'peer.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE s (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID');
    const ins = db.prepare('INSERT INTO s (k, v) VALUES (?, ?)');
    const value = JSON.stringify({ k: 'k1', w: [{ s: 1_700_000_000_000, e: 1_700_000_002_000, a: 1 }] });
    const p0 = performance.now();
    db.transaction(() => {
      for (let k = 0; k < keys; k++) ins.run(`k${String(k).padStart(8, '0')}`, value);
    })();
    const peerInsertMs = performance.now() - p0;
    const r0 = performance.now();
    let rows = 0;
    for (const _ of db.prepare('SELECT k, v FROM s').iterate()) rows++;
    const peerReadMs = performance.now() - r0;
    db.close();
    if (rows !== keys) throw new Error('peer read mismatch');
    return { fullMs: full.ms, incrementalMs: incr.ms, restoreMs, fullBytes: full.bytes, peerInsertMs, peerReadMs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
