/**
 * The map side's input: every split of a bounded source read in order and cut into
 * chunks, with event time taken exactly as the stream runtime takes it — from
 * `timestampField` when the spec names one (a finite number, else the record is a dead
 * letter), otherwise from the reader's own timestamps, otherwise none (NaN). With the
 * `from-input` watermark strategy, `{"watermark": T}` lines are watermarks, not records;
 * batch execution needs no watermarks, so they are skipped.
 */
import { NO_TIMESTAMP, type DeadLetter, type Rec } from '../core/types.js';
import type { Source } from '../connectors/source.js';
import { compileFieldPath } from '../expr/index.js';
import type { SourceCommon } from '../job/spec.js';
import { inputWatermarkOf } from '../time/watermarks.js';

export interface InputChunk {
  records: Rec[];
  timestamps: number[];
}

export class EventTimeExtractor {
  private readonly timestampOf: ((r: Rec) => unknown) | null;
  private readonly field: string | null;
  private readonly fromInput: boolean;
  /** Records read (watermark lines excluded; records then dead-lettered included). */
  recordsRead = 0;

  constructor(source: Pick<SourceCommon, 'timestampField' | 'watermarks'>) {
    this.field = source.timestampField;
    this.timestampOf = this.field === null ? null : compileFieldPath(this.field);
    this.fromInput = source.watermarks.strategy === 'from-input';
  }

  /** Appends the usable records of one poll to `into`. */
  accept(origin: string, records: readonly Rec[], sourceTs: readonly number[] | undefined, into: InputChunk, deadLetter: (dl: DeadLetter) => void): void {
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      if (this.fromInput && inputWatermarkOf(rec) !== undefined) continue;
      this.recordsRead++;
      let t: number = NO_TIMESTAMP;
      if (this.timestampOf !== null) {
        let v: unknown;
        try {
          v = this.timestampOf(rec);
        } catch {
          v = undefined; // the field path leads nowhere: the field is missing
        }
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          deadLetter({
            origin,
            reason: `timestamp field "${this.field}" is ${v === undefined ? 'missing' : `not a number (${JSON.stringify(v)})`}`,
            raw: rec,
          });
          continue;
        }
        t = v;
      } else if (sourceTs !== undefined) {
        t = sourceTs[i]!;
      }
      into.records.push(rec);
      into.timestamps.push(t);
    }
  }
}

const MAX_POLL = 8192;

/** Total records of the source when every split knows its size, else 0 (unknown). */
export async function expectedRecords(source: Source): Promise<number> {
  let total = 0;
  for (const s of await source.listSplits()) {
    if (s.expectedRecords === undefined) return 0;
    total += s.expectedRecords;
  }
  return total;
}

/**
 * Reads every split of `source` in order and yields chunks of `chunkRecords` usable
 * records (the last one may be smaller). Dead letters from the readers and from event-time
 * extraction go to `deadLetter`.
 */
export async function* readChunks(
  source: Source,
  extractor: EventTimeExtractor,
  chunkRecords: number,
  deadLetter: (dl: DeadLetter) => void,
): AsyncGenerator<InputChunk> {
  if (!source.bounded) throw new Error('batch execution needs a bounded source');
  const size = Math.max(1, Math.floor(chunkRecords));
  let chunk: InputChunk = { records: [], timestamps: [] };
  for (const split of await source.listSplits()) {
    const reader = await source.openReader(split, undefined);
    try {
      for (;;) {
        const res = await reader.poll(Math.min(MAX_POLL, size - chunk.records.length));
        if (res.deadLetters !== undefined) for (const dl of res.deadLetters) deadLetter(dl);
        if (res.kind === 'end') break;
        if (res.kind === 'idle') {
          // A rate-limited bounded source (e.g. the generator with eventsPerSecond).
          await new Promise((r) => setTimeout(r, Math.max(1, res.retryAfterMs)));
          continue;
        }
        extractor.accept(split.id, res.records, res.timestamps, chunk, deadLetter);
        if (chunk.records.length >= size) {
          yield chunk;
          chunk = { records: [], timestamps: [] };
        }
      }
    } finally {
      await reader.close();
    }
  }
  if (chunk.records.length > 0) yield chunk;
}
