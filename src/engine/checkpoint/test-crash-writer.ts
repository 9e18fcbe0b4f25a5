/**
 * Child process of the crash test (crash.test.ts): host and two "workers" in one process,
 * checkpointing large parts in a loop until the test SIGKILLs it. On start it aborts what a
 * killed predecessor left in progress, restores the latest completed checkpoint (the real
 * restore path) and continues from there.
 *
 * Usage: node --import tsx test-crash-writer.ts <dir> <seed> <keySpace> <opsPerCheckpoint>
 */
import { keyGroupForKey, keyGroupRangeForWorker } from '../core/keygroups.js';
import { writePart } from './part-file.js';
import { readRestore } from './restore.js';
import { CheckpointStore } from './store.js';
import { crashChanges } from './test-model.js';
import type { PartRef, StateEntry } from './types.js';

const [dir, seedArg, keySpaceArg, opsArg] = process.argv.slice(2);
if (dir === undefined || seedArg === undefined || keySpaceArg === undefined || opsArg === undefined) {
  throw new Error('usage: test-crash-writer.ts <dir> <seed> <keySpace> <opsPerCheckpoint>');
}
const seed = Number(seedArg);
const keySpace = Number(keySpaceArg);
const ops = Number(opsArg);
const MAXP = 128;
const P = 2;
const OP = 'count';

const store = CheckpointStore.open(dir);
store.abortIncomplete('writer restarted after a kill');
const plan = store.restorePlan();
const state = new Map<string, StateEntry>();
if (plan !== null) {
  if (plan.errors.length > 0) throw new Error(`unexpected restore errors: ${plan.errors.map((e) => e.message).join('; ')}`);
  for (const e of readRestore(dir, plan, { start: 0, end: MAXP - 1 }).entries) state.set(e.key, e);
  store.markRestored(plan.checkpoint);
}
let hasBase = plan !== null;
process.stdout.write(`ready ${plan?.checkpoint ?? 0}\n`);

for (;;) {
  const id = store.nextCheckpointId();
  store.begin(id, 'checkpoint', Date.now(), P, MAXP);
  const dirty = new Map<string, StateEntry>();
  for (const [key, value] of crashChanges(seed, id, keySpace, ops)) {
    const e: StateEntry = { operator: OP, keyGroup: keyGroupForKey(key, MAXP), key, value };
    dirty.set(key, e);
    if (value === undefined) state.delete(key);
    else state.set(key, e);
  }
  const full = !hasBase || id % 4 === 0;
  const parts: PartRef[] = [];
  for (let w = 0; w < P; w++) {
    const r = keyGroupRangeForWorker(MAXP, P, w);
    const entries: StateEntry[] = [];
    for (const e of (full ? state : dirty).values()) if (e.keyGroup >= r.start && e.keyGroup <= r.end) entries.push(e);
    parts.push(writePart(dir, { checkpoint: id, worker: w, entries, operatorState: {}, sourcePositions: { s: { id } }, full, keyGroups: r }));
  }
  const bytes = parts.reduce((n, p) => n + p.bytes, 0);
  store.complete(
    id,
    { triggerTs: Date.now(), durationMs: 0, syncMs: 0, asyncMs: 0, alignmentMs: 0, fullSizeBytes: bytes, checkpointedSizeBytes: bytes, numKeys: state.size },
    parts,
  );
  hasBase = true;
  store.retain(3);
}
