/**
 * Worker processes inside the desktop app: Electron's `utilityProcess.fork`, so the
 * runAsNode fuse can stay off. The worker entry speaks `process.parentPort` there (and
 * `process.send` under plain Node). A kill is a real SIGKILL of the worker's pid.
 */
import { utilityProcess } from 'electron';
import type { WorkerLauncher } from '../engine/runtime/launcher.js';
import type { HostToWorker, WorkerToHost } from '../engine/runtime/messages.js';

export function electronWorkerLauncher(workerFile: string): WorkerLauncher {
  return {
    launch(name) {
      const child = utilityProcess.fork(workerFile, [name], {
        serviceName: `sluice worker ${name}`,
        stdio: 'inherit',
        execArgv: ['--max-old-space-size=4096'],
      });
      let exited = false;
      child.once('exit', () => {
        exited = true;
      });
      return {
        get pid() {
          return child.pid ?? -1;
        },
        send(msg: HostToWorker) {
          if (!exited) child.postMessage(msg);
        },
        onMessage(cb: (m: WorkerToHost) => void) {
          child.on('message', (m: unknown) => cb(m as WorkerToHost));
        },
        onExit(cb) {
          if (exited) cb(null, 'SIGKILL');
          // A utility process reports only an exit code; a code ≠ 0 after our kill is the signal.
          else child.once('exit', (code: number) => cb(code === 0 ? 0 : code, code === 0 ? null : 'SIGKILL'));
        },
        kill(signal) {
          const pid = child.pid;
          if (pid === undefined) return;
          try {
            process.kill(pid, signal);
          } catch {
            /* already gone */
          }
        },
      };
    },
  };
}
