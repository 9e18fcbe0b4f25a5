/**
 * TEST-ONLY sinks. Never use these in a real job.
 *
 * They exist so the drill verifier can be proven to catch broken sinks: a drill run
 * against one of them must FAIL.
 */
import path from 'node:path';
import type { SinkSpec } from '../job/spec.js';
import type { DeliveryGuarantee, Sink, SinkCommitter, SinkWriter } from './sink.js';
import { DirectSqliteWriter } from './sqlite-sink.js';
import { SqliteTableWriter } from './sqlite-table.js';
import { openSqlite } from './sqlite-util.js';

export interface SkipTwoPhaseCommitSqliteSinkOptions {
  path: string;
  table: string;
}

/**
 * TEST-ONLY. A deliberately broken sink: it *claims* exactly-once but skips the two-phase
 * commit — every write goes straight into the table (plain INSERT, no staging, no key), and
 * its committer does nothing. After a failure the source replays from the last checkpoint
 * and the replayed records are inserted again: duplicates, which an exactly-once drill
 * verifier must report.
 */
export class SkipTwoPhaseCommitSqliteSink implements Sink {
  /** The lie this sink exists to tell. */
  readonly guarantee: DeliveryGuarantee = 'exactly-once';

  constructor(private readonly opts: SkipTwoPhaseCommitSqliteSinkOptions) {}

  openWriter(subtask: number, parallelism: number): SinkWriter {
    void subtask;
    void parallelism;
    const db = openSqlite(path.resolve(this.opts.path), { synchronous: 'full' });
    return new DirectSqliteWriter(db, new SqliteTableWriter(db, { table: this.opts.table, mode: 'insert', key: null }));
  }

  openCommitter(): SinkCommitter {
    return { commit() {}, recover() {}, close() {} };
  }
}

/**
 * TEST-ONLY. The broken sink `kind` standing in for the job's main sink `spec` (only a
 * SQLite sink can be replaced). Selected through `JobManagerOptions.testOnlySink`, never
 * through a job spec.
 */
export function createTestOnlySink(kind: 'skip-two-phase-commit', spec: SinkSpec, specDir: string): Sink {
  if (spec.type !== 'sqlite') throw new Error(`test-only sink "${kind}" replaces a sqlite sink, not a ${spec.type} sink`);
  return new SkipTwoPhaseCommitSqliteSink({ path: path.resolve(specDir, spec.path), table: spec.table });
}
