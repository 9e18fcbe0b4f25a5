import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointId, type Rec, type RecordBatch } from '../../core/types.js';
import { connectorModule, makeTempDir, removeDir, runInChild } from '../test-util.js';
import { LogSink, partitionForKey, type LogSinkOptions } from './log-sink.js';
import { PartitionedLog } from './partitioned-log.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir('log-sink');
});
afterEach(() => {
  removeDir(dir);
});

const batch = (records: Rec[]): RecordBatch => ({ records, timestamps: records.map((r) => (r['ts'] as number | undefined) ?? NaN) });
const recs = (tag: string, n: number): Rec[] => Array.from({ length: n }, (_, i) => ({ k: `${tag}-${i % 3}`, tag, i, ts: 1000 + i }));

/** Everything in the topic, partition by partition. */
function contents(topic: string): Rec[][] {
  const log = PartitionedLog.open(dir);
  try {
    return log.describe(topic).partitions.map((p) => log.read(topic, p.partition, p.earliestOffset, 1_000_000).map((e) => e.record));
  } finally {
    log.close();
  }
}

function byPartition(records: Rec[], partitions: number): Rec[][] {
  const out: Rec[][] = Array.from({ length: partitions }, () => []);
  for (const r of records) out[partitionForKey(r['k'], partitions)]!.push(r);
  return out;
}

const opts = (guarantee: LogSinkOptions['guarantee']): LogSinkOptions => ({ path: dir, topic: 'out', partitions: 3, keyField: 'k', guarantee });

describe('LogSink exactly-once', () => {
  it('stages per (checkpoint, subtask), commits ≤ n in order, idempotently; recover commits ≤ n and discards the rest', async () => {
    const sink = new LogSink(opts('exactly-once'));
    expect(sink.guarantee).toBe('exactly-once');
    const w0 = sink.openWriter(0, 2);
    const w1 = sink.openWriter(1, 2);
    const a1 = recs('a1', 5);
    const b1 = recs('b1', 4);
    const a2 = recs('a2', 3);
    const b2 = recs('b2', 2);
    await w1.write(batch(b1));
    await w0.write(batch(a1));
    await w0.preCommit(checkpointId(1));
    await w1.preCommit(checkpointId(1));
    await w0.write(batch(a2));
    await w1.write(batch(b2));
    await w0.preCommit(checkpointId(2));
    await w1.preCommit(checkpointId(2));
    await w0.write(batch(recs('a3', 4))); // never pre-committed: lost with the crash, replayed by the source
    await w0.preCommit(checkpointId(3)); // checkpoint 3 never completes
    expect(contents('out')).toEqual([[], [], []]); // nothing visible before a commit

    const c = await sink.openCommitter();
    await c.commit(checkpointId(1));
    expect(contents('out')).toEqual(byPartition([...a1, ...b1], 3));
    await c.commit(checkpointId(1)); // idempotent
    expect(contents('out')).toEqual(byPartition([...a1, ...b1], 3));
    await w0.close();
    await w1.close();
    await c.close();

    // Crash: a new committer recovers from checkpoint 2.
    const c2 = await new LogSink(opts('exactly-once')).openCommitter();
    await c2.recover(checkpointId(2));
    await c2.recover(checkpointId(2));
    await c2.commit(checkpointId(3)); // 3 was discarded by recover: nothing more appears
    expect(contents('out')).toEqual(byPartition([...a1, ...b1, ...a2, ...b2], 3));
    await c2.close();
  });

  it('recover(null) discards everything staged; a re-staged checkpoint replaces the earlier staging', async () => {
    const sink = new LogSink(opts('exactly-once'));
    const w = sink.openWriter(0, 1);
    await w.write(batch(recs('x', 3)));
    await w.preCommit(checkpointId(1));
    await w.close();
    const c = await sink.openCommitter();
    await c.recover(null);
    await c.commit(checkpointId(1));
    expect(contents('out')).toEqual([[], [], []]);

    const w2 = sink.openWriter(0, 1);
    await w2.write(batch(recs('y', 3)));
    await w2.preCommit(checkpointId(1));
    await w2.write(batch(recs('z', 2)));
    await w2.preCommit(checkpointId(1)); // same id again (e.g. retried): replaces, never doubles
    await c.commit(checkpointId(1));
    expect(contents('out')).toEqual(byPartition(recs('z', 2), 3));
    await w2.close();
    await c.close();
  });

  it('writers in separate processes stage; the committer in this process commits', async () => {
    const mod = connectorModule('log/log-sink.ts');
    const worker = (subtask: number) => `
      import { LogSink } from ${JSON.stringify(mod)};
      const sink = new LogSink(${JSON.stringify(opts('exactly-once'))});
      const w = sink.openWriter(${subtask}, 2);
      for (let ck = 1; ck <= 3; ck++) {
        for (let b = 0; b < 5; b++) {
          const records = Array.from({ length: 10 }, (_, i) => ({ k: 'key' + i, s: ${subtask}, ck, b, i }));
          w.write({ records, timestamps: records.map(() => NaN) });
        }
        w.preCommit(ck);
      }
      w.close();
    `;
    await Promise.all([runInChild(worker(0)), runInChild(worker(1))]);
    const c = await new LogSink(opts('exactly-once')).openCommitter();
    await c.recover(checkpointId(2));
    const expected: Rec[] = [];
    for (let ck = 1; ck <= 2; ck++)
      for (let s = 0; s <= 1; s++) for (let b = 0; b < 5; b++) for (let i = 0; i < 10; i++) expected.push({ k: 'key' + i, s, ck, b, i });
    expect(contents('out')).toEqual(byPartition(expected, 3));
    await c.close();
  });
});

describe('LogSink at-least-once', () => {
  it('appends directly, partitioned by the key field', async () => {
    const sink = new LogSink(opts('at-least-once'));
    expect(sink.guarantee).toBe('at-least-once');
    const w = sink.openWriter(0, 1);
    const r = recs('d', 7);
    await w.write(batch(r));
    expect(contents('out')).toEqual(byPartition(r, 3));
    await w.preCommit(checkpointId(1));
    const c = await sink.openCommitter();
    await c.recover(null); // nothing to undo
    expect(contents('out')).toEqual(byPartition(r, 3));
    await w.close();
    await c.close();
  });

  it('spreads records round-robin without a key field and keeps their timestamps', async () => {
    const sink = new LogSink({ path: dir, topic: 'rr', partitions: 2, keyField: null, guarantee: 'at-least-once' });
    const w = sink.openWriter(1, 2);
    await w.write({ records: [{ n: 0 }, { n: 1 }, { n: 2 }], timestamps: [5, 6, 7] });
    await w.close();
    const log = PartitionedLog.open(dir);
    expect(log.read('rr', 1, 0, 10).map((e) => [e.record['n'], e.ts])).toEqual([
      [0, 5],
      [2, 7],
    ]);
    expect(log.read('rr', 0, 0, 10).map((e) => [e.record['n'], e.ts])).toEqual([[1, 6]]);
    log.close();
  });
});
