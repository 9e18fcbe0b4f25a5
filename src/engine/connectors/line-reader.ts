/**
 * Reads a file line by line from a byte offset, in fixed-size chunks with `fs.readSync`.
 *
 * Lines are cut on the `\n` byte, which never occurs inside a UTF-8 multi-byte sequence,
 * so a character split across two chunks is decoded whole. A trailing `\r` is dropped
 * (CRLF files), a final line without a newline is still a line, and a UTF-8 byte order
 * mark at offset 0 is skipped. `offset` is always the byte offset just after the last
 * line returned (its newline included).
 */
import fs from 'node:fs';

export const DEFAULT_CHUNK_SIZE = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export class LineReader {
  private buf: Buffer;
  /** File offset of buf[0]. */
  private bufOffset: number;
  /** First unconsumed byte in buf. */
  private start = 0;
  /** One past the last valid byte in buf. */
  private end = 0;
  /** Where to continue looking for a newline (bytes before it were already scanned). */
  private scanFrom = 0;
  private eof = false;

  constructor(
    private readonly fd: number,
    offset: number,
    private readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {
    this.buf = Buffer.allocUnsafe(chunkSize);
    this.bufOffset = offset;
    if (offset === 0) this.skipBom();
  }

  /** Byte offset after the last line returned. */
  get offset(): number {
    return this.bufOffset + this.start;
  }

  /** The next line without its line terminator, or null at the end of the file. */
  next(): string | null {
    for (;;) {
      const nl = this.end > this.scanFrom ? this.buf.indexOf(LF, this.scanFrom) : -1;
      if (nl !== -1 && nl < this.end) {
        const text = this.decode(this.start, nl);
        this.start = nl + 1;
        this.scanFrom = this.start;
        return text;
      }
      this.scanFrom = this.end;
      if (this.eof) {
        if (this.start === this.end) return null;
        const text = this.decode(this.start, this.end);
        this.start = this.end;
        this.scanFrom = this.end;
        return text;
      }
      this.fill();
    }
  }

  private decode(from: number, to: number): string {
    if (to > from && this.buf[to - 1] === CR) to--;
    return this.buf.toString('utf8', from, to);
  }

  /** Moves the unconsumed bytes to the front (growing the buffer for a long line) and reads a chunk. */
  private fill(): void {
    const pending = this.end - this.start;
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.bufOffset += this.start;
      this.scanFrom -= this.start;
      this.start = 0;
      this.end = pending;
    }
    if (this.buf.length - this.end < this.chunkSize) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.end + this.chunkSize));
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const n = fs.readSync(this.fd, this.buf, this.end, this.chunkSize, this.bufOffset + this.end);
    if (n === 0) this.eof = true;
    this.end += n;
  }

  private skipBom(): void {
    const head = Buffer.alloc(3);
    const n = fs.readSync(this.fd, head, 0, 3, 0);
    if (n === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) this.bufOffset = 3;
  }
}
