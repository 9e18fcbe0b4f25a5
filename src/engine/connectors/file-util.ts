/**
 * Small durable-file helpers for the file sink: fsync of a directory (so a rename or a new
 * file survives a crash), atomic replace (write tmp + fsync + rename), full writes, and a
 * short-lived lock file for work that must happen once among several processes.
 */
import fs from 'node:fs';
import path from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Replaces `file` with `content` atomically: readers see the old or the new file, never a mix. */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    writeAll(fd, Buffer.from(content, 'utf8'), null);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** Writes the whole buffer (looping over short writes), at `position` or the current offset. */
export function writeAll(fd: number, buf: Buffer, position: number | null): void {
  let done = 0;
  while (done < buf.length) {
    const n = fs.writeSync(fd, buf, done, buf.length - done, position === null ? null : position + done);
    done += n;
  }
}

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** The file's first line (without its terminator), or null when it has no complete first line yet. */
export function readFirstLine(file: string, maxBytes = 1 << 20): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const buf = Buffer.allocUnsafe(Math.min(maxBytes, 64 * 1024));
    let acc = Buffer.alloc(0);
    let pos = 0;
    while (acc.length < maxBytes) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return null;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      if (nl !== -1) {
        acc = Buffer.concat([acc, buf.subarray(0, nl)]);
        const text = acc.toString('utf8');
        return text.endsWith('\r') ? text.slice(0, -1) : text;
      }
      acc = Buffer.concat([acc, buf.subarray(0, n)]);
      pos += n;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * Runs `fn` while holding `lockFile` (created with O_EXCL), so only one process at a time
 * runs it. A lock older than `staleMs` belongs to a process that died holding it and is
 * broken. Meant for work that takes milliseconds (writing a CSV header once).
 */
export function withLockFile<T>(lockFile: string, fn: () => T, staleMs = 5000, timeoutMs = 30_000): T {
  const started = Date.now();
  for (;;) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(lockFile, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      try {
        return fn();
      } finally {
        fs.closeSync(fd);
        fs.rmSync(lockFile, { force: true });
      }
    }
    try {
      if (Date.now() - fs.statSync(lockFile).mtimeMs > staleMs) fs.rmSync(lockFile, { force: true });
    } catch {
      // The holder released it meanwhile.
    }
    if (Date.now() - started > timeoutMs) throw new Error(`could not take lock ${lockFile} within ${timeoutMs} ms`);
    sleepSync(2);
  }
}
