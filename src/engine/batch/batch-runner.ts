/**
 * Batch execution of a job spec in the MapReduce shape (Flink's BATCH execution mode):
 *
 *   map     the input in chunks of `batch.chunkRecords`; each chunk is a map task running
 *           stage 0's operators (fresh instances) and the keyBy that ends the stage;
 *   shuffle map output partitioned by key group into `parallelism` partitions, sorted by
 *           (key, timestamp, sequence), spilled to run files past `batch.memoryBudgetMb`;
 *   reduce  per partition, per key: the next stage's operators over the key's records in
 *           timestamp order with the watermark at −∞, then +∞ (see KeyedStageRunner);
 *           the stage's output feeds the next shuffle, or the sink.
 *
 * Sinks are opened as one writer (subtask 0 of 1) plus the committer; everything written
 * is pre-committed and committed as checkpoint 1 when the job ends, so an exactly-once
 * sink shows all of the result or (after a failure) nothing. Tasks run one after another
 * in this process: parallelism sets the number of reduce partitions, not threads.
 */
import { checkpointId, DEAD_LETTER_OUTPUT, MIN_WATERMARK, type DeadLetter } from '../core/types.js';
import type { Sink, SinkCommitter, SinkWriter } from '../connectors/sink.js';
import type { Source } from '../connectors/source.js';
import type { JobSpec } from '../job/spec.js';
import { SideOutputs } from '../runtime/outputs.js';
import { planJob, type StagePlan } from '../runtime/plan.js';
import { OperatorChain } from '../runtime/chain.js';
import { BatchStateBackend } from './batch-state.js';
import { EventTimeExtractor, expectedRecords, readChunks, type InputChunk } from './input.js';
import { KeyedStageRunner } from './keyed-runner.js';
import { ShuffleOutput, SinkBuffer, type BatchStageOutput } from './outputs.js';
import { keySegments, Shuffle, SpillDir } from './shuffle.js';

export interface BatchProgress {
  readonly phase: 'map' | 'shuffle' | 'reduce';
  /** map: records read; shuffle: partitions sorted; reduce: records reduced. */
  readonly done: number;
  /** The same unit; 0 when unknown (a source that does not know its size). */
  readonly total: number;
  /** Which exchange a shuffle/reduce phase belongs to (1 = after the first keyBy). */
  readonly stage: number;
}

export interface BatchOptions {
  onProgress?: (p: BatchProgress) => void;
  /** Parent of the temporary spill directory (default: the OS temp dir). */
  tmpDir?: string;
}

export interface BatchResult {
  /** Records read from the source (watermark lines excluded). */
  recordsIn: number;
  /** Records written to the job's sink. */
  recordsOut: number;
  deadLetters: number;
  /** Sorted runs written to disk because a shuffle exceeded the memory budget. */
  spilledRuns: number;
  spilledBytes: number;
  /** Records that crossed a shuffle (all exchanges). */
  shuffledRecords: number;
  durationMs: number;
}

/** The connectors a batch run reads and writes. */
export interface BatchIO {
  readonly source: Source;
  readonly sink: Sink;
  /** Declared side outputs by name, and the dead-letter output (`dead-letter`). */
  readonly sideSinks: ReadonlyMap<string, Sink>;
}

/** Records per reduce feed: a hot key is fed in slices of this size. */
const REDUCE_SLICE = 1024;
const PROGRESS_EVERY = 65_536;

