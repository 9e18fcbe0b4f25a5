/**
 * Keyed window aggregation with Flink's WindowOperator semantics and its default
 * EventTimeTrigger / ProcessingTimeTrigger:
 *
 * - a record goes to every window its timestamp is assigned to; a window is late when
 *   end − 1 + allowedLateness ≤ watermark, and a record late for ALL its windows goes to
 *   the late side output (or is counted as dropped);
 * - a window fires when the watermark reaches end − 1; a record arriving after that but
 *   within the allowed lateness fires it again at once (accumulated contents, or only the
 *   new contents with purgeOnFire);
 * - a window's state is dropped at end − 1 + allowedLateness;
 * - session windows merge when they overlap or touch.
 *
 * State per key (one entry in the `windows` table): the original key and the live
 * windows with their accumulators. Timers are not stored: they are derived from the
 * windows on restore (`f` records whether the on-time firing already happened, so a
 * restored window never fires twice).
 */
import type { Rec } from '../../core/types.js';
import type { WindowSpec, AggregateSpec } from '../../job/spec.js';
import type { KeyedTable } from '../../state/keyed-state.js';
import { TimerHeap } from '../../time/timer-heap.js';
import { keyString, type Batch, type Operator, type OperatorContext, type Output } from '../operator.js';
import { aggregator, AggregateInputError, type Acc, type Aggregator } from './aggregates.js';
import { cover, intersects, windowAssigner, type TimeWindow, type WindowAssigner } from './assigners.js';

interface WindowEntry {
  s: number;
  e: number;
  /** Accumulator of the current contents; absent when empty (nothing yet, or purged). */
  a?: Acc | Acc[];
  /** 1 once the on-time firing (watermark reached end − 1) happened. */
  f?: 1;
}

interface KeyWindows {
  /** The key as the keyBy produced it (output keeps its type). */
  k: unknown;
  w: WindowEntry[];
}

export class WindowOperator implements Operator {
  readonly keyed = true;
  private ctx!: OperatorContext;
  private table!: KeyedTable<KeyWindows>;
  private readonly assigner: WindowAssigner;
  private readonly agg: Aggregator;
  private readonly lateness: number;
  private readonly purge: boolean;
  private readonly lateOutput: string | null;
  private readonly processingTime: boolean;
  private readonly timers = new TimerHeap();
  /**
   * Tumbling and sliding windows end at the same times for every key, so instead of a
   * timer per (key, window) there is one per distinct time, and firing walks the keys.
   * Session windows end per key and keep per-key timers.
   */
  private readonly aligned: boolean;
  private readonly assigned: TimeWindow[] = [];

  constructor(
    readonly id: string,
    window: WindowSpec,
    aggregate: AggregateSpec,
  ) {
    this.assigner = windowAssigner(window);
    this.agg = aggregator(aggregate);
    this.processingTime = window.time === 'processing';
    this.lateness = this.processingTime ? 0 : window.allowedLateness;
    this.purge = window.purgeOnFire;
    this.lateOutput = window.lateOutput;
    this.aligned = !this.assigner.merging;
  }

  private timer(ks: string, time: number): void {
    this.timers.register(this.aligned ? ALL_KEYS : ks, time);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.table = ctx.state.table<KeyWindows>('windows');
  }

  afterRestore(): void {
    this.timers.clear();
    for (const [ks, st] of this.table.entries()) {
      for (const w of st.w) {
        if (!w.f) this.timer(ks, w.e - 1);
        this.timer(ks, w.e - 1 + this.lateness);
      }
    }
  }

  processBatch(batch: Batch, out: Output): void {
    const { records, timestamps } = batch;
    const keys = batch.keys!;
    const n = records.length;
    for (let i = 0; i < n; i++) {
      const rec = records[i]!;
      let ts: number;
      let wm: number;
      if (this.processingTime) {
        ts = this.ctx.processingTime();
        wm = ts - 1;
      } else {
        ts = timestamps[i]!;
        wm = this.ctx.currentWatermark();
        if (Number.isNaN(ts)) {
          out.deadLetter({ origin: this.id, reason: 'record has no event timestamp (set source.timestampField)', raw: rec });
          continue;
        }
      }
      try {
        this.agg.check(rec);
      } catch (e) {
        if (e instanceof AggregateInputError) {
          out.deadLetter({ origin: this.id, reason: e.message, raw: rec });
          continue;
        }
        throw e;
      }
      const key = keys[i];
      const ks = keyString(key);
      const added = this.assigner.merging ? this.addMerging(ks, key, rec, ts, wm, out) : this.addAligned(ks, key, rec, ts, wm, out);
      if (!added) {
        if (this.lateOutput !== null) {
          this.ctx.counters.numLateRecordsToSideOutput++;
          out.side(this.lateOutput, rec, ts);
        } else {
          this.ctx.counters.numLateRecordsDropped++;
        }
      }
    }
  }

