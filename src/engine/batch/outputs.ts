/**
 * Where a batch stage's results go: the next shuffle, or the job's sink (buffered and
 * written in batches). Side outputs and dead letters go to the runtime's SideOutputs,
 * which routes an undeclared side output to the dead letters as the stream runtime does.
 */
import type { DeadLetter, Rec } from '../core/types.js';
import type { SinkWriter } from '../connectors/sink.js';
import type { Batch } from '../operators/operator.js';
import type { ChainSink } from '../runtime/chain.js';
import type { SideOutputs } from '../runtime/outputs.js';
import type { Shuffle } from './shuffle.js';

/** Records buffered before they are written to a sink. */
export const SINK_BATCH_RECORDS = 8192;

export interface BatchStageOutput extends ChainSink {
  /** True when enough is buffered that the runner should {@link flush} before going on. */
  readonly wantsFlush: boolean;
  flush(): Promise<void>;
}

export class ShuffleOutput implements BatchStageOutput {
  constructor(
    private readonly shuffle: Shuffle,
    private readonly sides: SideOutputs,
  ) {}
  records(batch: Batch): void {
    const { records, timestamps } = batch;
    const keys = batch.keys!;
    for (let i = 0; i < records.length; i++) this.shuffle.add(keys[i], timestamps[i]!, records[i]);
  }
  side(name: string, rec: Rec, ts: number): void {
    this.sides.side(name, rec, ts);
  }
  deadLetter(dl: DeadLetter): void {
    this.sides.deadLetter(dl);
  }
  get wantsFlush(): boolean {
    return this.sides.buffered >= SINK_BATCH_RECORDS;
  }
  async flush(): Promise<void> {
    await this.sides.flush();
  }
}

export class SinkBuffer implements BatchStageOutput {
  private recs: Rec[] = [];
  private ts: number[] = [];
  recordsOut = 0;

  constructor(
    private readonly writer: SinkWriter,
    private readonly sides: SideOutputs,
  ) {}
  records(batch: Batch): void {
    const { records, timestamps } = batch;
    for (let i = 0; i < records.length; i++) {
      this.recs.push(records[i]!);
      this.ts.push(timestamps[i]!);
    }
    this.recordsOut += records.length;
  }
  side(name: string, rec: Rec, ts: number): void {
    this.sides.side(name, rec, ts);
  }
  deadLetter(dl: DeadLetter): void {
    this.sides.deadLetter(dl);
  }
  get wantsFlush(): boolean {
    return this.recs.length >= SINK_BATCH_RECORDS || this.sides.buffered >= SINK_BATCH_RECORDS;
  }
  async flush(): Promise<void> {
    if (this.recs.length > 0) {
      const batch = { records: this.recs, timestamps: this.ts };
      this.recs = [];
      this.ts = [];
      await this.writer.write(batch);
    }
    await this.sides.flush();
  }
}
