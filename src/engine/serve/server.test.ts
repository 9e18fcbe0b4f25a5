import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { EngineService } from '../service/engine-service.js';
import { startServer, type RunningServer } from './server.js';
import { LIMITS } from '../../shared/api.js';

let dir: string;
let service: EngineService;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sluice-serve-'));
  const renderer = path.join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  const examples = path.join(dir, 'examples', 'tiny');
  mkdirSync(examples, { recursive: true });
  writeFileSync(path.join(examples, 'tiny.yaml'), '# A tiny job.\nname: tiny\nsource: { type: generator, count: 10 }\npipeline: []\nsink: { type: file, path: out.jsonl, format: jsonl }\n');
  service = new EngineService({ dataDir: path.join(dir, 'data'), examplesDir: path.join(dir, 'examples') });
  server = await startServer({ service, port: 0, rendererDir: renderer });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens an API socket; resolves once open, rejects with the HTTP status if refused. */
function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Sends one frame and waits for the next response (pushed events are skipped). */
function call(ws: WebSocket, frame: string): Promise<{ id: number | null; ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const m = JSON.parse(data.toString()) as { event?: string };
      if (m.event !== undefined) return;
      ws.off('message', onMessage);
      resolve(m as never);
    };
    ws.on('message', onMessage);
    ws.send(frame);
  });
}

describe('sluice serve: access token', () => {
  it('refuses pages, assets and /metrics without the token', async () => {
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
    expect((await fetch(`${base}/index.html`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('serves the page with the token, sets a strict cookie and a CSP without unsafe-eval', async () => {
    const res = await fetch(`${base}/?token=${server.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-eval');
    const cookie = `sluice_token=${server.token}`;
    expect((await fetch(`${base}/index.html`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/../../etc/passwd`, { headers: { cookie } })).status).toBe(404);
  });

  it('serves Prometheus text at /metrics with a bearer token', async () => {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await res.text()).toMatch(/^# HELP sluice_jobs /m);
  });

  it('refuses a WebSocket without the token, with a wrong token, or from another origin', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/api`)).rejects.toThrow(/401/);
    await expect(connect(`ws://127.0.0.1:${server.port}/api?token=wrong`)).rejects.toThrow(/401/);
    await expect(connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/401/);
    await expect(connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { host: 'evil.example' })).rejects.toThrow(/401/);
  });

  it('refuses a request whose Host is not this server (DNS rebinding)', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: `/?token=${server.token}`, headers: { host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('sluice serve: API messages', () => {
  const validSpec = 'name: t\nsource: { type: generator, count: 100000000, eventsPerSecond: 10 }\npipeline: []\nsink: { type: file, path: out.jsonl, format: jsonl }\n';

  it('answers a valid call', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const r = await call(ws, JSON.stringify({ id: 1, method: 'listExamples', params: {} }));
    expect(r.ok).toBe(true);
    expect((r.result as { id: string }[]).map((e) => e.id)).toEqual(['tiny']);
    ws.close();
  });

  it('rejects malformed messages with an error and changes nothing', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const bad = [
      'not json',
      '[]',
      JSON.stringify({ id: 2, method: 'rm -rf', params: {} }),
      JSON.stringify({ id: 3, method: 'startJob' }),
      JSON.stringify({ id: 4, method: 'startJob', params: { text: validSpec, extra: true } }),
      JSON.stringify({ id: 5, method: 'startJob', params: { text: 42 } }),
      JSON.stringify({ id: 6, method: 'killWorker', params: { jobId: '../../x', worker: 0 } }),
      JSON.stringify({ id: 7, method: 'killWorker', params: { jobId: 'abc', worker: -1 } }),
      JSON.stringify({ id: 8, method: 'listJobs', params: {}, sneaky: 1 }),
      JSON.stringify({ id: 9, method: 'startJob', params: { text: 'x'.repeat(LIMITS.maxSpecChars + 1) } }),
    ];
    for (const frame of bad) {
      const r = await call(ws, frame);
      expect(r.ok, frame.slice(0, 80)).toBe(false);
      expect(r.error?.code).toBe('BAD_REQUEST');
    }
    const jobs = await call(ws, JSON.stringify({ id: 10, method: 'listJobs', params: {} }));
    expect(jobs.result).toEqual([]);
    ws.close();
  });

  it('rejects an oversized message with TOO_LARGE and changes nothing; a huge frame closes the socket', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const big = JSON.stringify({ id: 11, method: 'startJob', params: { text: validSpec + '#'.repeat(LIMITS.maxRequestBytes) } });
    const r = await call(ws, big);
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('TOO_LARGE');
    expect((await call(ws, JSON.stringify({ id: 12, method: 'listJobs', params: {} }))).result).toEqual([]);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(2 * 1024 * 1024));
    expect(await closed).toBe(1009);
    const ws2 = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    expect((await call(ws2, JSON.stringify({ id: 13, method: 'listJobs', params: {} }))).result).toEqual([]);
    ws2.close();
  });

  it('reports an invalid spec with its path errors', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const r = await call(ws, JSON.stringify({ id: 14, method: 'startJob', params: { text: 'name: t\nsource: { type: nope }\n' } }));
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('INVALID_SPEC');
    const v = await call(ws, JSON.stringify({ id: 15, method: 'validateSpec', params: { text: 'name: t\nsource: { type: nope }\n' } }));
    expect((v.result as { ok: boolean; errors: unknown[] }).ok).toBe(false);
    expect((v.result as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
    ws.close();
  });
});

describe('sluice serve: drill report downloads', () => {
  it('refuses a report without the token', async () => {
    const res = await fetch(`${base}/drill-reports/run1.json`);
    expect(res.status).toBe(401);
  });

  it('answers 404 with the reason for an unknown run or a malformed report path', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const unknown = await fetch(`${base}/drill-reports/no-such-run.json`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('no drill run no-such-run');
    for (const bad of ['/drill-reports/run1.exe', '/drill-reports/run1', '/drill-reports/../x.json', '/drill-reports/a%2Fb.json']) {
      const res = await fetch(`${base}${bad}`, { headers: auth });
      expect(res.status, bad).toBe(404);
      expect(await res.text(), bad).toMatch(/a report is at \/drill-reports\/<runId>\.<html\|json\|md\|pdf>|not found/);
    }
  });

  it('refuses saveDrillReport in browser mode (no save dialog) and compareDrillRuns of unknown runs', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    const save = await call(ws, JSON.stringify({ id: 20, method: 'saveDrillReport', params: { runId: 'r1', format: 'html' } }));
    expect(save.ok).toBe(false);
    expect(save.error?.code).toBe('ILLEGAL_STATE');
    expect(save.error?.message).toContain('/drill-reports/');
    const badFormat = await call(ws, JSON.stringify({ id: 21, method: 'saveDrillReport', params: { runId: 'r1', format: 'docx' } }));
    expect(badFormat.error?.code).toBe('BAD_REQUEST');
    const cmp = await call(ws, JSON.stringify({ id: 22, method: 'compareDrillRuns', params: { a: 'r1', b: 'r2' } }));
    expect(cmp.ok).toBe(false);
    expect(cmp.error?.code).toBe('NOT_FOUND');
    expect(cmp.error?.message).toBe('no drill run r1');
    ws.close();
  });
});
