/**
 * The preload: exposes the console API as one function per call (derived from the
 * contract's method list) plus an event subscription, never `ipcRenderer` itself.
 * Runs sandboxed (bundled to CommonJS, no Node modules besides electron).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel } from '../shared/methods.js';

const calls = Object.fromEntries(API_METHODS.map((m) => [m, (params: unknown) => ipcRenderer.invoke(ipcChannel(m), params)]));

contextBridge.exposeInMainWorld(
  'sluice',
  Object.freeze({
    ...calls,
    onEvent(cb: (e: unknown) => void): () => void {
      const listener = (_e: IpcRendererEvent, data: unknown): void => cb(data);
      ipcRenderer.on(IPC_EVENT_CHANNEL, listener);
      return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, listener);
    },
    version: '0.1.0',
  }),
);
