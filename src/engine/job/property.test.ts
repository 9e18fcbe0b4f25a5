import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { specToDocument } from './document.js';
import { formatDuration } from './duration.js';
import { formatSpecErrors } from './errors.js';
import { parseJobSpecText, validateJobSpecObject } from './load.js';
import type { ParseResult } from './spec.js';

const DIR = '/prop/specs';

/** A duration of exactly `ms`, spelled as a number or as a string with a unit. */
const spelled = (ms: number) => fc.constantFrom<number | string>(ms, formatDuration(ms), `${ms}ms`);
const dur = (min: number, max: number) => fc.integer({ min, max }).chain(spelled);

const exprs = fc.constantFrom('value > 0', 'key.startsWith("k")', 'value * 2 > 10', 'size(key) > 1 && value != 3');
const fieldName = fc.constantFrom('key', 'value', 'v2', 'total');

const statelessStep = fc.oneof(
  exprs.map((e) => ({ filter: e })),
  fc.dictionary(fieldName, fc.constantFrom('value * 2', 'key', 'key + "-x"', 'record.value'), { minKeys: 1, maxKeys: 3 }).map((m) => ({ map: m })),
  fc.constantFrom({ map: 'record' }, { flatMap: '[record]' }, { flatMap: { expr: '[1, 2]', as: 'n' } }),
);

const windowDoc = fc.oneof(
  fc.integer({ min: 1, max: 3_600_000 }).chain((size) =>
    fc.record({
      type: fc.constant('tumbling' as const),
      size: spelled(size),
      offset: dur(-(size - 1), size - 1),
    }),
  ),
  fc.tuple(fc.integer({ min: 1, max: 3_600_000 }), fc.integer({ min: 1, max: 600_000 })).chain(([size, slide]) =>
    fc.record({ type: fc.constant('sliding' as const), size: spelled(size), slide: spelled(slide), offset: dur(-(slide - 1), slide - 1) }),
  ),
  fc.record({ type: fc.constant('session' as const), gap: dur(1, 86_400_000) }),
);

const aggregate = fc.oneof(
  fc.constantFrom({ count: true }, { sum: 'value' }, { min: 'value' }, { max: 'v' }, { avg: 'value' }),
  fc.constant({ total: { sum: 'value' }, n: { count: true } }),
);

const windowCommon = fc.record(
  { allowedLateness: dur(0, 60_000), purgeOnFire: fc.boolean(), lateOutput: fc.constant('late') },
  { requiredKeys: [] },
);

const keyedTail = fc.oneof(
  fc.constant([] as Record<string, unknown>[]),
  fc.tuple(windowDoc, windowCommon, aggregate).map(([w, c, a]) => [{ window: { ...w, ...c } }, { aggregate: a }]),
  aggregate.map((a) => [{ aggregate: a }]),
  fc.constant([{ process: { module: './p.ts', export: 'run' } }]),
);

const pipeline = fc
  .tuple(
    fc.array(statelessStep, { maxLength: 3 }),
    fc.option(fc.tuple(fc.constantFrom<unknown>('key', 'user.id', { expr: 'key + "x"' }), keyedTail), { nil: undefined }),
  )
  .map(([pre, keyed]) => (keyed ? [...pre, { keyBy: keyed[0] }, ...keyed[1]] : pre));

const source = fc.oneof(
  fc.record({
    type: fc.constant('file'),
    path: fc.constantFrom('in.jsonl', 'data/in.csv', '/abs/in.txt'),
    timestampField: fc.constant('ts'),
    watermarks: fc.record({ strategy: fc.constantFrom('bounded', 'from-input', 'monotonous', 'none'), maxOutOfOrderness: dur(0, 10_000) }),
  }),
  fc.record(
    { type: fc.constant('generator'), seed: fc.integer(), count: fc.nat(), keys: fc.integer({ min: 1, max: 1e6 }), eventsPerSecond: fc.integer({ min: 1, max: 1e6 }) },
    { requiredKeys: ['type', 'count'] },
  ),
  fc.record({ type: fc.constant('log'), path: fc.constant('logs'), topic: fc.constant('t'), bounded: fc.constant(true), timestampField: fc.constant('ts') }),
  fc.record({ type: fc.constant('kafka'), brokers: fc.constant(['127.0.0.1:9092']), topics: fc.constant(['a', 'b']), groupId: fc.constant('g'), bounded: fc.constant(true) }),
);

