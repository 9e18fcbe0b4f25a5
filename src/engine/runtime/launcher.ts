/**
 * How the host starts worker processes. Under plain Node (CLI, tests, `sluice serve`)
 * a worker is `child_process.fork` of the built worker entry; the Electron app provides
 * a launcher on `utilityProcess.fork` instead (so the runAsNode fuse can stay off).
 * Either way a worker is a real OS process with its own pid that can be SIGKILLed.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostToWorker, WorkerToHost } from './messages.js';

export interface WorkerProcess {
  readonly pid: number;
  send(msg: HostToWorker): void;
  onMessage(cb: (msg: WorkerToHost) => void): void;
  /** Called once when the process is gone (exit code or signal). */
  onExit(cb: (code: number | null, signal: string | null) => void): void;
  kill(signal: 'SIGKILL' | 'SIGTERM'): void;
}

export interface WorkerLauncher {
  launch(name: string): WorkerProcess;
}

/** The worker entry: the built `dist/engine/runtime/worker-main.js`, or the TS source through tsx. */
export function workerEntry(): { file: string; execArgv: string[] } {
  const override = process.env['SLUICE_WORKER_ENTRY'];
  if (override !== undefined && override !== '') {
    if (!existsSync(override)) throw new Error(`SLUICE_WORKER_ENTRY=${override} does not exist`);
    return { file: override, execArgv: override.endsWith('.ts') ? ['--import', 'tsx'] : [] };
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'worker-main.js'), // running from dist/engine/runtime
    path.join(here, 'runtime', 'worker-main.js'), // bundled cli at dist/engine/cli.js
  ];
  for (const c of candidates) if (existsSync(c)) return { file: c, execArgv: [] };
  const ts = path.join(here, 'worker-main.ts');
  if (existsSync(ts)) return { file: ts, execArgv: ['--import', 'tsx'] };
  throw new Error(`cannot find the worker entry next to ${here}; run \`npm run build:engine\``);
}

export const forkLauncher: WorkerLauncher = {
  launch(name) {
    const entry = workerEntry();
    const child = fork(entry.file, [name], {
      execArgv: [...entry.execArgv, '--max-old-space-size=4096', ...(process.env['SLUICE_WORKER_NODE_ARGS']?.split(' ').filter(Boolean) ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    // A worker that was just killed cannot receive: a failed send is not the host's failure
    // (the exit event reports the worker's death).
    child.on('error', () => undefined);
    return {
      pid: child.pid ?? -1,
      send(msg) {
        if (child.connected) child.send(msg, undefined, {}, () => undefined);
      },
      onMessage(cb) {
        child.on('message', (m) => cb(m as WorkerToHost));
      },
      onExit(cb) {
        child.once('exit', (code, signal) => cb(code, signal));
      },
      kill(signal) {
        try {
          child.kill(signal);
        } catch {
          /* already gone */
        }
      },
    };
  },
};
