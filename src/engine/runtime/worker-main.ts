/**
 * Entry point of a worker process (forked by the host with an IPC channel). The first
 * message configures it; it answers `listening`, waits for `start`, then runs until
 * `shutdown` or a failure. A worker never outlives its host: when the IPC channel
 * closes, it exits.
 */
import type { HostToWorker, WorkerToHost } from './messages.js';
import { WorkerTask } from './worker-task.js';

/**
 * Inside the desktop app a worker is an Electron utility process and talks over
 * `process.parentPort`; under plain Node it is a forked child and talks over `process.send`.
 */
interface ParentPort {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

const send = (msg: WorkerToHost): void => {
  if (parentPort !== undefined) {
    parentPort.postMessage(msg);
    return;
  }
  // The host may be gone (it killed this worker's attempt): a failed send is not an error.
  if (process.connected) process.send!(msg, undefined, {}, () => undefined);
};

let task: WorkerTask | null = null;

function isHostMessage(m: unknown): m is HostToWorker {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

function onHostMessage(raw: unknown): void {
  if (!isHostMessage(raw)) {
    send({ type: 'failed', error: `worker protocol error: unexpected message ${JSON.stringify(raw)?.slice(0, 200)}` });
    process.exit(1);
  }
  const msg = raw;
  void (async () => {
    try {
      if (msg.type === 'configure') {
        if (task !== null) throw new Error('worker protocol error: configured twice');
        task = new WorkerTask(msg.config, { send });
        await task.init();
      } else if (msg.type === 'start') {
        if (task === null) throw new Error('worker protocol error: start before configure');
        await task.start();
        process.exit(0);
      } else if (msg.type === 'shutdown') {
        await task?.shutdown();
        process.exit(0);
      } else {
        if (task === null) throw new Error(`worker protocol error: "${msg.type}" before configure`);
        task.onControl(msg);
      }
    } catch (e) {
      send({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      setTimeout(() => process.exit(1), 50);
    }
  })();
}

if (parentPort !== undefined) {
  parentPort.on('message', (e) => onHostMessage(e.data));
} else {
  process.on('message', onHostMessage);
  process.on('disconnect', () => process.exit(0));
}
