/** Desktop app: the console API through the preload bridge (Electron IPC, checked in main). */
import { apiEventSchema, ApiError, type ApiEvent, type ApiMethod } from '../../../shared/api';
import type { ConnectionStatus, SluiceBridge, Transport } from './transport';

export class IpcTransport implements Transport {
  private readonly statusListeners: ((s: ConnectionStatus) => void)[] = [];

  constructor(private readonly bridge: SluiceBridge) {}

  async call(method: ApiMethod, params: unknown): Promise<unknown> {
    // Main answers {ok, result} | {ok: false, error} so the error code survives IPC.
    const r = (await this.bridge[method](params)) as { ok: boolean; result?: unknown; error?: { code: never; message: string; details?: never } };
    if (r.ok) return r.result;
    throw new ApiError(r.error?.code ?? 'INTERNAL', r.error?.message ?? 'unknown error', r.error?.details);
  }

  onEvent(cb: (e: ApiEvent) => void): void {
    this.bridge.onEvent((raw) => {
      const e = apiEventSchema.safeParse(raw);
      if (e.success) cb(e.data);
    });
  }

  onStatus(cb: (s: ConnectionStatus) => void): void {
    this.statusListeners.push(cb);
    cb('open');
  }
}
