/**
 * How the renderer reaches the engine: Electron IPC through the preload bridge
 * (`window.sluice`), or the WebSocket of `sluice serve` in a browser. Both carry the same
 * contract (src/shared/api.ts); results and events are parsed with its schemas here.
 */
import type { ApiEvent, ApiMethod } from '../../../shared/api';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface Transport {
  call(method: ApiMethod, params: unknown): Promise<unknown>;
  onEvent(cb: (e: ApiEvent) => void): void;
  onStatus(cb: (s: ConnectionStatus, detail?: string) => void): void;
}

/** What the preload exposes (see src/preload/index.ts): one function per call, plus events. */
export type SluiceBridge = { readonly [M in ApiMethod]: (params: unknown) => Promise<unknown> } & {
  readonly onEvent: (cb: (e: unknown) => void) => () => void;
  readonly version: string;
};

declare global {
  interface Window {
    sluice?: SluiceBridge;
  }
}
