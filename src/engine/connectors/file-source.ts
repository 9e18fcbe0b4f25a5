/**
 * The file source: JSON Lines, CSV or plain text, one split per file.
 *
 * `path` is a file, or a directory whose regular, non-hidden files (sorted by name) are
 * read, one split each. A split's id is the file's basename plus a short hash of its
 * absolute path (`input.jsonl#1a2b3c4d`), stable across runs of the same spec.
 *
 * Position: `{ offset, line }` — the byte offset just after the last line consumed and
 * that line's number (1-based; empty lines, the CSV header and dead-lettered lines count).
 * A malformed line becomes a {@link DeadLetter} with origin `<basename>:<line>`; it never
 * stops the source.
 *
 * CSV is read line by line: a quoted field may contain the delimiter and escaped quotes,
 * but not a line break (such a row is dead-lettered as malformed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { murmur3 } from '../core/keygroups.js';
import type { DeadLetter, Rec } from '../core/types.js';
import { DEFAULT_CHUNK_SIZE, LineReader } from './line-reader.js';
import type { PollResult, Source, SourcePosition, SplitInfo, SplitReader } from './source.js';

export type FileFormat = 'jsonl' | 'csv' | 'text';

export interface CsvOptions {
  /** The first non-empty line names the fields (default true). Without it fields are `c0`, `c1`, …. */
  header?: boolean;
  /** Field delimiter, one character (default `,`). */
  delimiter?: string;
}

export interface FileSourceOptions {
  /** A file, or a directory of files (one split per file). */
  path: string;
  format: FileFormat;
  csv?: CsvOptions;
  /** Bytes per read (default 64 KiB); small values let tests cross chunk borders. */
  chunkSize?: number;
}

/** A stable split id for a file: its basename and a short hash of its absolute path. */
export function fileSplitId(absolutePath: string): string {
  return `${path.basename(absolutePath)}#${murmur3(absolutePath).toString(16).padStart(8, '0')}`;
}

export class FileSource implements Source {
  readonly bounded = true;
  private readonly root: string;
  private filesById: Map<string, string> | null = null;

  constructor(private readonly opts: FileSourceOptions) {
    this.root = path.resolve(opts.path);
    const d = opts.csv?.delimiter;
    if (d !== undefined && d.length !== 1) throw new Error(`file source: csv.delimiter must be one character, got ${JSON.stringify(d)}`);
  }

  listSplits(): SplitInfo[] {
    return [...this.files().keys()].map((id) => ({ id }));
  }

  openReader(split: SplitInfo, position: SourcePosition | undefined): FileSplitReader {
    const file = this.files().get(split.id);
    if (file === undefined) throw new Error(`file source: unknown split ${JSON.stringify(split.id)} under ${this.root}`);
    return new FileSplitReader(split, file, this.opts, position);
  }

