/**
 * The API a `process` step's module implements (Flink's KeyedProcessFunction):
 *
 * ```ts
 * import type { ProcessFunction } from 'sluice/process';
 * const fn: ProcessFunction = {
 *   processElement(rec, ctx) {
 *     const n = (ctx.valueState<number>('count').get() ?? 0) + 1;
 *     ctx.valueState<number>('count').set(n);
 *     ctx.timers.registerEventTime(ctx.timestamp + 60_000);
 *   },
 *   onTimer(ts, ctx) { ctx.emit({ key: ctx.key, count: ctx.valueState<number>('count').get() }); },
 * };
 * export default fn;
 * ```
 * State is per key and checkpointed; values must be JSON-serialisable.
 */
import type { Rec } from '../../core/types.js';

export interface ValueState<T> {
  get(): T | undefined;
  set(value: T): void;
  clear(): void;
}
export interface ListState<T> {
  get(): readonly T[];
  add(value: T): void;
  clear(): void;
}
export interface MapState<T> {
  get(key: string): T | undefined;
  put(key: string, value: T): void;
  remove(key: string): void;
  entries(): [string, T][];
  clear(): void;
}
export interface TimerService {
  registerEventTime(time: number): void;
  registerProcessingTime(time: number): void;
  deleteEventTime(time: number): void;
  deleteProcessingTime(time: number): void;
}

export interface KeyedContext {
  /** The current key (as the keyBy produced it). */
  readonly key: unknown;
  currentWatermark(): number;
  processingTime(): number;
  valueState<T>(name: string): ValueState<T>;
  listState<T>(name: string): ListState<T>;
  mapState<T>(name: string): MapState<T>;
  readonly timers: TimerService;
  /** Emits a result; its timestamp defaults to the current record's or timer's. */
  emit(rec: Rec, ts?: number): void;
  side(output: string, rec: Rec): void;
}

export interface ProcessContext extends KeyedContext {
  /** The record's event timestamp (NaN when it has none). */
  readonly timestamp: number;
}

export interface TimerContext extends KeyedContext {
  readonly timeDomain: 'event' | 'processing';
}

export interface ProcessFunction {
  processElement(rec: Rec, ctx: ProcessContext): void;
  onTimer?(timestamp: number, ctx: TimerContext): void;
}
