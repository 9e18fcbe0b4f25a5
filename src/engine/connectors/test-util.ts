/**
 * Test support (not shipped in a job): temp directories and running a snippet of code in
 * a separate Node process, for tests where writers and committers must live in different
 * OS processes as they do in a real job.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of a module in this folder, for `import` statements in child code. */
export function connectorModule(relative: string): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), relative);
}

/**
 * Runs ES module `code` in a new Node process (TypeScript imports via tsx). Resolves with
 * its stdout; rejects with its stderr when it exits non-zero.
 */
export function runInChild(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: process.cwd(), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`child process failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sluice-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
