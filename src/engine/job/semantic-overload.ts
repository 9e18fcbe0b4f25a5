/**
 * Semantic checks of the execution mode and the overload strategy: both shape how the
 * source side feeds a stream job, so they only mean something in stream mode.
 */
import { compileExpression } from '../expr/index.js';
import { formatDuration } from './duration.js';
import { suggestion } from './errors.js';
import type { JobSpec, SpecError } from './spec.js';

export function checkExecution(errors: SpecError[], spec: JobSpec): void {
  const e = spec.execution;
  if (e.mode !== 'micro-batch') return;
  if (spec.mode === 'batch') {
    errors.push({ path: 'execution.mode', message: 'micro-batch execution is a stream-mode setting; mode: batch already processes the whole input as one batch' });
  }
  if (e.trigger <= 0) errors.push({ path: 'execution.trigger', message: `must be positive, got ${formatDuration(e.trigger)}` });
}

export function checkOverload(errors: SpecError[], spec: JobSpec): void {
  const o = spec.overload;
  if (o.strategy !== 'shed') return;
  if (spec.mode === 'batch') {
    errors.push({ path: 'overload.strategy', message: 'load shedding is a stream-mode setting: a batch job reads at its own pace and never drops input' });
  }
  if (spec.execution.mode === 'micro-batch') {
    errors.push({
      path: 'overload.strategy',
      message: 'shed is not supported with execution.mode: micro-batch (a micro-batch holds its input until the trigger fires); use backpressure, or continuous execution',
    });
  }
  if (spec.source.watermarks.strategy === 'from-input') {
    errors.push({
      path: 'overload.strategy',
      message: 'shed cannot be combined with source.watermarks.strategy: from-input: watermark lines in the input would wait in the input queue and could be dropped like records',
    });
  }
  const r = compileExpression(o.priority);
  if (!r.ok) errors.push({ path: 'overload.priority', message: `invalid expression ${JSON.stringify(o.priority)}: ${r.error}` });
  if (o.shedOutput !== null && !Object.hasOwn(spec.sideOutputs, o.shedOutput)) {
    const declared = Object.keys(spec.sideOutputs);
    errors.push({
      path: 'overload.shedOutput',
      message: `unknown side output "${o.shedOutput}" (declare it under sideOutputs${declared.length ? `: declared are ${declared.join(', ')}` : ''}${suggestion(o.shedOutput, declared)})`,
    });
  }
  if (o.shedOutput === null && spec.guarantee === 'exactly-once') {
    // With a shed output committed on the same checkpoints as the sink, every input record
    // lands exactly once in either the sink or the shed output; without one, an
    // exactly-once job would lose records with nothing to show for them but a counter.
    errors.push({
      path: 'overload.shedOutput',
      message: 'guarantee exactly-once with strategy shed needs shedOutput: a side output that receives every dropped record (or set guarantee: at-least-once to only count them)',
    });
  }
}
