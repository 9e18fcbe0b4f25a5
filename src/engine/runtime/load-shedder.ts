/**
 * `overload.strategy: shed` at one source subtask. Records the pipeline cannot take yet
 * (its first output is full) wait in a {@link ShedQueue}; above the threshold the
 * lowest-priority ones are dropped. Every dropped record is counted under its priority and,
 * when the job names a shed output, written there — so a dropped record is never silent.
 * The priority expression is evaluated only for records that have to wait: a job that
 * keeps up pays nothing for it.
 */
import type { DeadLetter, Rec } from '../core/types.js';
import { compileExpressionOrThrow } from '../expr/index.js';
import type { OverloadMetrics } from '../metrics/worker-metrics.js';
import { ShedQueue } from './shed-queue.js';

export interface QueuedRecord<S> {
  readonly split: S;
  readonly rec: Rec;
  /** The source's own timestamp (NaN: none). */
  readonly ts: number;
  readonly readAt: number;
}

export interface ShedTarget {
  side(name: string, rec: Rec, ts: number): void;
  deadLetter(dl: DeadLetter): void;
}

export class LoadShedder<S> {
  private readonly queue: ShedQueue<QueuedRecord<S>>;
  private readonly priorityOf: (r: Rec) => unknown;
  private readonly shed = new Map<number, number>();
  private shedTotal = 0;

  constructor(
    private readonly priorityExpr: string,
    threshold: number,
    private readonly shedOutput: string | null,
    /** Called for every record leaving the queue, released or dropped. */
    private readonly onLeave: (q: QueuedRecord<S>) => void,
  ) {
    this.queue = new ShedQueue(threshold);
    this.priorityOf = compileExpressionOrThrow(priorityExpr);
  }

  get length(): number {
    return this.queue.length;
  }

  /**
   * Queues a record. A record whose priority cannot be computed is a dead letter (the
   * reason names the expression), not a guess at a priority. Returns whether it was queued.
   */
  admit(q: QueuedRecord<S>, origin: string, target: ShedTarget): boolean {
    let p: unknown;
    try {
      p = this.priorityOf(q.rec);
    } catch (e) {
      target.deadLetter({ origin, reason: `overload.priority ${JSON.stringify(this.priorityExpr)} failed: ${e instanceof Error ? e.message : String(e)}`, raw: q.rec });
      return false;
    }
    if (typeof p !== 'number' || !Number.isInteger(p)) {
      target.deadLetter({ origin, reason: `overload.priority ${JSON.stringify(this.priorityExpr)} gave ${JSON.stringify(p)}, not an integer`, raw: q.rec });
      return false;
    }
    for (const d of this.queue.push(q, p)) {
      this.shed.set(d.priority, (this.shed.get(d.priority) ?? 0) + 1);
      this.shedTotal++;
      if (this.shedOutput !== null) target.side(this.shedOutput, d.item.rec, d.item.ts);
      this.onLeave(d.item);
    }
    return true;
  }

  /** Up to `max` of the oldest queued records, in arrival order. */
  release(max: number): QueuedRecord<S>[] {
    const out: QueuedRecord<S>[] = [];
    while (out.length < max) {
      const q = this.queue.shift();
      if (q === undefined) break;
      this.onLeave(q);
      out.push(q);
    }
    return out;
  }

  metrics(): OverloadMetrics {
    const shedByPriority: Record<string, number> = {};
    for (const p of [...this.shed.keys()].sort((a, b) => a - b)) shedByPriority[String(p)] = this.shed.get(p)!;
    return { queued: this.queue.length, shedTotal: this.shedTotal, shedByPriority };
  }
}
