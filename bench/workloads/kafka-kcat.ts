/**
 * kcat (librdkafka's command-line client) as the raw-client peer: producing a file of
 * `key<TAB>value` lines and consuming a topic to its end, each timed as one process run
 * (start-up, metadata and connection included, as for Sluice's side).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export interface KcatRun {
  ms: number;
  /** The end offset kcat reported (consume) — what it actually read up to. */
  endOffset: number | null;
}

/** kcat's version line, or throws with the exact reason it cannot run (e.g. spawn kcat ENOENT). */
export async function kcatVersion(): Promise<string> {
  const r = await runKcat(['-V'], null, 10_000);
  const m = /Version (\S+).*librdkafka (\S+)/.exec(r.stdout);
  return m === null ? 'kcat' : `kcat ${m[1]} (librdkafka ${m[2]})`;
}

/** Produces every line of `file` (`key<TAB>value`) to partition-agnostic `topic` with librdkafka's defaults (acks=all). */
export async function kcatProduce(brokers: readonly string[], topic: string, file: string): Promise<KcatRun> {
  const t0 = performance.now();
  await runKcat(['-P', '-b', brokers.join(','), '-t', topic, '-K', '\t'], file, 300_000);
  return { ms: performance.now() - t0, endOffset: null };
}

/**
 * Consumes partition 0 of `topic` from the beginning to its end (`-e`), values to
 * /dev/null. `fetch.wait.max.ms=10` only shortens the final empty fetch that detects the
 * end (librdkafka waits 500 ms there by default); while records flow, fetches return at once.
 */
export async function kcatConsume(brokers: readonly string[], topic: string): Promise<KcatRun> {
  const t0 = performance.now();
  const r = await runKcat(['-C', '-b', brokers.join(','), '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-X', 'fetch.wait.max.ms=10'], null, 300_000, true);
  const ms = performance.now() - t0;
  const m = /Reached end of topic .* \[0\] at offset (\d+)/.exec(r.stderr);
  if (m === null) throw new Error(`kcat -C did not report reaching the end of ${topic}: ${r.stderr.trim().slice(-300)}`);
  return { ms, endOffset: Number(m[1]) };
}

function runKcat(args: string[], stdinFile: string | null, timeoutMs: number, discardStdout = false): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const stdin = stdinFile === null ? 'ignore' : fs.openSync(stdinFile, 'r');
    const child = spawn('kcat', args, { stdio: [stdin, discardStdout ? 'ignore' : 'pipe', 'pipe'] });
    if (typeof stdin === 'number') fs.closeSync(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`kcat: ${e.message}${(e as NodeJS.ErrnoException).code === 'ENOENT' ? ' (not installed: apt-get install -y kcat)' : ''}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`kcat ${args.join(' ')}: ${signal !== null ? `killed (${signal}, timeout ${timeoutMs} ms)` : `exit ${code}`}: ${stderr.trim().slice(-300)}`));
    });
  });
}
