/**
 * read_committed in the client: which records of a fetch a consumer may see, given the
 * aborted transactions the broker listed with it. A producer's records count as aborted
 * from its aborted transaction's first offset until that producer's next control record
 * (the rule of kafkajs's consumer and the Java client); control records are never seen.
 * Both fetch paths (our decoder and kafkajs's) use this one rule.
 */
export class AbortedTransactionFilter<P extends string | number> {
  private readonly aborted: { producerId: P; firstOffset: number }[];
  private nextAborted = 0;
  private readonly open = new Set<P>();

  constructor(aborted: readonly { producerId: P; firstOffset: number }[]) {
    this.aborted = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** No aborted transactions in this fetch: every data record is visible. */
  get none(): boolean {
    return this.aborted.length === 0;
  }

  /** Whether the record at `offset` is visible. Call in offset order, control records included. */
  visible(offset: number, producerId: P, control: boolean, transactional: boolean): boolean {
    const aborted = this.aborted;
    while (this.nextAborted < aborted.length && offset >= aborted[this.nextAborted]!.firstOffset) this.open.add(aborted[this.nextAborted++]!.producerId);
    if (control) {
      this.open.delete(producerId);
      return false;
    }
    return !(transactional && this.open.has(producerId));
  }
}
