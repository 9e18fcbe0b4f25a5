/**
 * From a job spec to the physical plan: stages separated by keyBy exchanges.
 *
 * A stage is a chain of operators that runs in every worker. Records cross from one
 * stage to the next over an exchange that routes each record to the worker owning its
 * key group. Stateless steps written between a keyBy and the keyed step it feeds run
 * before the exchange (filtering before a shuffle is cheaper) and the key is computed on
 * the records as they leave them: "keyBy applies to the records that reach the next
 * keyed step".
 *
 * Operator ids (`op<step>-<kind>`) name state in checkpoints, so they are stable as long
 * as the pipeline's steps are.
 */
import type { JobSpec, Step } from '../job/spec.js';
import type { Operator } from '../operators/operator.js';
import { FilterOperator, FlatMapOperator, KeyByOperator, MapOperator } from '../operators/stateless.js';
import { WindowOperator } from '../operators/window/window-operator.js';
import { GlobalAggregateOperator } from '../operators/window/global-aggregate.js';
import { ProcessOperator } from '../operators/process/process-operator.js';

export interface StagePlan {
  readonly index: number;
  /** Creates fresh operator instances (one set per subtask). */
  createOperators(): Promise<Operator[]>;
  /** The keyBy whose exchange follows this stage, or null for the last stage (→ sink). */
  createKeyBy(): KeyByOperator | null;
  /** Human-readable operator names, for the job graph. */
  readonly operatorNames: readonly string[];
}

export interface JobPlan {
  readonly spec: JobSpec;
  readonly stages: readonly StagePlan[];
}

type OpFactory = { name: string; create: () => Operator | Promise<Operator> };

function stepName(step: Step): string {
  switch (step.kind) {
    case 'filter':
      return `filter(${step.expr})`;
    case 'map':
      return 'expr' in step ? `map(${step.expr})` : `map{${Object.keys(step.fields).join(',')}}`;
    case 'flatMap':
      return `flatMap(${step.expr})`;
    case 'keyBy':
      return 'field' in step ? `keyBy(${step.field})` : `keyBy(${step.expr})`;
    case 'window':
      return `window(${step.window.type})`;
    case 'aggregate':
      return `aggregate`;
    case 'process':
      return `process(${step.module.split('/').pop()})`;
  }
}

export function planJob(spec: JobSpec): JobPlan {
  interface Building {
    ops: OpFactory[];
    keyBy: Extract<Step, { kind: 'keyBy' }> | null;
    keyById: string;
  }
  const stages: Building[] = [{ ops: [], keyBy: null, keyById: '' }];
  let current = stages[0]!;
  /** A keyBy seen whose keyed step has not come yet. */
  let pendingKeyBy: { step: Extract<Step, { kind: 'keyBy' }>; id: string } | null = null;
  const steps = spec.pipeline;

  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const id = `op${i}-${step.kind}`;
    const keyedStep = (create: () => Operator | Promise<Operator>, name: string): void => {
      // The keyed step starts a new stage behind the pending keyBy's exchange.
      if (pendingKeyBy !== null) {
        current.keyBy = pendingKeyBy.step;
        current.keyById = pendingKeyBy.id;
        pendingKeyBy = null;
        current = { ops: [], keyBy: null, keyById: '' };
        stages.push(current);
      }
      current.ops.push({ name, create });
    };
    switch (step.kind) {
      case 'filter':
        current.ops.push({ name: stepName(step), create: () => new FilterOperator(id, step.expr) });
        break;
      case 'map':
        current.ops.push({ name: stepName(step), create: () => new MapOperator(id, step) });
        break;
      case 'flatMap':
        current.ops.push({ name: stepName(step), create: () => new FlatMapOperator(id, step.expr, step.as) });
        break;
      case 'keyBy':
        pendingKeyBy = { step, id };
        break;
      case 'window': {
        const next = steps[i + 1];
        if (next === undefined || next.kind !== 'aggregate') throw new Error(`pipeline[${i}]: a window must be followed by an aggregate`);
        const wid = `op${i}-window`;
        keyedStep(() => new WindowOperator(wid, step.window, next.aggregate), `${stepName(step)}.aggregate`);
        i++;
        break;
      }
      case 'aggregate':
        keyedStep(() => new GlobalAggregateOperator(id, step.aggregate), 'aggregate(all)');
        break;
      case 'process':
        keyedStep(() => ProcessOperator.load(id, step.module, step.exportName), stepName(step));
        break;
    }
  }
  if (pendingKeyBy !== null) {
    // A keyBy with no keyed step after it still partitions (e.g. to group a sink's output).
    current.keyBy = pendingKeyBy.step;
    current.keyById = pendingKeyBy.id;
    stages.push({ ops: [], keyBy: null, keyById: '' });
  }

  return {
    spec,
    stages: stages.map((b, index) => ({
      index,
      operatorNames: [...b.ops.map((o) => o.name), ...(b.keyBy ? [stepName(b.keyBy)] : [])],
      createOperators: async () => Promise.all(b.ops.map((o) => o.create())),
      createKeyBy: () => (b.keyBy === null ? null : new KeyByOperator(b.keyById, b.keyBy)),
    })),
  };
}
