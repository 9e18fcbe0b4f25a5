/**
 * Browser mode (`sluice serve`): the built renderer over HTTP and the console API over a
 * WebSocket, on 127.0.0.1 only, plus drill report downloads (`/drill-reports/…`). Every
 * request — page, asset, `/metrics`, report, WebSocket upgrade — must carry the random
 * access token (in the URL the command prints, then in a SameSite=Strict cookie, or as
 * `Authorization: Bearer`), so another local user or a web page in the browser cannot
 * drive the engine. The Host header must name this server
 * (DNS rebinding) and a WebSocket's Origin must be this server (cross-site WebSockets).
 */
import http from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvent } from '../../shared/api.js';
import { dispatchText } from '../../shared/rpc.js';
import type { EngineService } from '../service/engine-service.js';
import { prometheusText } from './prometheus.js';
import { REPORT_PREFIX, serveReport } from './report-route.js';

export interface ServeOptions {
  readonly service: EngineService;
  /** 0: any free port. */
  readonly port: number;
  /** The built renderer (out/renderer); null or missing: pages answer 503 with a hint. */
  readonly rendererDir: string | null;
  /** Fixed token (tests); default 32 random bytes. */
  readonly token?: string;
}

export interface RunningServer {
  readonly port: number;
  readonly token: string;
  /** The URL to open: `http://127.0.0.1:N/?token=…`. */
  readonly url: string;
  close(): Promise<void>;
}

export const HOST = '127.0.0.1';
const COOKIE = 'sluice_token';
/** Frames above this close the connection (1009); below it, oversized requests get a TOO_LARGE answer. */
const HARD_MAX_FRAME = 1024 * 1024;
/** A client this far behind gets no more snapshots until it catches up. */
const MAX_BUFFERED = 8 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

function csp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // ECharts and Vue set inline style attributes; no inline or eval'd script is allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

function bearer(header: string | undefined): string | null {
  const m = header?.match(/^Bearer\s+(\S+)$/i);
  return m?.[1] ?? null;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const { service } = opts;
  let port = 0;

  const hostOk = (h: string | undefined): boolean => h === `${HOST}:${port}` || h === `localhost:${port}`;
  const authorised = (req: http.IncomingMessage, url: URL): boolean =>
    sameToken(url.searchParams.get('token'), token) || sameToken(cookieToken(req.headers.cookie), token) || sameToken(bearer(req.headers.authorization), token);

  const deny = (res: http.ServerResponse, code: number, text: string): void => {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text + '\n');
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    if (!hostOk(req.headers.host)) return deny(res, 421, 'wrong Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'only GET');
    if (!authorised(req, url)) return deny(res, 401, 'missing or wrong access token: open the URL `sluice serve` printed');
    const headers: Record<string, string> = {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (sameToken(url.searchParams.get('token'), token)) {
      headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    if (url.pathname === '/metrics') {
      const v = service.metricsView();
      res.writeHead(200, { ...headers, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(prometheusText(v.jobs, v.latest));
      return;
    }
    if (url.pathname.startsWith(REPORT_PREFIX)) {
      void serveReport(service, url.pathname, req, res, headers);
      return;
    }
    const dir = opts.rendererDir;
    if (dir === null || !existsSync(path.join(dir, 'index.html'))) {
      return deny(res, 503, 'the console is not built: run `npm run build:renderer` (electron-vite build) first');
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.resolve(dir, rel);
    if (!file.startsWith(path.resolve(dir) + path.sep)) return deny(res, 404, 'not found');
    if (!existsSync(file) || !statSync(file).isFile()) return deny(res, 404, 'not found');
    const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    if (type.startsWith('text/html')) {
      headers['content-security-policy'] = csp(port);
      headers['x-frame-options'] = 'DENY';
    }
    res.writeHead(200, { ...headers, 'content-type': type });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_FRAME });
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const origin = req.headers.origin;
    const originOk = origin === undefined || origin === `http://${HOST}:${port}` || origin === `http://localhost:${port}`;
    if (url.pathname !== '/api' || !hostOk(req.headers.host) || !originOk || !authorised(req, url)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    const unsubscribe = service.subscribe((e: ApiEvent) => {
      if (ws.readyState !== ws.OPEN) return;
      if (e.event === 'snapshot' && ws.bufferedAmount > MAX_BUFFERED) return;
      ws.send(JSON.stringify(e));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.send(JSON.stringify({ id: null, ok: false, error: { code: 'BAD_REQUEST', message: 'binary frames are not accepted; send JSON text' } }));
        return;
      }
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      void dispatchText(service, text).then((r) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(r));
      });
    });
    ws.on('close', () => {
      unsubscribe();
      clients.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://${HOST}:${port}/?token=${token}`,
    close: async () => {
      for (const c of clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