export async function executeBatch(spec: JobSpec, io: BatchIO, opts: BatchOptions = {}): Promise<BatchResult> {
  const started = performance.now();
  const plan = planJob(spec);
  const stages = plan.stages;
  for (const op of await stages[0]!.createOperators()) {
    if (op.keyed) throw new Error(`operator ${op.id} needs a keyBy before it`);
  }
  const progress = opts.onProgress ?? (() => {});
  const spillDir = new SpillDir(opts.tmpDir);
  const budgetBytes = Math.max(1, spec.batch.memoryBudgetMb * 1024 * 1024);
  const partitions = Math.max(1, spec.parallelism);

  const committers: SinkCommitter[] = [];
  const writers: SinkWriter[] = [];
  const shuffles: Shuffle[] = [];
  let committed = false;
  try {
    const mainCommitter = await io.sink.openCommitter();
    committers.push(mainCommitter);
    const sideWriters = new Map<string, SinkWriter>();
    for (const sink of io.sideSinks.values()) committers.push(await sink.openCommitter());
    // Output staged by a crashed earlier run of the same sinks is not ours: discard it.
    for (const c of committers) await c.recover(null);
    const mainWriter = await io.sink.openWriter(0, 1);
    writers.push(mainWriter);
    for (const [name, sink] of io.sideSinks) {
      const w = await sink.openWriter(0, 1);
      writers.push(w);
      sideWriters.set(name, w);
    }
    const sides = new SideOutputs(sideWriters, DEAD_LETTER_OUTPUT);
    const sinkOut = new SinkBuffer(mainWriter, sides);
    const newShuffle = (exchange: number): Shuffle => {
      const s = new Shuffle({ partitions, maxParallelism: spec.maxParallelism, budgetBytes, spillDir, name: `x${exchange}` });
      shuffles.push(s);
      return s;
    };
    const outputFor = (shuffle: Shuffle | null): BatchStageOutput => (shuffle === null ? sinkOut : new ShuffleOutput(shuffle, sides));

    // ---- map
    let shuffle: Shuffle | null = stages.length > 1 ? newShuffle(1) : null;
    const mapOut = outputFor(shuffle);
    const extractor = new EventTimeExtractor(spec.source);
    const total = await expectedRecords(io.source);
    const deadLetter = (dl: DeadLetter): void => sides.deadLetter(dl);
    for await (const chunk of readChunks(io.source, extractor, spec.batch.chunkRecords, deadLetter)) {
      await runMapTask(stages[0]!, chunk, mapOut);
      await mapOut.flush();
      progress({ phase: 'map', done: extractor.recordsRead, total, stage: 0 });
    }
    if (extractor.recordsRead === 0) progress({ phase: 'map', done: 0, total, stage: 0 });

    // ---- shuffle + reduce, once per exchange
    for (let s = 1; s < stages.length; s++) {
      const input = shuffle!;
      input.finish((done, n) => progress({ phase: 'shuffle', done, total: n, stage: s }));
      shuffle = s + 1 < stages.length ? newShuffle(s + 1) : null;
      const out = outputFor(shuffle);
      const runner = await KeyedStageRunner.open(await stages[s]!.createOperators(), stages[s]!.createKeyBy(), out);
      let reduced = 0;
      let reported = 0;
      for (let p = 0; p < input.partitions; p++) {
        for (const seg of keySegments(input.open(p), REDUCE_SLICE)) {
          runner.feed(seg);
          reduced += seg.values.length;
          if (seg.last && out.wantsFlush) await out.flush();
          if (reduced - reported >= PROGRESS_EVERY) {
            reported = reduced;
            progress({ phase: 'reduce', done: reduced, total: input.records, stage: s });
          }
        }
        await out.flush();
      }
      await runner.close();
      progress({ phase: 'reduce', done: reduced, total: input.records, stage: s });
      input.close();
    }

    // ---- commit: everything as checkpoint 1
    await sinkOut.flush();
    const cp = checkpointId(1);
    await mainWriter.preCommit(cp);
    await sides.preCommit(1);
    for (const c of committers) await c.commit(cp);
    committed = true;
    return {
      recordsIn: extractor.recordsRead,
      recordsOut: sinkOut.recordsOut,
      deadLetters: sides.deadLetters,
      spilledRuns: shuffles.reduce((n, sh) => n + sh.spilledRuns, 0),
      spilledBytes: shuffles.reduce((n, sh) => n + sh.spilledBytes, 0),
      shuffledRecords: shuffles.reduce((n, sh) => n + sh.records, 0),
      durationMs: performance.now() - started,
    };
  } finally {
    for (const sh of shuffles) sh.close();
    spillDir.remove();
    for (const w of writers) await w.close();
    if (!committed) {
      // Nothing of a failed run becomes visible.
      for (const c of committers) await Promise.resolve(c.recover(null)).catch(() => undefined);
    }
    for (const c of committers) await c.close();
    await io.source.close?.();
  }
}

/** One map task: stage 0's operators, fresh, over one chunk. */
async function runMapTask(stage: StagePlan, chunk: InputChunk, out: BatchStageOutput): Promise<void> {
  const operators = await stage.createOperators();
  const backend = new BatchStateBackend();
  const counters = { numLateRecordsDropped: 0, numLateRecordsToSideOutput: 0 };
  for (const op of operators) {
    await op.open({ operatorId: op.id, state: backend.forOperator(op.id), currentWatermark: () => MIN_WATERMARK, processingTime: () => Date.now(), counters });
  }
  new OperatorChain(operators, stage.createKeyBy(), out).process({ records: chunk.records, timestamps: chunk.timestamps, keys: null });
  for (const op of operators) await op.close?.();
}
