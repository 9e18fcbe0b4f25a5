/**
 * The concrete fault schedule of a run: the drill's fixed faults plus the random ones,
 * drawn from the drill's seed, with every "random worker" resolved up front. Same drill,
 * same seed, same schedule (replayable); the schedule is printed in the report.
 */
import type { DrillSpec, FaultSpec } from './spec.js';

/** mulberry32: a small, fast, seedable PRNG (a drill must be replayable). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type PlannedFault = FaultSpec & {
  /** Position in the schedule (1-based). */
  readonly seq: number;
  /** Workers to kill, resolved from the seed (kill-worker: one; kill-burst: one per kill; corrupt-checkpoint: the worker killed to force the restore). */
  readonly workers: readonly number[];
  readonly origin: 'fixed' | 'random';
};

export function planFaults(drill: DrillSpec, parallelism: number): PlannedFault[] {
  const rnd = mulberry32(drill.seed ^ 0x5eed);
  const pick = (): number => Math.floor(rnd() * parallelism);
  const all: (FaultSpec & { origin: 'fixed' | 'random' })[] = drill.faults.map((f) => ({ ...f, origin: 'fixed' as const }));
  const r = drill.random;
  if (r !== null) {
    for (let i = 0; i < r.count; i++) {
      const atMs = Math.round(r.fromMs + rnd() * (r.toMs - r.fromMs));
      const type = r.types[Math.floor(rnd() * r.types.length)]!;
      switch (type) {
        case 'kill-worker':
          all.push({ type, atMs, worker: null, origin: 'random' });
          break;
        case 'kill-burst':
          all.push({ type, atMs, kills: 3, intervalMs: 500, origin: 'random' });
          break;
        case 'slow-sink':
          all.push({ type, atMs, forMs: r.forMs, delayPerRecordMs: r.delayPerRecordMs, origin: 'random' });
          break;
        case 'stall-source':
          all.push({ type, atMs, forMs: r.forMs, origin: 'random' });
          break;
        case 'corrupt-checkpoint':
        case 'deliver-twice':
          all.push({ type, atMs, origin: 'random' });
          break;
      }
    }
  }
  const at = (f: FaultSpec): number => ('atMs' in f ? f.atMs : -1);
  all.sort((a, b) => at(a) - at(b));
  return all.map((f, i) => {
    let workers: number[] = [];
    if (f.type === 'kill-worker') workers = [f.worker ?? pick()];
    else if (f.type === 'kill-burst') workers = Array.from({ length: f.kills }, pick);
    else if (f.type === 'corrupt-checkpoint') workers = [pick()];
    else if (f.type === 'kill-during-checkpoint') workers = [f.worker];
    for (const w of workers) if (w >= parallelism) throw new RangeError(`fault ${i + 1} (${f.type}): no worker ${w} (parallelism ${parallelism})`);
    return { ...f, seq: i + 1, workers };
  });
}

export function describeFault(f: PlannedFault): string {
  const at = 'atMs' in f ? `at ${(f.atMs / 1000).toFixed(1)} s` : '';
  switch (f.type) {
    case 'kill-worker':
      return `${at}: SIGKILL worker ${f.workers[0]}`;
    case 'kill-during-checkpoint':
      return `checkpoint ${f.checkpoint}: worker ${f.worker} dies ${f.point}`;
    case 'kill-burst':
      return `${at}: burst of ${f.kills} kills every ${f.intervalMs} ms (workers ${f.workers.join(', ')})`;
    case 'slow-sink':
      return `${at}: sink delay ${f.delayPerRecordMs} ms/record for ${f.forMs} ms`;
    case 'stall-source':
      return `${at}: source paused for ${f.forMs} ms`;
    case 'corrupt-checkpoint':
      return `${at}: corrupt the newest checkpoint's part files, then SIGKILL worker ${f.workers[0]}`;
    case 'deliver-twice':
      return `${at}: restore the oldest retained checkpoint (input since then is delivered again)`;
    case 'broker-restart':
      return `${at}: stop the managed Kafka broker, start it again after ${f.downForMs} ms`;
  }
}
