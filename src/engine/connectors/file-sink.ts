/**
 * Writes records to one file as JSON Lines or CSV.
 *
 * at-least-once: every writer appends to `<path>` (O_APPEND, one write per batch) and
 * fsyncs on `preCommit`. Replays after a failure append again.
 *
 * exactly-once (like Flink's FileSink): a writer appends to its in-progress file
 * `<path>.sluice-staging/<subtask>.inprogress.tmp`; `preCommit(n)` fsyncs it and renames it
 * to `<subtask>-<n>.part`, so a part is all or nothing. The committer (one, in the host)
 * appends the parts of checkpoints ≤ n to `<path>` in (checkpoint, subtask) order, fsyncs,
 * and then records the new committed length of `<path>` and n in the commit manifest
 * `<path>.sluice-manifest.json` (tmp + fsync + rename); only then are the parts deleted.
 * Before every commit or recover the committer truncates `<path>` to the manifest's
 * length, which undoes a commit that crashed half-way; parts of checkpoints ≤ the
 * manifest's checkpoint were already applied and are only deleted. So committing is
 * idempotent and crash-safe. `<path>` must not be written by anything else meanwhile.
 *
 * CSV: the header line is written once, from the first record's fields; those are the
 * file's columns (other fields are not written). Exactly-once parts carry their own header
 * line; the committer re-orders a part's columns to the file's when they differ.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CheckpointId, Rec, RecordBatch } from '../core/types.js';
import { csvLine, csvRows, parseCsvHeader, parseCsvRows } from './csv-format.js';
import { fileSize, fsyncDir, readFirstLine, withLockFile, writeAll, writeFileAtomic } from './file-util.js';
import type { DeliveryGuarantee, Sink, SinkCommitter, SinkWriter } from './sink.js';

export interface FileSinkOptions {
  path: string;
  format: 'jsonl' | 'csv';
  guarantee: DeliveryGuarantee;
}

/** Where the exactly-once sink keeps its staged parts and its commit manifest. */
export function fileSinkPaths(target: string): { target: string; staging: string; manifest: string; headerLock: string } {
  const abs = path.resolve(target);
  return { target: abs, staging: `${abs}.sluice-staging`, manifest: `${abs}.sluice-manifest.json`, headerLock: `${abs}.sluice-header.lock` };
}

export class FileSink implements Sink {
  readonly guarantee: DeliveryGuarantee;

  constructor(private readonly opts: FileSinkOptions) {
    this.guarantee = opts.guarantee;
  }

  openWriter(subtask: number, parallelism: number): SinkWriter {
    void parallelism;
    return this.guarantee === 'exactly-once' ? new StagingFileWriter(this.opts, subtask) : new AppendingFileWriter(this.opts);
  }

  openCommitter(): SinkCommitter {
    return this.guarantee === 'exactly-once' ? new FileCommitter(this.opts) : { commit() {}, recover() {}, close() {} };
  }
}

function jsonLines(records: readonly Rec[]): string {
  let out = '';
  for (const r of records) out += JSON.stringify(r) + '\n';
  return out;
}

/** at-least-once: append straight to the target. */
class AppendingFileWriter implements SinkWriter {
  private readonly paths: ReturnType<typeof fileSinkPaths>;
  private readonly fd: number;
  private columns: string[] | null = null;

  constructor(private readonly opts: FileSinkOptions) {
    this.paths = fileSinkPaths(opts.path);
    fs.mkdirSync(path.dirname(this.paths.target), { recursive: true });
    this.fd = fs.openSync(this.paths.target, 'a');
  }

  write(batch: RecordBatch): void {
    if (batch.records.length === 0) return;
    let text: string;
    if (this.opts.format === 'jsonl') {
      text = jsonLines(batch.records);
    } else {
      const columns = this.columns ?? (this.columns = this.sharedHeader(batch.records[0] as Rec));
      text = csvRows(batch.records, columns);
    }
    writeAll(this.fd, Buffer.from(text, 'utf8'), null);
  }

