/**
 * Request dispatch shared by both transports (Electron main and the WebSocket server):
 * size check → JSON → envelope schema → params schema → handler → response. Nothing is
 * called unless the whole message is valid, so a malformed or oversized message changes
 * nothing. Also the client side: a call's result is parsed with its schema too.
 */
import { z } from 'zod';
import { api, ApiError, LIMITS, requestSchema, type ApiMethod, type ConsoleApi, type ResponseMessage } from './api.js';

function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(message)'}: ${i.message}`)
    .join('; ');
}

/** UTF-8 length without TextEncoder allocation for the common ASCII case. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const fail = (id: number | null, error: ApiError): ResponseMessage => ({
  id,
  ok: false,
  error: { code: error.code, message: error.message.slice(0, 8000), ...(error.details ? { details: error.details.slice(0, 500) } : {}) },
});

/** Validates params of `method`, or throws an ApiError(BAD_REQUEST). */
export function parseParams<M extends ApiMethod>(method: M, params: unknown): z.output<(typeof api)[M]['params']> {
  const r = api[method].params.safeParse(params);
  if (!r.success) throw new ApiError('BAD_REQUEST', `${method}: invalid params: ${issuesText(r.error)}`);
  return r.data as z.output<(typeof api)[M]['params']>;
}

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ApiError('INTERNAL', message);
}

/** Calls one method after validating its params; errors come back as ApiError. */
export async function invoke(handlers: ConsoleApi, method: ApiMethod, params: unknown): Promise<unknown> {
  const p = parseParams(method, params);
  const fn = handlers[method] as (p: unknown) => Promise<unknown>;
  return fn.call(handlers, p);
}

/** A whole text frame → its response. Never throws. */
export async function dispatchText(handlers: ConsoleApi, text: string): Promise<ResponseMessage> {
  if (text.length > LIMITS.maxRequestBytes || utf8Length(text) > LIMITS.maxRequestBytes) {
    return fail(null, new ApiError('TOO_LARGE', `a request is at most ${LIMITS.maxRequestBytes} bytes`));
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail(null, new ApiError('BAD_REQUEST', `not JSON: ${(e as Error).message}`));
  }
  const env = requestSchema.safeParse(raw);
  if (!env.success) {
    const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? ((raw as { id: number }).id) : null;
    return fail(Number.isInteger(id) ? id : null, new ApiError('BAD_REQUEST', `malformed request: ${issuesText(env.error)}`));
  }
  const { id, method, params } = env.data;
  try {
    return { id, ok: true, result: await invoke(handlers, method, params) };
  } catch (e) {
    return fail(id, toApiError(e));
  }
}

/** Client side: parses a call's result with its schema (a server that drifted is an error, not undefined behaviour). */
export function parseResult<M extends ApiMethod>(method: M, result: unknown): z.output<(typeof api)[M]['result']> {
  const r = api[method].result.safeParse(result);
  if (!r.success) throw new ApiError('INTERNAL', `${method}: unexpected result: ${issuesText(r.error)}`);
  return r.data as z.output<(typeof api)[M]['result']>;
}
