/**
 * Runs a keyed stage's operators one key at a time, with Flink's BATCH execution-mode
 * semantics: a key's records arrive sorted by timestamp while the watermark stays at −∞
 * (so nothing is late and nothing fires early); then the watermark jumps to +∞ and
 * processing time to +∞, so every window fires once with all of its records and every
 * timer fires; then the key's state is dropped and the watermark is back at −∞ for the
 * next key. The operators are the stream runtime's, unchanged, which is why a batch run
 * gives the stream run's final result whenever no record is late.
 */
import { MAX_WATERMARK, MIN_WATERMARK, type Rec } from '../core/types.js';
import type { Operator, OperatorCounters } from '../operators/operator.js';
import type { KeyByOperator } from '../operators/stateless.js';
import { OperatorChain, type ChainSink } from '../runtime/chain.js';
import { BatchStateBackend } from './batch-state.js';
import type { KeySegment } from './shuffle.js';

export class KeyedStageRunner {
  private watermark = MIN_WATERMARK;
  private readonly backend = new BatchStateBackend();
  readonly counters: OperatorCounters = { numLateRecordsDropped: 0, numLateRecordsToSideOutput: 0 };
  private chain!: OperatorChain;
  /** Keys processed so far. */
  keys = 0;

  private constructor(private readonly operators: readonly Operator[]) {}

  /** Opens `operators` (fresh instances) and chains them to `keyBy` and `sink`. */
  static async open(operators: readonly Operator[], keyBy: KeyByOperator | null, sink: ChainSink): Promise<KeyedStageRunner> {
    const r = new KeyedStageRunner(operators);
    for (const op of operators) {
      await op.open({
        operatorId: op.id,
        state: r.backend.forOperator(op.id),
        currentWatermark: () => r.watermark,
        processingTime: () => Date.now(),
        counters: r.counters,
      });
    }
    r.chain = new OperatorChain(operators, keyBy, sink);
    return r;
  }

  /** Feeds one segment of a key (in timestamp order); ends the key after its last segment. */
  feed(seg: KeySegment): void {
    const n = seg.values.length;
    if (n > 0) {
      const keys = new Array<unknown>(n).fill(seg.key);
      this.chain.process({ records: seg.values as Rec[], timestamps: seg.timestamps, keys });
    }
    if (seg.last) this.endKey();
  }

  private endKey(): void {
    this.watermark = MAX_WATERMARK;
    this.chain.watermark(MAX_WATERMARK);
    this.chain.processingTime(Number.POSITIVE_INFINITY);
    this.backend.clear();
    this.watermark = MIN_WATERMARK;
    this.keys++;
  }

  async close(): Promise<void> {
    for (const op of this.operators) await op.close?.();
  }
}
