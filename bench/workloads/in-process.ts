/**
 * One process, no workers: the generator's reader feeds the job's operator chains
 * directly (stage after stage, keys computed by the keyBy), the watermark follows the
 * generator's timestamps, and the sink only counts. This is the engine's per-core cost
 * without exchanges, processes or checkpoints.
 */
import { GeneratorSource } from '../../src/engine/connectors/generator.js';
import type { SplitReader } from '../../src/engine/connectors/source.js';
import { MAX_WATERMARK } from '../../src/engine/core/types.js';
import type { JobSpec } from '../../src/engine/job/spec.js';
import type { Batch, OperatorCounters } from '../../src/engine/operators/operator.js';
import { OperatorChain, type ChainSink } from '../../src/engine/runtime/chain.js';
import { planJob } from '../../src/engine/runtime/plan.js';
import { MemoryStateBackend } from '../../src/engine/state/memory-backend.js';

/** The job's generator as one unthrottled split: every record, in order. */
async function generatorReader(spec: JobSpec): Promise<SplitReader> {
  if (spec.source.type !== 'generator') throw new Error('the in-process benchmarks need a generator source');
  const s = spec.source;
  const source = new GeneratorSource({ seed: s.seed, count: s.count, keys: s.keys, eventsPerSecond: null, skew: s.skew, startTs: s.startTs, eventTimeRate: s.eventTimeRate, splits: 1 });
  const [split] = await source.listSplits();
  return source.openReader(split!, undefined);
}

export async function runInProcess(spec: JobSpec): Promise<{ events: number; outputs: number; ms: number }> {
  const plan = planJob(spec);
  let outputs = 0;
  let watermark = Number.NEGATIVE_INFINITY;
  const counters: OperatorCounters = { numLateRecordsDropped: 0, numLateRecordsToSideOutput: 0 };
  const chains: OperatorChain[] = new Array(plan.stages.length);
  const sinkOf = (next: number): ChainSink => ({
    records: (b: Batch) => {
      if (next < chains.length) chains[next]!.process(b);
      else outputs += b.records.length;
    },
    side: () => undefined,
    deadLetter: (dl) => {
      throw new Error(`dead letter in bench: ${dl.reason}`);
    },
  });
  for (let i = plan.stages.length - 1; i >= 0; i--) {
    const st = plan.stages[i]!;
    const ops = await st.createOperators();
    const backend = new MemoryStateBackend(spec.maxParallelism);
    for (const op of ops) {
      await op.open({ operatorId: op.id, state: backend.forOperator(op.id), currentWatermark: () => watermark, processingTime: Date.now, counters });
    }
    chains[i] = new OperatorChain(ops, st.createKeyBy(), sinkOf(i + 1));
  }
  const reader = await generatorReader(spec);
  const t0 = performance.now();
  let events = 0;
  for (;;) {
    const r = await reader.poll(4096);
    if (r.kind !== 'records') break;
    events += r.records.length;
    const ts = r.timestamps!;
    chains[0]!.process({ records: r.records, timestamps: ts, keys: null });
    const wm = ts[ts.length - 1]! - 1;
    if (wm > watermark) {
      watermark = wm;
      for (const c of chains) c.watermark(wm);
    }
  }
  watermark = MAX_WATERMARK;
  for (const c of chains) c.watermark(MAX_WATERMARK);
  return { events, outputs, ms: performance.now() - t0 };
}

/**
 * The hand-tuned loop: the same keyed tumbling count written directly in plain Node over
 * the same generated records — no engine, no operators, no state abstraction. The
 * closest thing to JavaScript's limit for this computation on this machine.
 */
export async function handTunedKeyedCount(spec: JobSpec, windowMs: number): Promise<{ events: number; outputs: number; ms: number }> {
  const reader = await generatorReader(spec);
  const t0 = performance.now();
  let events = 0;
  let outputs = 0;
  let windowStart = Number.NaN;
  let counts = new Map<string, number>();
  for (;;) {
    const r = await reader.poll(4096);
    if (r.kind !== 'records') break;
    const recs = r.records;
    const ts = r.timestamps!;
    for (let i = 0; i < recs.length; i++) {
      const t = ts[i]!;
      const start = t - (t % windowMs);
      if (start !== windowStart) {
        outputs += counts.size;
        counts = new Map();
        windowStart = start;
      }
      const k = recs[i]!['key'] as string;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    events += recs.length;
  }
  outputs += counts.size;
  return { events, outputs, ms: performance.now() - t0 };
}

/** The hand-tuned stateless loop: filter + map over the same records. */
export async function handTunedStateless(spec: JobSpec): Promise<{ events: number; outputs: number; ms: number }> {
  const reader = await generatorReader(spec);
  const t0 = performance.now();
  let events = 0;
  let outputs = 0;
  for (;;) {
    const r = await reader.poll(4096);
    if (r.kind !== 'records') break;
    for (const rec of r.records) {
      const v = rec['value'] as number;
      if (v > 10) {
        const o = { key: rec['key'], doubled: v * 2 };
        if (o.doubled > 0) outputs++;
      }
    }
    events += r.records.length;
  }
  return { events, outputs, ms: performance.now() - t0 };
}