  /** Tumbling/sliding: returns false when the record was late for every window. */
  private addAligned(ks: string, key: unknown, rec: Rec, ts: number, wm: number, out: Output): boolean {
    this.assigner.assign(ts, this.assigned);
    const existing = this.table.get(ks);
    let st = existing;
    let added = false;
    const windows = this.assigned;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      const maxTs = w.end - 1;
      if (maxTs + this.lateness <= wm) continue;
      added = true;
      if (st === undefined) st = { k: key, w: [] };
      let entry: WindowEntry | undefined;
      const list = st.w;
      for (let j = 0; j < list.length; j++) {
        if (list[j]!.s === w.start) {
          entry = list[j];
          break;
        }
      }
      if (entry === undefined) {
        entry = { s: w.start, e: w.end };
        list.push(entry);
        if (maxTs > wm) this.timer(ks, maxTs);
        if (this.lateness > 0 || maxTs <= wm) this.timer(ks, maxTs + this.lateness);
      }
      entry.a = this.agg.add(entry.a === undefined ? this.agg.create() : entry.a, rec);
      if (maxTs <= wm) this.fire(st, entry, out);
    }
    if (!added) return false;
    // The value was mutated in place: mark it changed (or store it if it is new).
    if (existing === undefined) this.table.set(ks, st!);
    else this.table.changed(ks);
    return true;
  }

  /** Sessions: the record's window merges with every live window it overlaps or touches. */
  private addMerging(ks: string, key: unknown, rec: Rec, ts: number, wm: number, out: Output): boolean {
    this.assigner.assign(ts, this.assigned);
    let merged: TimeWindow = this.assigned[0]!;
    const st = this.table.get(ks) ?? { k: key, w: [] };
    let acc: Acc | Acc[] | undefined;
    const kept: WindowEntry[] = [];
    for (const e of st.w) {
      const ew = { start: e.s, end: e.e };
      if (intersects(ew, merged)) {
        merged = cover(ew, merged);
        if (e.a !== undefined) acc = acc === undefined ? e.a : this.agg.merge(acc, e.a);
      } else {
        kept.push(e);
      }
    }
    const maxTs = merged.end - 1;
    // A merged window that already existed is never late (its cleanup has not run); a fresh
    // one is late exactly when the record is.
    if (maxTs + this.lateness <= wm) return false;
    const entry: WindowEntry = { s: merged.start, e: merged.end };
    entry.a = this.agg.add(acc === undefined ? this.agg.create() : acc, rec);
    kept.push(entry);
    st.w = kept;
    if (maxTs > wm) this.timer(ks, maxTs);
    this.timer(ks, maxTs + this.lateness);
    if (maxTs <= wm) this.fire(st, entry, out);
    this.table.set(ks, st);
    return true;
  }

  private fire(st: KeyWindows, entry: WindowEntry, out: Output): void {
    entry.f = 1;
    if (entry.a === undefined) return;
    out.emit({ key: st.k, windowStart: entry.s, windowEnd: entry.e, value: this.agg.result(entry.a) }, entry.e - 1);
    if (this.purge) delete entry.a;
  }

  onWatermark(watermark: number, out: Output): void {
    if (!this.processingTime) this.fireUpTo(watermark, out);
  }

  onProcessingTime(now: number, out: Output): void {
    if (this.processingTime) this.fireUpTo(now, out);
  }

  private fireUpTo(time: number, out: Output): void {
    if (this.aligned) {
      this.fireAlignedUpTo(time, out);
      return;
    }
    this.timers.popUpTo(time, (t, ks) => {
      const st = this.table.get(ks);
      if (st === undefined) return;
      let changed = false;
      for (const e of st.w) {
        if (e.e - 1 === t && !e.f) {
          this.fire(st, e, out);
          changed = true;
        }
      }
      const live = st.w.filter((e) => e.e - 1 + this.lateness > t);
      if (live.length !== st.w.length) {
        st.w = live;
        changed = true;
      }
      if (!changed) return;
      if (st.w.length === 0) this.table.delete(ks);
      else this.table.set(ks, st);
    });
  }

  /**
   * Every due time up to `time` at once: per key, fire the windows whose end − 1 ≤ time
   * (in end order) that have not fired on time, then drop those past their cleanup time —
   * what firing each due time in turn would do.
   */
  private fireAlignedUpTo(time: number, out: Output): void {
    let due = false;
    this.timers.popUpTo(time, () => {
      due = true;
    });
    if (!due) return;
    const emptied: string[] = [];
    for (const [ks, st] of this.table.entries()) {
      let changed = false;
      if (st.w.length > 1) st.w.sort((a, b) => a.e - b.e);
      for (const e of st.w) {
        if (e.e - 1 <= time && !e.f) {
          this.fire(st, e, out);
          changed = true;
        }
      }
      const live = st.w.filter((e) => e.e - 1 + this.lateness > time);
      if (live.length !== st.w.length) {
        st.w = live;
        changed = true;
      }
      if (!changed) continue;
      if (st.w.length === 0) emptied.push(ks);
      else this.table.set(ks, st);
    }
    for (const ks of emptied) this.table.delete(ks);
  }
}

/** The timer key of aligned windows: one timer per time for all keys. */
const ALL_KEYS = '\u0000all';
