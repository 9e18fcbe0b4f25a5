/**
 * The Kafka sink's transaction ledger: one SQLite file per job run, shared by the workers
 * (which open and pre-commit transactions) and the host committer (which commits or fences
 * them). It is what makes a Kafka transaction outlive the worker that began it: a worker
 * records a transaction's producer id and epoch before the checkpoint that covers it can
 * complete, so after a crash the host can still finish it with EndTxn, or fence it.
 *
 * A row's life: `opening` (id chosen, nothing sent yet) → `open` (producer id known, records
 * may be sent) → `precommitted` (flushed, belongs to checkpoint n) → `committed`; or →
 * `aborted` when recovery fences it. Several processes write the file: WAL and a busy
 * timeout (sqlite-util) make each statement wait for the others instead of failing.
 */
import { openSqlite, type SqliteDatabase } from '../sqlite-util.js';

export type LedgerState = 'opening' | 'open' | 'precommitted' | 'committed' | 'aborted';

export interface LedgerTransaction {
  readonly seq: number;
  /** Which sink (transactional id prefix + topic): a job may have several Kafka sinks. */
  readonly sink: string;
  readonly subtask: number;
  readonly transactionalId: string;
  readonly producerId: string | null;
  readonly producerEpoch: number | null;
  readonly state: LedgerState;
  /** The checkpoint whose barrier pre-committed it; null while open. */
  readonly checkpoint: number | null;
  readonly records: number;
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE kafka_transactions (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     sink TEXT NOT NULL,
     subtask INTEGER NOT NULL,
     transactional_id TEXT NOT NULL,
     producer_id TEXT,
     producer_epoch INTEGER,
     state TEXT NOT NULL CHECK (state IN ('opening', 'open', 'precommitted', 'committed', 'aborted')),
     checkpoint INTEGER,
     records INTEGER NOT NULL DEFAULT 0,
     updated_at INTEGER NOT NULL
   ) STRICT`,
  `CREATE INDEX kafka_transactions_pending ON kafka_transactions (sink, state)`,
];

interface Row {
  seq: number;
  sink: string;
  subtask: number;
  transactional_id: string;
  producer_id: string | null;
  producer_epoch: number | null;
  state: LedgerState;
  checkpoint: number | null;
  records: number;
}

const toTransaction = (r: Row): LedgerTransaction => ({
  seq: r.seq,
  sink: r.sink,
  subtask: r.subtask,
  transactionalId: r.transactional_id,
  producerId: r.producer_id,
  producerEpoch: r.producer_epoch,
  state: r.state,
  checkpoint: r.checkpoint,
  records: r.records,
});

/** Committed and aborted rows kept for inspection; older ones are pruned. */
const KEEP_FINISHED = 1000;

export class TransactionLedger {
  private readonly db: SqliteDatabase;

  private constructor(readonly file: string) {
    this.db = openSqlite(file, { synchronous: 'full' });
    migrate(this.db);
  }

  static open(file: string): TransactionLedger {
    return new TransactionLedger(file);
  }

  /**
   * Reserves the next transaction of `subtask`: the transactional id embeds the ledger's
   * sequence number, so no id is ever reused and a new transaction never fences one that
   * still waits for its commit.
   */
  reserve(sink: string, subtask: number, idPrefix: string): LedgerTransaction {
    const insert = this.db.transaction(() => {
      const { seq } = this.db.prepare(`INSERT INTO kafka_transactions (sink, subtask, transactional_id, state, updated_at) VALUES (?, ?, '', 'opening', ?) RETURNING seq`).get(sink, subtask, Date.now()) as { seq: number };
      const id = `${idPrefix}-${subtask}-${seq}`;
      this.db.prepare(`UPDATE kafka_transactions SET transactional_id = ? WHERE seq = ?`).run(id, seq);
      return seq;
    });
    return this.get(insert.immediate());
  }

  opened(seq: number, producerId: string, producerEpoch: number): void {
    this.setState(seq, 'open', `producer_id = ?, producer_epoch = ?`, [producerId, producerEpoch], ['opening']);
  }

  precommitted(seq: number, checkpoint: number, records: number): void {
    this.setState(seq, 'precommitted', `checkpoint = ?, records = ?`, [checkpoint, records], ['open']);
  }

  committed(seq: number): void {
    this.setState(seq, 'committed', '', [], ['precommitted', 'committed']);
  }

  aborted(seq: number): void {
    this.setState(seq, 'aborted', '', [], ['opening', 'open', 'precommitted', 'aborted']);
  }

  get(seq: number): LedgerTransaction {
    const r = this.db.prepare(`SELECT * FROM kafka_transactions WHERE seq = ?`).get(seq) as Row | undefined;
    if (r === undefined) throw new Error(`kafka transaction ledger ${this.file}: no transaction ${seq}`);
    return toTransaction(r);
  }

  /** Pre-committed transactions of checkpoints ≤ `checkpoint`, oldest first. */
  precommittedUpTo(sink: string, checkpoint: number): LedgerTransaction[] {
    const rows = this.db.prepare(`SELECT * FROM kafka_transactions WHERE sink = ? AND state = 'precommitted' AND checkpoint <= ? ORDER BY seq`).all(sink, checkpoint) as Row[];
    return rows.map(toTransaction);
  }

  /** Transactions not committed or aborted, oldest first. */
  unfinished(sink: string): LedgerTransaction[] {
    const rows = this.db.prepare(`SELECT * FROM kafka_transactions WHERE sink = ? AND state IN ('opening', 'open', 'precommitted') ORDER BY seq`).all(sink) as Row[];
    return rows.map(toTransaction);
  }

  all(sink: string): LedgerTransaction[] {
    return (this.db.prepare(`SELECT * FROM kafka_transactions WHERE sink = ? ORDER BY seq`).all(sink) as Row[]).map(toTransaction);
  }

  prune(sink: string): void {
    this.db
      .prepare(
        `DELETE FROM kafka_transactions WHERE sink = ? AND state IN ('committed', 'aborted') AND seq < (
           SELECT COALESCE(MIN(seq), 0) FROM (SELECT seq FROM kafka_transactions WHERE sink = ? AND state IN ('committed', 'aborted') ORDER BY seq DESC LIMIT ?))`,
      )
      .run(sink, sink, KEEP_FINISHED);
  }

  close(): void {
    this.db.close();
  }

  private setState(seq: number, to: LedgerState, set: string, args: unknown[], from: readonly LedgerState[]): void {
    const tx = this.db.transaction(() => {
      const current = this.get(seq);
      if (!from.includes(current.state)) {
        throw new Error(`kafka transaction ${current.transactionalId} is ${current.state}: cannot mark it ${to} (allowed from ${from.join(', ')})`);
      }
      this.db.prepare(`UPDATE kafka_transactions SET state = ?, ${set === '' ? '' : `${set}, `}updated_at = ? WHERE seq = ?`).run(to, ...args, Date.now(), seq);
    });
    tx.immediate();
  }
}

function migrate(db: SqliteDatabase): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new Error(`kafka transaction ledger has schema version ${version}, newer than this Sluice (${MIGRATIONS.length})`);
  if (version === MIGRATIONS.length) return;
  db.transaction(() => {
    const v = db.pragma('user_version', { simple: true }) as number;
    for (let i = v; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
