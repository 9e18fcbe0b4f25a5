/**
 * `npm run bench [-- --quick]`: measures the engine against peers in the same run and
 * writes bench/results/latest.json + latest.md. `--quick` (CI smoke) uses small inputs
 * and fewer repetitions; the full mode is for real numbers.
 */
import os from 'node:os';
import path from 'node:path';
import { figure, measure, writeResults, type Figure } from './harness.js';
import { handTunedKeyedCount, handTunedStateless, runInProcess } from './workloads/in-process.js';
import { checkpointRound } from './workloads/checkpoint.js';
import { benchSpec, keyedCountThroughput, recoveryAfterKill } from './workloads/runtime.js';
import { memoryFigures, nexmarkCheckpointFigures, nexmarkFigures } from './nexmark/figures.js';
import { kafkaFigures } from './workloads/kafka.js';
import { executionModeFigures } from './workloads/execution-modes.js';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const runs = quick ? 3 : 5;
const warmup = 1;
const figures: Figure[] = [];
const log = (s: string): void => void process.stderr.write(s + '\n');

// The runtime's workers run the built engine (npm run bench builds it first).
process.env['SLUICE_WORKER_ENTRY'] ??= path.resolve(import.meta.dirname, '../dist/engine/runtime/worker-main.js');

async function section(name: string, fn: () => Promise<void>): Promise<void> {
  if (only !== undefined && !name.startsWith(only)) return;
  log(`== ${name}`);
  try {
    await fn();
  } catch (e) {
    log(`   ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    figures.push(figure(`${name}.error`, '', null, { note: e instanceof Error ? e.message : String(e) }));
  }
}

const evPerSec = (r: { events: number; ms: number }): number => (r.events * 1000) / r.ms;

await section('core', async () => {
  const n = quick ? 1_000_000 : 5_000_000;
  const stateless = benchSpec(
    { name: 'b', source: { type: 'generator', seed: 1, count: n, keys: 10_000 }, pipeline: [{ filter: 'value > 10' }, { map: { key: 'key', doubled: 'value * 2' } }], sink: { type: 'file', path: '/dev/null' } },
    os.tmpdir(),
  );
  const peer = await measure(async () => evPerSec(await handTunedStateless(stateless)), { runs, warmup });
  const m = await measure(async () => evPerSec(await runInProcess(stateless)), { runs, warmup });
  figures.push(figure('pipeline.stateless.p1-inproc', 'events/s', m, { peer: 'hand-tuned loop', peerValue: peer.value }));
  log(`   stateless map/filter: ${Math.round(m.value).toLocaleString()} ev/s (hand-tuned ${Math.round(peer.value).toLocaleString()})`);

  for (const keys of [10_000, 1_000_000]) {
    const events = Math.max(n, keys * 2);
    const spec = benchSpec(
      {
        name: 'b',
        source: { type: 'generator', seed: 1, count: events, keys, eventTimeRate: 1_000_000 },
        pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '1s' } }, { aggregate: { count: true } }],
        sink: { type: 'file', path: '/dev/null' },
      },
      os.tmpdir(),
    );
    const peerK = await measure(async () => evPerSec(await handTunedKeyedCount(spec, 1000)), { runs, warmup });
    const mk = await measure(async () => evPerSec(await runInProcess(spec)), { runs, warmup });
    const name = `keyed-count.${keys === 10_000 ? '10k' : '1m'}-keys.p1-inproc`;
    figures.push(figure(name, 'events/s/core', mk, { peer: 'hand-tuned loop', peerValue: peerK.value, target: 1_000_000 }));
    log(`   ${name}: ${Math.round(mk.value).toLocaleString()} ev/s (hand-tuned ${Math.round(peerK.value).toLocaleString()}, target 1,000,000 → ${((mk.value / 1e6) * 100).toFixed(0)}%)`);
  }
});

await section('runtime', async () => {
  const events = quick ? 1_000_000 : 4_000_000;
  const peerSpec = benchSpec(
    { name: 'b', source: { type: 'generator', seed: 1, count: events, keys: 10_000, eventTimeRate: 1_000_000 }, pipeline: [{ keyBy: 'key' }, { window: { type: 'tumbling', size: '1s' } }, { aggregate: { count: true } }], sink: { type: 'file', path: '/dev/null' } },
    os.tmpdir(),
  );
  const peer = await measure(async () => evPerSec(await handTunedKeyedCount(peerSpec, 1000)), { runs: 3, warmup: 1 });
  for (const p of [1, 2]) {
    const off = await measure(async () => (await keyedCountThroughput({ parallelism: p, events, keys: 10_000, checkpointMs: null })).perCore, { runs: quick ? 2 : 3, warmup: 0 });
    const on = await measure(async () => (await keyedCountThroughput({ parallelism: p, events, keys: 10_000, checkpointMs: 1000 })).perCore, { runs: quick ? 2 : 3, warmup: 0 });
    figures.push(figure(`keyed-count.p${p}`, 'events/s/core', off, { peer: 'hand-tuned loop', peerValue: peer.value, target: 1_000_000, note: 'worker processes, checkpoints off' }));
    figures.push(figure(`keyed-count.p${p}.checkpoints-1s`, 'events/s/core', on, { peer: `keyed-count.p${p}`, peerValue: off.value, target: 0.9 * off.value, note: 'target: checkpointing costs ≤ 10 %' }));
    log(`   p${p}: ${Math.round(off.value).toLocaleString()} ev/s/core, with checkpoints every 1 s ${Math.round(on.value).toLocaleString()} (${((1 - on.value / off.value) * 100).toFixed(1)} % cost)`);
  }
});

await section('checkpoint', async () => {
  for (const keys of quick ? [100_000] : [100_000, 1_000_000]) {
    const label = keys === 100_000 ? '100k' : '1m';
    const rounds: ReturnType<typeof checkpointRound>[] = [];
    const n = quick ? 1 : 3;
    for (let i = 0; i < n; i++) rounds.push(checkpointRound(keys));
    const m = (f: (r: ReturnType<typeof checkpointRound>) => number) => {
      const xs = rounds.map(f).sort((a, b) => a - b);
      return { value: xs[xs.length >> 1]!, min: xs[0]!, max: xs[xs.length - 1]!, runs: xs.length };
    };
    const peerIns = m((r) => r.peerInsertMs).value;
    const peerRead = m((r) => r.peerReadMs).value;
    figures.push(figure(`checkpoint.full.${label}-keys`, 'ms', m((r) => r.fullMs), { peer: 'raw better-sqlite3 insert', peerValue: peerIns, target: keys === 1_000_000 ? 1500 : null, higherIsBetter: false }));
    figures.push(figure(`checkpoint.incremental.${label}-keys`, 'ms', m((r) => r.incrementalMs), { peer: 'raw better-sqlite3 insert (all keys)', peerValue: peerIns, target: keys === 1_000_000 ? 100 : null, higherIsBetter: false, note: '1 % of keys changed' }));
    figures.push(figure(`restore.${label}-keys`, 'ms', m((r) => r.restoreMs), { peer: 'raw better-sqlite3 read', peerValue: peerRead, target: keys === 1_000_000 ? 1000 : null, higherIsBetter: false }));
    log(`   ${label} keys: full ${m((r) => r.fullMs).value.toFixed(0)} ms, incremental 1 % ${m((r) => r.incrementalMs).value.toFixed(0)} ms, restore ${m((r) => r.restoreMs).value.toFixed(0)} ms (raw SQLite insert ${peerIns.toFixed(0)} ms, read ${peerRead.toFixed(0)} ms)`);
  }
});

await section('recovery', async () => {
  for (const keys of quick ? [100_000] : [100_000, 1_000_000]) {
    const label = keys === 100_000 ? '100k' : '1m';
    const f = await recoveryAfterKill(keys);
    figures.push(
      figure(`recovery.${label}-keys`, 'ms', { value: f.caughtUpMs!, min: f.caughtUpMs!, max: f.caughtUpMs!, runs: 1 }, {
        target: keys === 1_000_000 ? 1000 : null,
        higherIsBetter: false,
        note: `SIGKILL → caught up; detect ${f.detectMs} ms, restart ${f.restartMs} ms, restore ${f.restoreMs?.toFixed(0)} ms (${f.restoredKeys} keys)`,
      }),
    );
    log(`   ${label} keys: caught up ${f.caughtUpMs} ms after SIGKILL (detect ${f.detectMs}, restart ${f.restartMs}, restore ${f.restoreMs?.toFixed(0)} ms, ${f.restoredKeys} keys)`);
  }
});

await section('execution', async () => void figures.push(...(await executionModeFigures({ quick, log }))));

// Kafka sink/source against kcat, Kafka → q12 → Kafka against Kafka Streams (a broker on
// SLUICE_KAFKA_BROKERS or 127.0.0.1:9092; without one these figures print as missing).
await section('kafka', async () => {
  figures.push(...(await kafkaFigures({ quick, log })));
});

await section('nexmark', async () => void figures.push(...(await nexmarkFigures({ quick, log }))));

await section('nexmark-checkpoints', async () => void figures.push(...(await nexmarkCheckpointFigures({ quick, log }))));

await section('memory', async () => void figures.push(...(await memoryFigures({ quick, log }))));

const md = writeResults(figures, quick ? 'quick' : 'full');
process.stdout.write(md + '\n');
// A peer that cannot run prints as missing; a section that crashed is a broken harness.
const crashed = figures.filter((f) => f.name.endsWith('.error'));
if (crashed.length > 0) {
  log(`${crashed.length} section(s) failed: ${crashed.map((f) => f.name.replace(/\.error$/, '')).join(', ')}`);
  process.exitCode = 1;
}
