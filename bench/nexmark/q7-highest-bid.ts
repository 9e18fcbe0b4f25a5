/**
 * Nexmark q7: keyed by the start of a bid's 10 s tumbling window (q7.yaml computes it), it
 * keeps the highest-priced bid(s) of the window and emits them, with the window bounds,
 * when the watermark passes the window's last millisecond. A window that has ended is never
 * reopened: bids are in event-time order per source split, and a late bid (one behind the
 * watermark) is sent to the dead-letter output rather than silently dropped.
 */
import type { ProcessFunction } from '../../src/engine/operators/process/api.js';

/** Must match the keyBy expression in q7.yaml. */
const WINDOW_MS = 10_000;

interface Bid {
  auction: number;
  bidder: number;
  price: number;
  dateTime: number;
}

const highestBid: ProcessFunction = {
  processElement(rec, ctx) {
    const windowStart = ctx.key as number;
    if (windowStart + WINDOW_MS - 1 <= ctx.currentWatermark()) {
      throw new Error(`late bid for the window starting at ${windowStart} (watermark ${ctx.currentWatermark()})`);
    }
    const max = ctx.valueState<number>('max');
    const best = ctx.listState<Bid>('best');
    const price = rec['price'] as number;
    const current = max.get();
    const bid: Bid = { auction: rec['auction'] as number, bidder: rec['bidder'] as number, price, dateTime: rec['dateTime'] as number };
    if (current === undefined) ctx.timers.registerEventTime(windowStart + WINDOW_MS - 1);
    if (current === undefined || price > current) {
      max.set(price);
      best.clear();
      best.add(bid);
    } else if (price === current) {
      best.add(bid);
    }
  },
  onTimer(_ts, ctx) {
    const windowStart = ctx.key as number;
    for (const b of ctx.listState<Bid>('best').get()) ctx.emit({ ...b, windowStart, windowEnd: windowStart + WINDOW_MS });
    ctx.valueState<number>('max').clear();
    ctx.listState<Bid>('best').clear();
  },
};

export default highestBid;
