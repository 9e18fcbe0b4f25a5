/**
 * Browser mode: the console API over the WebSocket of `sluice serve`. The access token comes
 * from the page URL (`?token=…`); reconnects with backoff when the server goes away.
 */
import { apiEventSchema, ApiError, responseSchema, type ApiEvent, type ApiMethod } from '../../../shared/api';
import type { ConnectionStatus, Transport } from './transport';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class WsTransport implements Transport {
  private ws: WebSocket | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly queue: string[] = [];
  private readonly eventListeners: ((e: ApiEvent) => void)[] = [];
  private readonly statusListeners: ((s: ConnectionStatus, detail?: string) => void)[] = [];
  private retryMs = 500;

  constructor(private readonly url: string) {
    this.open();
  }

  private setStatus(s: ConnectionStatus, detail?: string): void {
    for (const l of this.statusListeners) l(s, detail);
  }

  private open(): void {
    this.setStatus('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.setStatus('open');
      for (const f of this.queue.splice(0)) ws.send(f);
    };
    ws.onmessage = (m) => this.onMessage(String(m.data));
    ws.onclose = (ev) => {
      this.ws = null;
      for (const p of this.pending.values()) p.reject(new ApiError('INTERNAL', 'the connection to the engine closed'));
      this.pending.clear();
      this.setStatus('closed', ev.code === 1006 ? 'the engine is not reachable (wrong token or server stopped)' : `closed (${ev.code})`);
      setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(10_000, this.retryMs * 2);
    };
  }

  private onMessage(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof raw === 'object' && raw !== null && 'event' in raw) {
      const e = apiEventSchema.safeParse(raw);
      if (e.success) for (const l of this.eventListeners) l(e.data);
      else console.warn('dropped an event that does not match the contract', e.error.issues.slice(0, 3));
      return;
    }
    const r = responseSchema.safeParse(raw);
    if (!r.success || r.data.id === null) return;
    const p = this.pending.get(r.data.id);
    if (p === undefined) return;
    this.pending.delete(r.data.id);
    if (r.data.ok) p.resolve(r.data.result);
    else p.reject(new ApiError(r.data.error.code, r.data.error.message, r.data.error.details));
  }

  call(method: ApiMethod, params: unknown): Promise<unknown> {
    const id = ++this.seq;
    const frame = JSON.stringify({ id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.ws !== null && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
      else this.queue.push(frame);
    });
  }

  onEvent(cb: (e: ApiEvent) => void): void {
    this.eventListeners.push(cb);
  }

  onStatus(cb: (s: ConnectionStatus, detail?: string) => void): void {
    this.statusListeners.push(cb);
  }
}