  private files(): Map<string, string> {
    if (this.filesById !== null) return this.filesById;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.root);
    } catch (err) {
      throw new Error(`file source: cannot read ${this.root}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
    const files: string[] = [];
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(this.root).sort()) {
        const full = path.join(this.root, name);
        if (!name.startsWith('.') && fs.statSync(full).isFile()) files.push(full);
      }
    } else {
      files.push(this.root);
    }
    this.filesById = new Map(files.map((f) => [fileSplitId(f), f]));
    return this.filesById;
  }
}

/** JSON's number grammar: `007` or `1.` stay strings, `-0.5e3` becomes a number. */
const NUMERIC = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function csvValue(s: string): string | number {
  return NUMERIC.test(s) ? Number(s) : s;
}

export class FileSplitReader implements SplitReader {
  readonly split: SplitInfo;
  /** Size of the file when the reader opened, in bytes. */
  readonly fileSize: number;
  private readonly fd: number;
  private readonly lines: LineReader;
  private readonly name: string;
  private readonly format: FileFormat;
  private readonly delimiter: string;
  private readonly csvHeader: boolean;
  private lineNo: number;
  /** CSV field names; null until the header (or, without one, the first row) is read. */
  private fields: string[] | null = null;
  private done = false;
  private closed = false;

  constructor(split: SplitInfo, file: string, opts: FileSourceOptions, position: SourcePosition | undefined) {
    this.split = split;
    this.name = path.basename(file);
    this.format = opts.format;
    this.delimiter = opts.csv?.delimiter ?? ',';
    this.csvHeader = opts.csv?.header ?? true;
    try {
      this.fd = fs.openSync(file, 'r');
    } catch (err) {
      throw new Error(`file source: cannot open ${file}: ${(err as Error).message}`);
    }
    try {
      this.fileSize = fs.fstatSync(this.fd).size;
      const offset = position === undefined ? 0 : this.checkPosition(file, position);
      this.lineNo = position === undefined ? 0 : (position['line'] as number);
      const chunk = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
      if (this.format === 'csv' && offset > 0) this.fields = this.readFieldsFromStart(chunk);
      this.lines = new LineReader(this.fd, offset, chunk);
    } catch (err) {
      fs.closeSync(this.fd);
      throw err;
    }
  }

  /** Bytes consumed so far (the byte offset of the position). */
  get bytesRead(): number {
    return this.lines.offset;
  }

  progress(): { done: number; total: number } {
    return { done: this.lines.offset, total: this.fileSize };
  }

  poll(maxRecords: number): PollResult {
    if (this.closed) throw new Error(`file source: poll on closed reader for ${this.split.id}`);
    if (this.done) return { kind: 'end' };
    const records: Rec[] = [];
    const deadLetters: DeadLetter[] = [];
    while (records.length + deadLetters.length < maxRecords) {
      const line = this.lines.next();
      if (line === null) {
        this.done = true;
        break;
      }
      this.lineNo++;
      this.parseLine(line, records, deadLetters);
    }
    if (records.length === 0 && deadLetters.length === 0 && this.done) return { kind: 'end' };
    return deadLetters.length > 0 ? { kind: 'records', records, deadLetters } : { kind: 'records', records };
  }

  position(): SourcePosition {
    return { offset: this.lines.offset, line: this.lineNo };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  private parseLine(line: string, records: Rec[], deadLetters: DeadLetter[]): void {
    switch (this.format) {
      case 'text':
        if (line.length > 0) records.push({ line });
        return;
      case 'jsonl': {
        if (isBlank(line)) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (err) {
          deadLetters.push(this.deadLetter(`invalid JSON: ${(err as Error).message}`, line));
          return;
        }
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) records.push(value as Rec);
        else deadLetters.push(this.deadLetter(`expected a JSON object, got ${describeJson(value)}`, line));
        return;
      }
      case 'csv': {
        if (isBlank(line)) return;
        let cells: string[];
        try {
          cells = this.splitCsv(line);
        } catch (err) {
          deadLetters.push(this.deadLetter(`malformed CSV: ${(err as Error).message}`, line));
          return;
        }
        if (this.fields === null) {
          if (this.csvHeader) {
            this.fields = cells;
            return;
          }
          this.fields = cells.map((_, i) => `c${i}`);
        }
        const fields = this.fields;
        if (cells.length !== fields.length) {
          deadLetters.push(this.deadLetter(`expected ${fields.length} fields, got ${cells.length}`, line));
          return;
        }
        const rec: Rec = {};
        for (let i = 0; i < fields.length; i++) rec[fields[i] as string] = csvValue(cells[i] as string);
        records.push(rec);
        return;
      }
    }
  }

  private splitCsv(line: string): string[] {
    if (!line.includes('"')) return line.split(this.delimiter);
    const rows = parseCsv(line, { delimiter: this.delimiter, relax_column_count: true }) as string[][];
    if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
    return rows[0] as string[];
  }

  private deadLetter(reason: string, raw: string): DeadLetter {
    return { origin: `${this.name}:${this.lineNo}`, reason, raw };
  }

  /** On resume past the header: the CSV field names, re-read from the top of the file. */
  private readFieldsFromStart(chunk: number): string[] | null {
    const head = new LineReader(this.fd, 0, chunk);
    for (let line = head.next(); line !== null; line = head.next()) {
      if (isBlank(line)) continue;
      let cells: string[];
      try {
        cells = this.splitCsv(line);
      } catch {
        continue; // dead-lettered in the first pass; the next row named the fields
      }
      return this.csvHeader ? cells : cells.map((_, i) => `c${i}`);
    }
    return null;
  }

  private checkPosition(file: string, position: SourcePosition): number {
    const offset = position['offset'];
    const line = position['line'];
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || typeof line !== 'number' || !Number.isSafeInteger(line) || line < 0) {
      throw new Error(`file source: invalid position ${JSON.stringify(position)} for ${file}`);
    }
    if (offset > this.fileSize) {
      throw new Error(`file source: ${file} is ${this.fileSize} bytes, shorter than the checkpointed position ${offset}; it changed since the checkpoint`);
    }
    if (offset > 0 && offset < this.fileSize) {
      const prev = Buffer.alloc(3);
      const at = Math.max(0, offset - 3);
      fs.readSync(this.fd, prev, 0, offset - at, at);
      const afterBom = offset === 3 && prev[0] === 0xef && prev[1] === 0xbb && prev[2] === 0xbf;
      if (!afterBom && prev[offset - at - 1] !== 0x0a) {
        throw new Error(`file source: position ${offset} in ${file} is not at the start of a line; the file changed since the checkpoint`);
      }
    }
    return offset;
  }
}

function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