  preCommit(): void {
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /** The file's header: written by whichever writer finds the file empty first (under a lock), read by the rest. */
  private sharedHeader(first: Rec): string[] {
    const { target, headerLock } = this.paths;
    const existing = readFirstLine(target);
    if (existing !== null) return parseCsvHeader(existing);
    return withLockFile(headerLock, () => {
      const line = readFirstLine(target);
      if (line !== null) return parseCsvHeader(line);
      const columns = Object.keys(first);
      writeAll(this.fd, Buffer.from(csvLine(columns), 'utf8'), null);
      fs.fsyncSync(this.fd);
      return columns;
    });
  }
}

const PART = /^(\d+)-(\d+)\.part$/;

/** exactly-once: stage each checkpoint's records in a part file. */
class StagingFileWriter implements SinkWriter {
  private readonly staging: string;
  private readonly inProgress: string;
  private fd: number;
  private written = 0;
  private columns: string[] | null = null;

  constructor(
    private readonly opts: FileSinkOptions,
    private readonly subtask: number,
  ) {
    this.staging = fileSinkPaths(opts.path).staging;
    fs.mkdirSync(this.staging, { recursive: true });
    this.inProgress = path.join(this.staging, `${subtask}.inprogress.tmp`);
    this.fd = fs.openSync(this.inProgress, 'w'); // what a previous attempt left belongs to no checkpoint
  }

  write(batch: RecordBatch): void {
    if (batch.records.length === 0) return;
    let text: string;
    if (this.opts.format === 'jsonl') {
      text = jsonLines(batch.records);
    } else {
      const columns = this.columns ?? (this.columns = Object.keys(batch.records[0] as Rec));
      text = (this.written === 0 ? csvLine(columns) : '') + csvRows(batch.records, columns);
    }
    const buf = Buffer.from(text, 'utf8');
    writeAll(this.fd, buf, null);
    this.written += buf.length;
  }

  preCommit(checkpoint: CheckpointId): void {
    if (this.written === 0) return; // nothing to stage for this checkpoint
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    fs.renameSync(this.inProgress, path.join(this.staging, `${this.subtask}-${checkpoint}.part`));
    fsyncDir(this.staging);
    this.fd = fs.openSync(this.inProgress, 'w');
    this.written = 0;
  }

  close(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.inProgress, { force: true });
  }
}

interface Manifest {
  version: 1;
  /** Bytes of the target that are committed; anything after them is from an interrupted commit. */
  length: number;
  lastCheckpoint: number | null;
  /** CSV: the target's columns, once it has a header. */
  columns: string[] | null;
}

interface StagedPart {
  file: string;
  checkpoint: number;
  subtask: number;
}

class FileCommitter implements SinkCommitter {
  private readonly paths: ReturnType<typeof fileSinkPaths>;

  constructor(private readonly opts: FileSinkOptions) {
    this.paths = fileSinkPaths(opts.path);
    fs.mkdirSync(this.paths.staging, { recursive: true });
    this.loadManifest(); // creates it on first use, before anything is appended
  }

