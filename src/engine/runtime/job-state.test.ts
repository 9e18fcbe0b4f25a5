import { describe, expect, it } from 'vitest';
import { IllegalJobTransition, JobLifecycle } from './job-state.js';
import { RestartStrategy } from './restart-strategy.js';

describe('job lifecycle', () => {
  it('allows the failover loop and ends in a terminal state', () => {
    const l = new JobLifecycle();
    const seen: string[] = [];
    l.onChange((from, to) => seen.push(`${from}→${to}`));
    for (const s of ['RUNNING', 'FAILING', 'RESTARTING', 'RUNNING', 'FINISHED'] as const) l.to(s);
    expect(seen).toEqual(['CREATED→RUNNING', 'RUNNING→FAILING', 'FAILING→RESTARTING', 'RESTARTING→RUNNING', 'RUNNING→FINISHED']);
    expect(() => l.to('RUNNING')).toThrow(IllegalJobTransition);
  });
  it('names the state and the operation when refusing', () => {
    const l = new JobLifecycle();
    expect(() => l.require('kill a worker', 'RUNNING')).toThrow('cannot kill a worker while the job is CREATED (needs RUNNING)');
    expect(() => l.to('FINISHED')).toThrow('job state: cannot go from CREATED to FINISHED');
  });
});

describe('restart strategies', () => {
  it('none never restarts', () => {
    expect(new RestartStrategy({ strategy: 'none' }).onFailure(0)).toBeNull();
  });
  it('fixed-delay restarts `attempts` times with the delay', () => {
    const r = new RestartStrategy({ strategy: 'fixed-delay', attempts: 2, delay: 100 });
    expect([r.onFailure(0), r.onFailure(1), r.onFailure(2)]).toEqual([100, 100, null]);
  });
  it('failure-rate gives up on more than maxFailures within the interval, and forgets old failures', () => {
    const r = new RestartStrategy({ strategy: 'failure-rate', maxFailures: 2, interval: 1000, delay: 5 });
    expect(r.onFailure(0)).toBe(5);
    expect(r.onFailure(100)).toBe(5);
    expect(r.onFailure(2000)).toBe(5); // the first two are older than the interval
    expect(r.onFailure(2100)).toBe(5);
    expect(r.onFailure(2200)).toBeNull();
  });
});
