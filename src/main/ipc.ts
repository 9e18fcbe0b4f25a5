/**
 * The console API over Electron IPC, built from src/shared: one `ipcMain.handle` per
 * method (channel names come from the contract), each checking that the sender is our
 * window's main frame on an allowed origin, then validating the params with the method's
 * schema before the engine sees them. Answers `{ok, result} | {ok: false, error}` so error
 * codes survive IPC.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { API_METHODS, ApiError, IPC_EVENT_CHANNEL, LIMITS, type ApiEvent, type ConsoleApi } from '../shared/api.js';
import { ipcChannel } from '../shared/methods.js';
import { invoke, utf8Length } from '../shared/rpc.js';
import { isAllowedUrl } from './security.js';

export function senderAllowed(e: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>, origins: readonly string[], windows: ReadonlySet<number>): boolean {
  const frame = e.senderFrame;
  if (frame === null || frame === undefined) return false;
  if (frame !== e.sender.mainFrame) return false;
  if (!windows.has(e.sender.id)) return false;
  return isAllowedUrl(frame.url, origins);
}

function measure(params: unknown): number {
  try {
    return utf8Length(JSON.stringify(params) ?? '');
  } catch {
    return Infinity;
  }
}

export function registerApi(api: ConsoleApi, origins: readonly string[], windows: ReadonlySet<number>, onRejected: (why: string) => void): () => void {
  for (const method of API_METHODS) {
    ipcMain.handle(ipcChannel(method), async (e, params: unknown) => {
      if (!senderAllowed(e, origins, windows)) {
        onRejected(`IPC ${method} from an unexpected sender (${e.senderFrame?.url ?? 'no frame'})`);
        return { ok: false, error: { code: 'BAD_REQUEST', message: 'sender not allowed' } };
      }
      if (measure(params) > LIMITS.maxRequestBytes) return { ok: false, error: { code: 'TOO_LARGE', message: `a request is at most ${LIMITS.maxRequestBytes} bytes` } };
      try {
        return { ok: true, result: await invoke(api, method, params) };
      } catch (err) {
        const a = err instanceof ApiError ? err : new ApiError('INTERNAL', err instanceof Error ? err.message : String(err));
        return { ok: false, error: { code: a.code, message: a.message, ...(a.details ? { details: a.details } : {}) } };
      }
    });
  }
  return () => {
    for (const method of API_METHODS) ipcMain.removeHandler(ipcChannel(method));
  };
}

export function forwardEvents(subscribe: (l: (e: ApiEvent) => void) => () => void, target: () => WebContents | null): () => void {
  return subscribe((e) => {
    const wc = target();
    if (wc !== null && !wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, e);
  });
}
