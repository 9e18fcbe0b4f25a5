/**
 * Test support for batch execution (not used by jobs): a single-process replica of the
 * stream runtime at parallelism 1 — the same planned stages and operators, event time and
 * watermarks generated per poll exactly as a worker does, watermarks forwarded stage to
 * stage after the records before them — so tests can check that batch execution gives
 * the stream result.
 */
import { MAX_WATERMARK, MIN_WATERMARK, type DeadLetter, type Rec } from '../core/types.js';
import type { JobSpec } from '../job/spec.js';
import type { Batch } from '../operators/operator.js';
import { OperatorChain, type ChainSink } from '../runtime/chain.js';
import { planJob } from '../runtime/plan.js';
import { MemoryStateBackend } from '../state/memory-backend.js';
import { SplitWatermark } from '../time/watermarks.js';
import { EventTimeExtractor, type InputChunk } from './input.js';

export interface StreamOutputs {
  records: Rec[];
  sides: Record<string, Rec[]>;
  deadLetters: DeadLetter[];
}

/** Runs `spec`'s pipeline as the stream runtime would, polling `pollSize` records at a time. */
export async function simulateStream(spec: JobSpec, records: readonly Rec[], timestamps?: readonly number[], pollSize = 7): Promise<StreamOutputs> {
  const plan = planJob(spec);
  const out: StreamOutputs = { records: [], sides: {}, deadLetters: [] };
  const side = (name: string, rec: Rec): void => void (out.sides[name] ??= []).push(rec);
  const deadLetter = (dl: DeadLetter): void => void out.deadLetters.push(dl);
  const chains: OperatorChain[] = [];
  const watermarks: number[] = [];
  for (let s = plan.stages.length - 1; s >= 0; s--) {
    const stage = plan.stages[s]!;
    const next = chains[0];
    const sink: ChainSink = {
      records: (b: Batch) => (next === undefined ? out.records.push(...b.records) : next.process(b)),
      side,
      deadLetter,
    };
    const backend = new MemoryStateBackend(spec.maxParallelism);
    const operators = await stage.createOperators();
    const index = s;
    for (const op of operators) {
      await op.open({
        operatorId: op.id,
        state: backend.forOperator(op.id),
        currentWatermark: () => watermarks[index]!,
        processingTime: () => 0,
        counters: { numLateRecordsDropped: 0, numLateRecordsToSideOutput: 0 },
      });
    }
    chains.unshift(new OperatorChain(operators, stage.createKeyBy(), sink));
    watermarks.unshift(MIN_WATERMARK);
  }
  const advance = (wm: number): void => {
    for (let s = 0; s < chains.length; s++) {
      if (wm <= watermarks[s]!) return;
      watermarks[s] = wm;
      chains[s]!.watermark(wm);
    }
  };
  const extractor = new EventTimeExtractor(spec.source);
  const split = new SplitWatermark(spec.source.watermarks, 0);
  for (let i = 0; i < records.length; i += pollSize) {
    const polled = records.slice(i, i + pollSize);
    // Watermark lines take effect where they stand: cut the poll at each one.
    let from = 0;
    for (let j = 0; j <= polled.length; j++) {
      const rec = polled[j];
      const isWm = rec !== undefined && split.fromInput && typeof rec['watermark'] === 'number' && Object.keys(rec).length === 1;
      if (rec !== undefined && !isWm) continue;
      const chunk: InputChunk = { records: [], timestamps: [] };
      extractor.accept('memory', polled.slice(from, j), timestamps?.slice(i + from, i + j), chunk, deadLetter);
      for (const t of chunk.timestamps) if (!Number.isNaN(t)) split.onTimestamp(t);
      if (chunk.records.length > 0) chains[0]!.process({ records: chunk.records, timestamps: chunk.timestamps, keys: null });
      if (isWm) split.onInputWatermark(rec['watermark'] as number);
      from = j + 1;
    }
    advance(split.current());
  }
  advance(MAX_WATERMARK);
  return out;
}

/** Records as sorted JSON strings: compare outputs as multisets. */
export function canonical(records: readonly unknown[]): string[] {
  return records.map((r) => JSON.stringify(r)).sort();
}
