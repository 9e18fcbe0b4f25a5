/**
 * Runs a user's {@link ProcessFunction} per key with keyed value/list/map state and
 * event/processing-time timers. Timers are stored per key in a `timers` table (so they
 * are checkpointed) and indexed in memory by time; the index is rebuilt on restore.
 */
import { pathToFileURL } from 'node:url';
import type { Rec } from '../../core/types.js';
import type { KeyedTable } from '../../state/keyed-state.js';
import { TimerHeap } from '../../time/timer-heap.js';
import { keyString, type Batch, type Operator, type OperatorContext, type Output } from '../operator.js';
import type { KeyedContext, ProcessFunction, TimerContext, ProcessContext } from './api.js';

interface KeyTimers {
  e: number[];
  p: number[];
}

async function importUserModule(file: string): Promise<Record<string, unknown>> {
  if (/\.(c|m)?ts$/.test(file)) {
    // TypeScript modules go through tsx's loader so users need no build step.
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

export class ProcessOperator implements Operator {
  readonly keyed = true;
  private ctx!: OperatorContext;
  private tables = new Map<string, KeyedTable<unknown>>();
  private timerTable!: KeyedTable<KeyTimers>;
  private readonly eventTimers = new TimerHeap();
  private readonly processingTimers = new TimerHeap();
  private keyTable!: KeyedTable<unknown>;

  private constructor(
    readonly id: string,
    private readonly fn: ProcessFunction,
  ) {}

  static async load(id: string, module: string, exportName: string): Promise<ProcessOperator> {
    let mod: Record<string, unknown>;
    try {
      mod = await importUserModule(module);
    } catch (e) {
      throw new Error(`process step: cannot load ${module}: ${e instanceof Error ? e.message : String(e)}`);
    }
    let fn = mod[exportName] as unknown;
    // A default export of an ES module compiled to CommonJS arrives as { default: … }.
    if (fn !== null && typeof fn === 'object' && 'default' in fn && !('processElement' in fn)) fn = (fn as { default: unknown }).default;
    if (fn === null || typeof fn !== 'object' || typeof (fn as ProcessFunction).processElement !== 'function') {
      throw new Error(`process step: ${module} must export "${exportName}" as an object with a processElement(record, ctx) function`);
    }
    return new ProcessOperator(id, fn as ProcessFunction);
  }

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    this.timerTable = ctx.state.table<KeyTimers>('timers');
    this.keyTable = ctx.state.table<unknown>('keys');
  }

  afterRestore(): void {
    this.eventTimers.clear();
    this.processingTimers.clear();
    for (const [ks, t] of this.timerTable.entries()) {
      for (const time of t.e) this.eventTimers.register(ks, time);
      for (const time of t.p) this.processingTimers.register(ks, time);
    }
  }

  private table(name: string): KeyedTable<unknown> {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = this.ctx.state.table<unknown>(`state:${name}`);
      this.tables.set(name, t);
    }
    return t;
  }

  private context(ks: string, key: unknown, out: Output, defaultTs: number): KeyedContext {
    const table = (name: string): KeyedTable<unknown> => this.table(name);
    const eventTimers = this.eventTimers;
    const processingTimers = this.processingTimers;
    const keyTable = this.keyTable;
    const timersOf = (): KeyTimers => this.timerTable.get(ks) ?? { e: [], p: [] };
    const saveTimers = (t: KeyTimers): void => {
      if (t.e.length === 0 && t.p.length === 0) this.dropTimers(ks);
      else this.timerTable.set(ks, t);
    };
    return {
      key,
      currentWatermark: () => this.ctx.currentWatermark(),
      processingTime: () => this.ctx.processingTime(),
      valueState<T>(name: string) {
        const t = table(name);
        return {
          get: () => t.get(ks) as T | undefined,
          set: (v: T) => t.set(ks, v),
          clear: () => t.delete(ks),
        };
      },
      listState<T>(name: string) {
        const t = table(name);
        return {
          get: () => (t.get(ks) as T[] | undefined) ?? [],
          add: (v: T) => {
            const l = (t.get(ks) as T[] | undefined) ?? [];
            l.push(v);
            t.set(ks, l);
          },
          clear: () => t.delete(ks),
        };
      },
      mapState<T>(name: string) {
        const t = table(name);
        const obj = (): Record<string, T> => (t.get(ks) as Record<string, T> | undefined) ?? {};
        return {
          get: (k: string) => obj()[k],
          put: (k: string, v: T) => {
            const o = obj();
            o[k] = v;
            t.set(ks, o);
          },
          remove: (k: string) => {
            const o = obj();
            delete o[k];
            if (Object.keys(o).length === 0) t.delete(ks);
            else t.set(ks, o);
          },
          entries: () => Object.entries(obj()),
          clear: () => t.delete(ks),
        };
      },
      timers: {
        registerEventTime(time: number) {
          const t = timersOf();
          if (!t.e.includes(time)) t.e.push(time);
          saveTimers(t);
          eventTimers.register(ks, time);
          keyTable.set(ks, key);
        },
        registerProcessingTime(time: number) {
          const t = timersOf();
          if (!t.p.includes(time)) t.p.push(time);
          saveTimers(t);
          processingTimers.register(ks, time);
          keyTable.set(ks, key);
        },
        deleteEventTime(time: number) {
          const t = timersOf();
          t.e = t.e.filter((x) => x !== time);
          saveTimers(t);
        },
        deleteProcessingTime(time: number) {
          const t = timersOf();
          t.p = t.p.filter((x) => x !== time);
          saveTimers(t);
        },
      },
      emit: (rec: Rec, ts?: number) => out.emit(rec, ts ?? defaultTs),
      side: (name: string, rec: Rec) => out.side(name, rec, defaultTs),
    };
  }

  processBatch(batch: Batch, out: Output): void {
    const { records, timestamps } = batch;
    const keys = batch.keys!;
    for (let i = 0; i < records.length; i++) {
      const key = keys[i];
      const ks = keyString(key);
      const ts = timestamps[i]!;
      const ctx = this.context(ks, key, out, ts) as ProcessContext;
      (ctx as { timestamp: number }).timestamp = ts;
      try {
        this.fn.processElement(records[i]!, ctx);
      } catch (e) {
        out.deadLetter({ origin: this.id, reason: `processElement threw: ${e instanceof Error ? e.message : String(e)}`, raw: records[i] });
      }
    }
  }

  /**
   * A key without timers needs neither its timer entry nor its original key (kept only so
   * onTimer sees it): without this, every key that ever set a timer stayed in state.
   */
  private dropTimers(ks: string): void {
    this.timerTable.delete(ks);
    this.keyTable.delete(ks);
  }

  private fireTimers(heap: TimerHeap, domain: 'event' | 'processing', upTo: number, out: Output): void {
    heap.popUpTo(upTo, (time, ks) => {
      const t = this.timerTable.get(ks);
      const list = t === undefined ? undefined : domain === 'event' ? t.e : t.p;
      if (list === undefined || !list.includes(time)) return; // deleted
      const remaining = list.filter((x) => x !== time);
      if (domain === 'event') t!.e = remaining;
      else t!.p = remaining;
      const key = this.keyTable.get(ks);
      if (t!.e.length === 0 && t!.p.length === 0) this.dropTimers(ks);
      else this.timerTable.set(ks, t!);
      const ctx = this.context(ks, key, out, time) as TimerContext;
      (ctx as { timeDomain: string }).timeDomain = domain;
      try {
        this.fn.onTimer?.(time, ctx);
      } catch (e) {
        out.deadLetter({ origin: this.id, reason: `onTimer threw: ${e instanceof Error ? e.message : String(e)}`, raw: { key, time } });
      }
    });
  }

  onWatermark(watermark: number, out: Output): void {
    this.fireTimers(this.eventTimers, 'event', watermark, out);
  }

  onProcessingTime(now: number, out: Output): void {
    this.fireTimers(this.processingTimers, 'processing', now, out);
  }
}
