/**
 * `sluice serve [--port N]`: the console in a browser against a real engine. Prints one
 * line containing `http://127.0.0.1:N/` with the access token; binds 127.0.0.1 only.
 * Ctrl-C (or SIGTERM) cancels the running jobs and exits 0.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineService, defaultDataDir, findResourcesDir } from '../service/index.js';
import { startServer } from '../serve/server.js';
import { EXIT_INVALID, EXIT_OK } from './exit-codes.js';

export interface ServeCliOptions {
  readonly port: string;
  readonly dataDir?: string;
  readonly renderer?: string;
}

/** out/renderer of the project: the first one found walking up from this module. */
function findRendererDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const c = path.join(dir, 'out', 'renderer');
    if (existsSync(path.join(c, 'index.html'))) return c;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

export async function serveCommand(o: ServeCliOptions): Promise<number> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port: "${o.port}" is not a port number (0-65535)\n`);
    return EXIT_INVALID;
  }
  const resources = findResourcesDir();
  const service = new EngineService({
    dataDir: o.dataDir !== undefined ? path.resolve(o.dataDir) : defaultDataDir(),
    examplesDir: resources === null ? null : path.join(resources, 'examples'),
  });
  const rendererDir = o.renderer !== undefined ? path.resolve(o.renderer) : findRendererDir();
  let server;
  try {
    server = await startServer({ service, port, rendererDir });
  } catch (e) {
    await service.close();
    process.stderr.write(`sluice serve: cannot listen on 127.0.0.1:${port}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (rendererDir === null) process.stderr.write('note: the console is not built (run `npm run build:renderer`); the API and /metrics work.\n');
  process.stdout.write(`Sluice console: ${server.url}\n`);
  process.stdout.write(`Prometheus metrics: http://127.0.0.1:${server.port}/metrics (Authorization: Bearer <token>)\n`);
  process.stdout.write(`data: ${service.dataDir}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stderr.write('stopping: cancelling running jobs…\n');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  await service.close();
  return EXIT_OK;
}
