/**
 * SQLite-style crash test with real processes: a child checkpoints large parts in a loop
 * (test-crash-writer.ts) and is SIGKILLed at random moments. After every kill:
 * `integrity_check` passes on checkpoints.db and on every part file the store references,
 * and restoring the latest completed checkpoint gives exactly that checkpoint's model
 * state, never a mix of two checkpoints. A power-loss simulation is out of reach in JS;
 * durability across power loss rests on synchronous=FULL and SQLite's own tests.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { keyGroupForKey } from '../core/keygroups.js';
import { CheckpointStore, STORE_FILE } from './store.js';
import { crashChanges, entryId, makeTempDir, prng, readRestoreMap, sortedState, type ModelEntry } from './test-model.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, '../../..');
const writer = path.join(here, 'test-crash-writer.ts');
const KILLS = 20;
const SEED = 20240611;
const KEY_SPACE = 50_000;
const OPS = 5_000;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function integrity(file: string): string {
  const db = new Database(file, { fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** Runs the writer until it prints `ready`, waits `delayMs`, SIGKILLs it. Returns the checkpoint it restored. */
async function runAndKill(dir: string, delayMs: number): Promise<{ restored: number; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(SEED), String(KEY_SPACE), String(OPS)], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const restored = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /ready (\d+)\n/.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
    void exited.then((how) => reject(new Error(`writer exited (${String(how)}) before it was killed:\n${stderr}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  const how = await exited;
  if (how !== 'SIGKILL') throw new Error(`writer ended by itself (${String(how)}):\n${stderr}`);
  return { restored, stderr };
}

it(`survives ${KILLS} SIGKILLs at random moments: integrity ok, restore = exactly one checkpoint's model state`, async () => {
  const dir = makeTempDir('sluice-crash-');
  dirs.push(dir);
  const rnd = prng(SEED);
  const model = new Map<string, ModelEntry>();
  let latest = 0;
  let interruptedCheckpoints = 0;
  let leftoverTmpFiles = 0;
  const completedPerLife: number[] = [];
  /** Ids a kill left in progress; the next life aborts them. Every other id up to the newest completed one completed. */
  const interrupted = new Set<number>();

  for (let kill = 0; kill < KILLS; kill++) {
    const { restored } = await runAndKill(dir, Math.floor(rnd() * 1500));
    expect(restored).toBe(latest);

    expect(integrity(path.join(dir, STORE_FILE))).toBe('ok');
    leftoverTmpFiles += fs.readdirSync(path.join(dir, 'parts')).filter((f) => f.includes('.tmp')).length;
    const store = CheckpointStore.open(dir);
    try {
      const history = store.history();
      for (const r of history) if (r.status === 'in-progress') interrupted.add(r.id);
      interruptedCheckpoints += history.filter((r) => r.status === 'in-progress').length;
      // Checkpoints completed in this life, oldest first, each built on the previous one
      // (retention may already have deleted the older ones' metadata).
      const newest = history.find((r) => r.status === 'completed')?.id ?? latest;
      const fresh: number[] = [];
      for (let id = latest + 1; id <= newest; id++) if (!interrupted.has(id)) fresh.push(id);
      completedPerLife.push(fresh.length);
      for (const id of fresh) {
        for (const [key, value] of crashChanges(SEED, id, KEY_SPACE, OPS)) {
          if (value === undefined) model.delete(entryId('count', key));
          else model.set(entryId('count', key), { operator: 'count', keyGroup: keyGroupForKey(key, 128), key, value });
        }
        latest = id;
      }
      for (const rec of history) {
        for (const p of store.parts(rec.id)) expect([p.file, integrity(path.join(dir, p.file))]).toEqual([p.file, 'ok']);
      }
      if (latest === 0) {
        expect(store.restorePlan()).toBeNull();
        continue;
      }
      const plan = store.restorePlan()!;
      expect(plan.errors).toEqual([]);
      expect(plan.checkpoint).toBe(latest);
      const restored = readRestoreMap(dir, plan, [
        { start: 0, end: 42 },
        { start: 43, end: 85 },
        { start: 86, end: 127 },
      ]);
      expect(restored.size).toBe(model.size);
      expect(sortedState(restored)).toEqual(sortedState(model));
    } finally {
      store.close();
    }
  }
  // The kills must have landed both mid-checkpoint and between checkpoints to mean anything.
  expect(interruptedCheckpoints).toBeGreaterThan(0);
  expect(latest).toBeGreaterThan(0);
  console.info(
    `crash test: ${KILLS} kills, ${latest} checkpoint ids used, ${interruptedCheckpoints} kills left a checkpoint in progress, ` +
      `${leftoverTmpFiles} half-written .tmp files found, checkpoints completed per life: ${completedPerLife.join(',')}`,
  );
}, 600_000);
