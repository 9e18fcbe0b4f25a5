/** Running the built `sluice` command in tests, as users and scripts do. */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/sluice.mjs');
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm test` builds dist/ first; a test file run alone builds it here. */
export function ensureEngineBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, 'dist/engine/cli.js'))) execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-engine.mjs')]);
}

/** A `sluice` runner in `cwd`: resolves with the exit code and output, never rejects on a non-zero exit. */
export function sluiceIn(cwd: string): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    try {
      const r = await run(process.execPath, [BIN, ...args], { cwd, timeout: 120_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as CliResult;
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };
}
