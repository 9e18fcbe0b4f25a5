/**
 * Watermark generation per source split (Flink's WatermarkStrategy):
 * - bounded:    watermark = max timestamp seen − maxOutOfOrderness − 1
 * - monotonous: bounded with 0, i.e. max timestamp − 1
 * - from-input: the input carries `{"watermark": T}` lines (replays are deterministic)
 * - none:       no watermark until the input ends
 * The initial watermark is −∞; an ended split is at +∞; a split with no records for
 * `idleTimeout` is idle and does not hold the combined watermark back.
 */
import type { WatermarkSpec } from '../job/spec.js';
import { MAX_WATERMARK, MIN_WATERMARK, type Rec } from '../core/types.js';

export class SplitWatermark {
  /** Largest event timestamp seen (checkpointed with the split's position). */
  maxTs = MIN_WATERMARK;
  /** Largest `{"watermark": T}` seen (from-input). */
  inputWatermark = MIN_WATERMARK;
  ended = false;
  private lastActivity: number;

  constructor(
    private readonly spec: WatermarkSpec,
    now: number,
  ) {
    this.lastActivity = now;
  }

  get fromInput(): boolean {
    return this.spec.strategy === 'from-input';
  }

  onTimestamp(ts: number): void {
    if (ts > this.maxTs) this.maxTs = ts;
  }

  onInputWatermark(t: number): void {
    if (t > this.inputWatermark) this.inputWatermark = t;
  }

  touch(now: number): void {
    this.lastActivity = now;
  }

  isIdle(now: number): boolean {
    return !this.ended && this.spec.idleTimeout !== null && now - this.lastActivity >= this.spec.idleTimeout;
  }

  current(): number {
    if (this.ended) return MAX_WATERMARK;
    switch (this.spec.strategy) {
      case 'bounded':
        return this.maxTs - this.spec.maxOutOfOrderness - 1;
      case 'monotonous':
        return this.maxTs - 1;
      case 'from-input':
        return this.inputWatermark;
      case 'none':
        return MIN_WATERMARK;
    }
  }
}

/** `{"watermark": T}` and nothing else: a watermark line of a from-input source. */
export function inputWatermarkOf(rec: Rec): number | undefined {
  const w = rec['watermark'];
  if (typeof w !== 'number') return undefined;
  for (const k in rec) if (k !== 'watermark') return undefined;
  return w;
}

/**
 * The watermark of several splits: the minimum over active ones. Idle splits are left
 * out; when every split is idle the watermark does not move (undefined).
 */
export function combinedWatermark(splits: Iterable<SplitWatermark>, now: number): number | undefined {
  let min = MAX_WATERMARK;
  let active = 0;
  for (const s of splits) {
    if (s.isIdle(now)) continue;
    active++;
    const c = s.current();
    if (c < min) min = c;
  }
  return active === 0 ? undefined : min;
}