const sink = fc.oneof(
  fc.record({ type: fc.constant('file'), path: fc.constantFrom('out.jsonl', 'out.csv') }),
  fc.record({ type: fc.constant('sqlite'), path: fc.constant('out.db'), table: fc.constant('r'), mode: fc.constantFrom('transactional', 'insert') }),
  fc.record({ type: fc.constant('log'), path: fc.constant('out'), topic: fc.constant('o'), partitions: fc.integer({ min: 1, max: 8 }) }),
);

const validDoc = fc
  .record(
    {
      name: fc.constantFrom('a', 'clicks-per-user', 'job 1'),
      mode: fc.constantFrom('stream', 'batch'),
      parallelism: fc.integer({ min: 1, max: 8 }),
      guarantee: fc.constantFrom('exactly-once', 'at-least-once'),
      source,
      pipeline,
      sink,
      checkpoint: fc.record({ interval: dur(1, 60_000), retain: fc.integer({ min: 1, max: 10 }), incremental: fc.boolean() }, { requiredKeys: [] }),
      restart: fc.oneof(
        fc.constant({ strategy: 'none' }),
        fc.record({ strategy: fc.constant('fixed-delay'), attempts: fc.nat(100), delay: dur(0, 10_000) }),
        fc.record({ strategy: fc.constant('failure-rate'), maxFailures: fc.integer({ min: 1, max: 9 }), interval: dur(1, 600_000) }),
      ),
      state: fc.record({ backend: fc.constantFrom('memory', 'sqlite'), ttl: fc.option(dur(1, 1e9), { nil: null }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['name', 'source', 'pipeline', 'sink'] },
  )
  // An insert-mode SQLite sink only gives at-least-once (exactly-once with it is refused).
  .map((d) => ({
    ...d,
    ...((d.sink as { mode?: string }).mode === 'insert' ? { guarantee: 'at-least-once' } : {}),
    sideOutputs: { late: { type: 'file', path: 'late.jsonl' } },
  }));

/** validateJobSpecObject turns a crash into an "internal error" result; that is still a bug here. */
function expectNoInternalError(r: ParseResult): void {
  if (!r.ok) for (const e of r.errors) expect(e.message).not.toMatch(/^internal error/);
}

describe('never throws', () => {
  it('validateJobSpecObject on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expectNoInternalError(validateJobSpecObject(v, DIR));
      }),
      { numRuns: 500 },
    );
  });

  it('validateJobSpecObject on specs with arbitrary values under the known keys', () => {
    const keys = ['name', 'mode', 'parallelism', 'maxParallelism', 'source', 'pipeline', 'sink', 'sideOutputs', 'checkpoint', 'restart', 'state', 'batch'];
    const doc = fc.record(Object.fromEntries(keys.map((k) => [k, fc.jsonValue()])), { requiredKeys: [] });
    const mutated = fc.tuple(validDoc, doc).map(([valid, noise]) => ({ ...valid, ...noise }));
    fc.assert(
      fc.property(fc.oneof(doc, mutated), (v) => {
        expectNoInternalError(validateJobSpecObject(v, DIR));
      }),
      { numRuns: 300 },
    );
  });

  it('parseJobSpecText on arbitrary text and overrides', () => {
    const yamlish = fc.string({ unit: fc.constantFrom('a', ':', ' ', '\n', '-', '{', '}', '[', ']', '"', '&', '*', '!', '#', '1', 's', 'name', 'source', 'type') });
    fc.assert(
      fc.property(fc.oneof(fc.string(), yamlish), fc.array(fc.string(), { maxLength: 3 }), fc.constantFrom('yaml' as const, 'json' as const), (text, overrides, format) => {
        expectNoInternalError(parseJobSpecText(text, { specDir: DIR, overrides, format }));
      }),
      { numRuns: 500 },
    );
  });
});

describe('valid specs', () => {
  it('are accepted, and survive spec → document → spec and YAML text', () => {
    fc.assert(
      fc.property(validDoc, (doc) => {
        const r = validateJobSpecObject(doc, DIR);
        if (!r.ok) throw new Error(`${formatSpecErrors(r.errors)}\n${JSON.stringify(doc)}`);
        const again = validateJobSpecObject(specToDocument(r.spec), r.spec.specDir);
        expect(again).toEqual(r);
        const fromText = parseJobSpecText(stringify(doc), { specDir: DIR });
        expect(fromText).toEqual(r);
        const fromJson = parseJobSpecText(JSON.stringify(doc), { specDir: DIR, format: 'json' });
        expect(fromJson).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });
});
