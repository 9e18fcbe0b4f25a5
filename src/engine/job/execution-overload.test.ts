import { describe, expect, it } from 'vitest';
import { formatSpecErrors } from './errors.js';
import { validateJobSpecObject } from './load.js';
import type { JobSpec, ParseResult } from './spec.js';

const DIR = '/specs/here';
const ok = (r: ParseResult): JobSpec => {
  if (!r.ok) throw new Error(formatSpecErrors(r.errors));
  return r.spec;
};
const errs = (r: ParseResult): string[] => {
  if (r.ok) throw new Error('expected the spec to be rejected');
  return formatSpecErrors(r.errors).split('\n');
};
const job = (extra: Record<string, unknown> = {}) => ({
  name: 'j',
  source: { type: 'generator', count: 10 },
  sink: { type: 'file', path: 'out.jsonl' },
  sideOutputs: { shed: { type: 'file', path: 'shed.jsonl' } },
  ...extra,
});
const shed = (o: Record<string, unknown> = {}) => ({ strategy: 'shed', priority: 'int(value) % 3', queueThreshold: 100, shedOutput: 'shed', ...o });

describe('execution', () => {
  it('defaults to continuous; micro-batch defaults to a 1 s trigger', () => {
    expect(ok(validateJobSpecObject(job(), DIR)).execution).toEqual({ mode: 'continuous' });
    expect(ok(validateJobSpecObject(job({ execution: { mode: 'micro-batch' } }), DIR)).execution).toEqual({ mode: 'micro-batch', trigger: 1000 });
    expect(ok(validateJobSpecObject(job({ execution: { mode: 'micro-batch', trigger: '250ms' } }), DIR)).execution).toEqual({ mode: 'micro-batch', trigger: 250 });
  });

  it('rejects a bad trigger, an unknown mode and micro-batch in batch mode', () => {
    expect(errs(validateJobSpecObject(job({ execution: { mode: 'micro-batch', trigger: 0 } }), DIR))).toContain('execution.trigger: must be positive, got 0ms');
    expect(errs(validateJobSpecObject(job({ execution: { mode: 'micro-batch', trigger: 'soon' } }), DIR))[0]).toMatch(/^execution\.trigger: /);
    expect(errs(validateJobSpecObject(job({ execution: { mode: 'spark' } }), DIR))[0]).toMatch(/^execution\.mode: /);
    expect(errs(validateJobSpecObject(job({ mode: 'batch', execution: { mode: 'micro-batch' } }), DIR))[0]).toMatch(/^execution\.mode: micro-batch execution is a stream-mode setting/);
  });
});

describe('overload', () => {
  it('defaults to backpressure; shed keeps its settings', () => {
    expect(ok(validateJobSpecObject(job(), DIR)).overload).toEqual({ strategy: 'backpressure' });
    expect(ok(validateJobSpecObject(job({ overload: shed() }), DIR)).overload).toEqual({
      strategy: 'shed',
      priority: 'int(value) % 3',
      queueThreshold: 100,
      shedOutput: 'shed',
    });
    // A shedding spec runs with backpressure by switching only the strategy.
    expect(ok(validateJobSpecObject(job({ overload: shed({ strategy: 'backpressure' }) }), DIR)).overload).toEqual({ strategy: 'backpressure' });
  });

  it('shed needs a priority and a threshold', () => {
    const e = errs(validateJobSpecObject(job({ overload: { strategy: 'shed' } }), DIR));
    expect(e.some((l) => l.startsWith('overload.priority: strategy shed needs priority'))).toBe(true);
    expect(e.some((l) => l.startsWith('overload.queueThreshold: strategy shed needs queueThreshold'))).toBe(true);
    expect(errs(validateJobSpecObject(job({ overload: shed({ queueThreshold: 0 }) }), DIR))[0]).toMatch(/^overload\.queueThreshold: /);
  });

  it('exactly-once with shed needs a shed output; at-least-once may only count', () => {
    expect(errs(validateJobSpecObject(job({ overload: shed({ shedOutput: null }) }), DIR))).toEqual([
      'overload.shedOutput: guarantee exactly-once with strategy shed needs shedOutput: a side output that receives every dropped record (or set guarantee: at-least-once to only count them)',
    ]);
    expect(ok(validateJobSpecObject(job({ guarantee: 'at-least-once', overload: shed({ shedOutput: null }) }), DIR)).overload).toMatchObject({ shedOutput: null });
  });

  it('names an undeclared shed output, a bad priority expression and unsupported combinations', () => {
    expect(errs(validateJobSpecObject(job({ overload: shed({ shedOutput: 'shedd' }) }), DIR))[0]).toMatch(/^overload\.shedOutput: unknown side output "shedd" .*did you mean "shed"/);
    expect(errs(validateJobSpecObject(job({ overload: shed({ priority: 'value +' }) }), DIR))[0]).toMatch(/^overload\.priority: invalid expression "value \+"/);
    expect(errs(validateJobSpecObject(job({ mode: 'batch', overload: shed() }), DIR))[0]).toMatch(/^overload\.strategy: load shedding is a stream-mode setting/);
    expect(errs(validateJobSpecObject(job({ execution: { mode: 'micro-batch' }, overload: shed() }), DIR))[0]).toMatch(/^overload\.strategy: shed is not supported with execution\.mode: micro-batch/);
    const fromInput = job({ source: { type: 'file', path: 'in.jsonl', timestampField: 'ts', watermarks: { strategy: 'from-input' } }, overload: shed() });
    expect(errs(validateJobSpecObject(fromInput, DIR))[0]).toMatch(/^overload\.strategy: shed cannot be combined with source\.watermarks\.strategy: from-input/);
  });
});
