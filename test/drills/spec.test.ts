/** Drill spec validation (`path: message`), the replayable fault schedule, the verifier's counting rules. */
import { describe, expect, it } from 'vitest';
import { compareResults, guaranteeHolds, planFaults, validateDrillObject } from '../../src/engine/drills/index.js';

const base = {
  name: 'd',
  job: 'job.yaml',
  workload: { type: 'generator', rate: 1000 },
  duration: '5s',
};

describe('drill spec', () => {
  it('accepts a minimal drill and fills in defaults', () => {
    const r = validateDrillObject(base, '/tmp');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.workload.count).toBe(5000);
    expect(r.spec.durationMs).toBe(5000);
    expect(r.spec.seed).toBe(1);
  });

  it('reports problems as path: message', () => {
    const r = validateDrillObject({ ...base, duration: '5 s', faults: [{ type: 'kill-wroker', at: '1s' }, { type: 'slow-sink', at: '9s', for: '1s', delayPerRecord: '1ms' }] }, '/tmp');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => e.path);
    expect(paths).toContain('duration');
    expect(paths).toContain('faults[0].type');
    expect(r.errors.find((e) => e.path === 'faults[0].type')?.message).toContain('did you mean "kill-worker"');
  });

  it('checks fault times against the duration and guards for exactly one threshold', () => {
    const r = validateDrillObject({ ...base, faults: [{ type: 'kill-worker', at: '9s' }], steadyState: { checks: [{ metric: 'lag' }] } }, '/tmp');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path).sort()).toEqual(['faults[0].at', 'steadyState.checks[0]']);
  });

  it('a Kafka workload defaults to the local broker; broker-restart needs a managed broker', () => {
    const r = validateDrillObject({ ...base, workload: { type: 'kafka', rate: 10 } }, '/tmp');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.spec.workload).toMatchObject({ type: 'kafka', brokers: ['127.0.0.1:9092'], partitions: 4, count: 50 });
    const restart = { type: 'broker-restart', at: '1s', downFor: '3s' };
    const shared = validateDrillObject({ ...base, workload: { type: 'kafka', rate: 10 }, faults: [restart] }, '/tmp');
    expect(shared.ok).toBe(false);
    if (!shared.ok) expect(shared.errors[0]).toMatchObject({ path: 'faults[0]', message: expect.stringContaining('brokers: managed') });
    const managed = validateDrillObject({ ...base, workload: { type: 'kafka', rate: 10, brokers: 'managed' }, faults: [restart] }, '/tmp');
    expect(managed.ok).toBe(true);
    if (managed.ok) expect(managed.spec.faults).toEqual([{ type: 'broker-restart', atMs: 1000, downForMs: 3000 }]);
    const gen = validateDrillObject({ ...base, workload: { type: 'generator', rate: 10, partitions: 2 } }, '/tmp');
    expect(gen.ok).toBe(false);
    if (!gen.ok) expect(gen.errors[0]).toMatchObject({ path: 'workload.partitions' });
  });

  it('draws the same random schedule for the same seed, another for another seed', () => {
    const doc = { ...base, random: { count: 5, types: ['kill-worker', 'stall-source', 'kill-burst'], from: '1s', to: '4s' } };
    const plan = (seed: number): unknown => {
      const r = validateDrillObject(doc, '/tmp', seed);
      if (!r.ok) throw new Error('invalid');
      return planFaults(r.spec, 3);
    };
    expect(plan(7)).toEqual(plan(7));
    expect(plan(7)).not.toEqual(plan(8));
  });
});

describe('verifier counting', () => {
  const w = (key: string, start: number, value: number): Record<string, unknown> => ({ key, windowStart: start, windowEnd: start + 10, value });
  it('counts lost, duplicated and mismatched results per key and window', () => {
    const expected = [w('a', 0, 1), w('a', 10, 2), w('b', 0, 3), w('c', 0, 4)];
    const produced = [w('a', 0, 1), w('a', 0, 1), w('b', 0, 9), w('c', 0, 4), w('z', 0, 1)];
    const r = compareResults(expected, produced);
    expect(r.records).toEqual({ expected: 4, produced: 5, lost: 1, duplicated: 1, mismatched: 2 });
    expect(r.examples.lost.map((e) => e.id)).toEqual(['a|10|20']);
    expect(r.examples.duplicated.map((e) => e.id)).toEqual(['a|0|10']);
    expect(r.examples.mismatched.map((e) => e.id).sort()).toEqual(['b|0|10', 'z|0|10']);
  });

  it('keeps at most 20 examples of each', () => {
    const expected = Array.from({ length: 50 }, (_, i) => w('k', i * 10, 1));
    expect(compareResults(expected, []).examples.lost).toHaveLength(20);
  });

  it('PASS rules: exactly-once allows nothing; at-least-once allows duplicates', () => {
    const dup = { expected: 3, produced: 4, lost: 0, duplicated: 1, mismatched: 0 };
    expect(guaranteeHolds('exactly-once', dup).ok).toBe(false);
    expect(guaranteeHolds('at-least-once', dup).ok).toBe(true);
    expect(guaranteeHolds('at-least-once', { ...dup, lost: 1 }).ok).toBe(false);
  });
});