  commit(checkpoint: CheckpointId): void {
    const m = this.repair();
    const parts = this.parts();
    for (const p of parts) if (m.lastCheckpoint !== null && p.checkpoint <= m.lastCheckpoint) fs.rmSync(p.file, { force: true });
    const apply = parts.filter((p) => (m.lastCheckpoint === null || p.checkpoint > m.lastCheckpoint) && p.checkpoint <= checkpoint);
    if (apply.length === 0 && m.lastCheckpoint !== null && m.lastCheckpoint >= checkpoint) return;

    let { length, columns } = m;
    if (apply.length > 0) {
      const fd = fs.openSync(this.paths.target, fs.existsSync(this.paths.target) ? 'r+' : 'w+');
      try {
        for (const p of apply) {
          const bytes = fs.readFileSync(p.file);
          let out: Buffer;
          if (this.opts.format === 'jsonl') {
            out = bytes;
          } else {
            const converted = this.csvPart(bytes, columns, length === 0);
            columns = converted.columns;
            out = converted.out;
          }
          writeAll(fd, out, length);
          length += out.length;
        }
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    const last = Math.max(checkpoint, m.lastCheckpoint ?? Number.NEGATIVE_INFINITY);
    this.saveManifest({ version: 1, length, lastCheckpoint: last, columns });
    for (const p of apply) fs.rmSync(p.file, { force: true });
    fsyncDir(this.paths.staging);
  }

  recover(restoredFrom: CheckpointId | null): void {
    if (restoredFrom !== null) this.commit(restoredFrom);
    const m = this.repair();
    for (const name of fs.readdirSync(this.paths.staging)) {
      const part = PART.exec(name);
      if (name.endsWith('.tmp') || (part && (restoredFrom === null || Number(part[2]) > restoredFrom))) {
        fs.rmSync(path.join(this.paths.staging, name), { force: true });
      }
    }
    fsyncDir(this.paths.staging);
    // No part is left, so the job may number its next checkpoints from restoredFrom on
    // (or from scratch) without new parts being mistaken for already-applied ones.
    if (m.lastCheckpoint !== restoredFrom) this.saveManifest({ ...m, lastCheckpoint: restoredFrom });
  }

  close(): void {}

  /** Undoes a commit that crashed half-way: the target is cut back to its committed length. */
  private repair(): Manifest {
    const m = this.loadManifest();
    const size = fileSize(this.paths.target);
    if (size > m.length) {
      fs.truncateSync(this.paths.target, m.length);
      const fd = fs.openSync(this.paths.target, 'r+');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    } else if (size < m.length) {
      throw new Error(`file sink: ${this.paths.target} has ${size} bytes but ${m.length} were committed (manifest ${this.paths.manifest}); it was changed outside Sluice`);
    }
    return m;
  }

  private loadManifest(): Manifest {
    let text: string;
    try {
      text = fs.readFileSync(this.paths.manifest, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // First use: whatever the target already holds counts as committed.
      const header = this.opts.format === 'csv' ? readFirstLine(this.paths.target) : null;
      const m: Manifest = { version: 1, length: fileSize(this.paths.target), lastCheckpoint: null, columns: header === null ? null : parseCsvHeader(header) };
      this.saveManifest(m);
      return m;
    }
    const m = JSON.parse(text) as Manifest;
    if (m.version !== 1 || !Number.isSafeInteger(m.length)) throw new Error(`file sink: unreadable commit manifest ${this.paths.manifest}`);
    return m;
  }

  private saveManifest(m: Manifest): void {
    writeFileAtomic(this.paths.manifest, JSON.stringify(m) + '\n');
  }

  /** Staged parts, in commit order: (checkpoint, subtask). */
  private parts(): StagedPart[] {
    const out: StagedPart[] = [];
    for (const name of fs.readdirSync(this.paths.staging)) {
      const m = PART.exec(name);
      if (m) out.push({ file: path.join(this.paths.staging, name), subtask: Number(m[1]), checkpoint: Number(m[2]) });
    }
    return out.sort((a, b) => a.checkpoint - b.checkpoint || a.subtask - b.subtask);
  }

  /** A CSV part (its own header line first) as bytes for the target, in the target's columns. */
  private csvPart(bytes: Buffer, columns: string[] | null, targetEmpty: boolean): { out: Buffer; columns: string[] } {
    const nl = bytes.indexOf(0x0a);
    const headerLine = bytes.toString('utf8', 0, nl === -1 ? bytes.length : nl);
    const rest = nl === -1 ? Buffer.alloc(0) : bytes.subarray(nl + 1);
    const partColumns = parseCsvHeader(headerLine);
    const cols = columns ?? partColumns;
    let body: Buffer;
    if (sameColumns(cols, partColumns)) {
      body = rest;
    } else {
      const index = new Map(partColumns.map((c, i) => [c, i]));
      let text = '';
      for (const row of parseCsvRows(rest.toString('utf8'))) {
        text += csvLine(cols.map((c) => {
          const i = index.get(c);
          return i === undefined ? null : row[i];
        }));
      }
      body = Buffer.from(text, 'utf8');
    }
    const out = targetEmpty ? Buffer.concat([Buffer.from(csvLine(cols), 'utf8'), body]) : body;
    return { out, columns: cols };
  }
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
