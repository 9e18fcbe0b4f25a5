/** The IPC bridge: senders are checked, params validated, oversized messages refused. */
import { describe, expect, it, vi } from 'vitest';
import type { ConsoleApi } from '../shared/api.js';

const handlers = new Map<string, (e: unknown, p: unknown) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, h: (e: unknown, p: unknown) => Promise<unknown>) => handlers.set(ch, h),
    removeHandler: (ch: string) => handlers.delete(ch),
  },
}));

const { registerApi } = await import('./ipc.js');
const { API_METHODS, ipcChannel, LIMITS } = await import('../shared/api.js');

const mainFrame = { url: 'app://sluice/index.html' };
const goodEvent = { sender: { id: 1, mainFrame }, senderFrame: mainFrame };
const calls: string[] = [];
const api = new Proxy({}, { get: (_t, m: string) => async (p: unknown) => (calls.push(`${m}:${JSON.stringify(p)}`), []) }) as ConsoleApi;

describe('IPC bridge', () => {
  const rejected: string[] = [];
  registerApi(api, ['app://sluice'], new Set([1]), (w) => rejected.push(w));
  const call = (ch: string, e: unknown, p: unknown) => handlers.get(ipcChannel(ch as never))!(e, p) as Promise<{ ok: boolean; error?: { code: string } }>;

  it('registers one handler per contract method', () => {
    expect(handlers.size).toBe(API_METHODS.length);
    expect(handlers.has(ipcChannel('kafkaGroupLag'))).toBe(true);
  });

  it('answers a valid call from our window', async () => {
    expect(await call('listJobs', goodEvent, {})).toEqual({ ok: true, result: [] });
  });

  it('refuses senders from another origin, a subframe, or another window, without calling the engine', async () => {
    const before = calls.length;
    const evil = { url: 'https://evil.example/' };
    expect((await call('listJobs', { sender: { id: 1, mainFrame: evil }, senderFrame: evil }, {})).ok).toBe(false);
    expect((await call('listJobs', { sender: { id: 1, mainFrame }, senderFrame: { url: 'app://sluice/index.html' } }, {})).ok).toBe(false);
    expect((await call('listJobs', { sender: { id: 2, mainFrame }, senderFrame: mainFrame }, {})).ok).toBe(false);
    expect(calls.length).toBe(before);
    expect(rejected.length).toBe(3);
  });

  it('rejects malformed and oversized params with an error and does not call the engine', async () => {
    const before = calls.length;
    expect((await call('killWorker', goodEvent, { jobId: 'x', worker: 'all' })).error?.code).toBe('BAD_REQUEST');
    expect((await call('startJob', goodEvent, { text: 'a', rm: true })).error?.code).toBe('BAD_REQUEST');
    expect((await call('startJob', goodEvent, { text: 'x'.repeat(LIMITS.maxRequestBytes + 10) })).error?.code).toBe('TOO_LARGE');
    expect(calls.length).toBe(before);
  });
});
