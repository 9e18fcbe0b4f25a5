/**
 * Progress on the terminal for long runs: records read, records/s, a bar when the input
 * size is known. On a TTY one line is redrawn; otherwise a line is printed every few
 * seconds so logs stay readable.
 */
export interface ProgressSample {
  readonly records: number;
  readonly done?: number;
  readonly total?: number;
  readonly extra?: string;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

export class ProgressLine {
  private lastRecords = 0;
  private lastAt = Date.now();
  private lastPrint = 0;
  private readonly tty: boolean;
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly enabled = true,
  ) {
    this.tty = out.isTTY === true;
  }

  update(s: ProgressSample): void {
    if (!this.enabled) return;
    const t = Date.now();
    const rate = t > this.lastAt ? ((s.records - this.lastRecords) * 1000) / (t - this.lastAt) : 0;
    this.lastRecords = s.records;
    this.lastAt = t;
    let line = `${fmt(s.records)} records · ${fmt(Math.max(rate, 0))} rec/s`;
    if (s.total !== undefined && s.done !== undefined && s.total > 0) {
      const f = Math.min(1, s.done / s.total);
      const width = 24;
      const filled = Math.round(f * width);
      line = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% · ${line}`;
    }
    if (s.extra) line += ` · ${s.extra}`;
    if (this.tty) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else if (t - this.lastPrint >= 5000) {
      this.out.write(line + '\n');
      this.lastPrint = t;
    }
  }

  /** Ends the redrawn line so later output starts on a fresh line. */
  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
