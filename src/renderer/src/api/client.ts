/**
 * The one place the renderer talks to the engine. Stores call `api.<method>(params)`;
 * components never touch the transport. Results are parsed with the contract's schemas.
 */
import { API_METHODS, type ConsoleApi } from '../../../shared/api';
import { parseResult } from '../../../shared/rpc';
import { IpcTransport } from './ipc-transport';
import type { Transport } from './transport';
import { WsTransport } from './ws-transport';

function createTransport(): Transport {
  if (window.sluice !== undefined) return new IpcTransport(window.sluice);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return new WsTransport(`${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`);
}

export const transport: Transport = createTransport();

export const api = Object.fromEntries(
  API_METHODS.map((m) => [m, async (params: unknown) => parseResult(m, await transport.call(m, params))]),
) as unknown as ConsoleApi;
