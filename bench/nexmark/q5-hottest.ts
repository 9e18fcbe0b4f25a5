/**
 * Nexmark q5's second stage: keyed by window end, it receives every auction's bid count
 * for that window (`{key: auction, windowStart, windowEnd, value: count}`, each with
 * timestamp windowEnd - 1) and, once the watermark passes the window, emits the auction(s)
 * with the highest count: `{auction, windowStart, windowEnd, bids}`. The counts of one
 * window all arrive before the watermark that fires its timer (they are emitted by the
 * upstream window at that watermark), so the maximum is complete when the timer fires.
 */
import type { ProcessFunction } from '../../src/engine/operators/process/api.js';

interface Candidate {
  auction: unknown;
  windowStart: number;
  windowEnd: number;
  bids: number;
}

const hottest: ProcessFunction = {
  processElement(rec, ctx) {
    const max = ctx.valueState<number>('max');
    const best = ctx.listState<Candidate>('best');
    const bids = rec['value'] as number;
    const current = max.get();
    const candidate: Candidate = { auction: rec['key'], windowStart: rec['windowStart'] as number, windowEnd: rec['windowEnd'] as number, bids };
    if (current === undefined) ctx.timers.registerEventTime(candidate.windowEnd - 1);
    if (current === undefined || bids > current) {
      max.set(bids);
      best.clear();
      best.add(candidate);
    } else if (bids === current) {
      best.add(candidate);
    }
  },
  onTimer(_ts, ctx) {
    for (const c of ctx.listState<Candidate>('best').get()) ctx.emit({ ...c });
    ctx.valueState<number>('max').clear();
    ctx.listState<Candidate>('best').clear();
  },
};

export default hottest;
