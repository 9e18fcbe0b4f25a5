/**
 * Nexmark q8: keyed by a person id (q8.yaml keys a person by its id and an auction by its
 * seller), it remembers, per 10 s tumbling window, the person registered in it and whether
 * that person opened an auction in it — in either order, since an auction's seller may be
 * a person whose registration comes a little later. When the watermark passes the window's
 * last millisecond it emits the person if both were seen, once however many auctions there
 * were, and forgets the window. As in q7, a record behind the watermark goes to the
 * dead-letter output rather than being dropped silently.
 */
import type { ProcessFunction } from '../../src/engine/operators/process/api.js';

/** Nexmark q8's window. */
const WINDOW_MS = 10_000;

/** What one key has seen in one window; the map state is keyed by the window's start. */
interface Seen {
  /** The person's name, once the person has registered in this window. */
  name?: string;
  auction: boolean;
}

const newUsers: ProcessFunction = {
  processElement(rec, ctx) {
    const t = rec['dateTime'] as number;
    const windowStart = t - (t % WINDOW_MS);
    const windowEnd = windowStart + WINDOW_MS;
    if (windowEnd - 1 <= ctx.currentWatermark()) {
      throw new Error(`late ${String(rec['type'])} for the window starting at ${windowStart} (watermark ${ctx.currentWatermark()})`);
    }
    const windows = ctx.mapState<Seen>('windows');
    const w = String(windowStart);
    const seen = windows.get(w);
    if (seen === undefined) ctx.timers.registerEventTime(windowEnd - 1);
    if (rec['type'] === 'person') {
      windows.put(w, { name: rec['name'] as string, auction: seen?.auction ?? false });
    } else if (seen?.auction !== true) {
      // A hot seller opens many auctions per window; only the first one changes the state.
      windows.put(w, { ...seen, auction: true });
    }
  },
  onTimer(ts, ctx) {
    const windowStart = ts + 1 - WINDOW_MS;
    const windows = ctx.mapState<Seen>('windows');
    const seen = windows.get(String(windowStart));
    if (seen?.name !== undefined && seen.auction) {
      ctx.emit({ id: ctx.key as number, name: seen.name, starttime: windowStart, windowStart, windowEnd: windowStart + WINDOW_MS });
    }
    windows.remove(String(windowStart));
  },
};

export default newUsers;
