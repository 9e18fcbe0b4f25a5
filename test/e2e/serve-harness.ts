/**
 * Starts `sluice serve --port 0` (the built CLI, a real engine) in a temp data folder and
 * Debian's Chromium through playwright-core; stops both and checks nothing is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import WebSocket from 'ws';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots');

/** Under CI a missing Chromium fails the suite; elsewhere the suite is skipped, loudly. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (required under CI=true)`);
  console.warn(`\n*** SKIPPING browser e2e tests: ${CHROMIUM} is missing (apt-get install -y chromium) ***\n`);
  return false;
}

export interface Served {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly proc: ChildProcess;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export async function startServe(): Promise<Served> {
  const cli = path.join(ROOT, 'dist', 'engine', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build:engine\``);
  if (!existsSync(path.join(ROOT, 'out', 'renderer', 'index.html'))) throw new Error('out/renderer is missing: run `npm run build:renderer`');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-e2e-'));
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'sluice.mjs'), 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`sluice serve printed no URL in 20 s. stdout: ${out} stderr: ${err}`)), 20_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.split('\n').find((l) => l.includes('http://127.0.0.1:'));
      if (m !== undefined) {
        clearTimeout(t);
        resolve(m);
      }
    });
    proc.once('exit', (code) => reject(new Error(`sluice serve exited with ${code}: ${err}`)));
  });
  const m = line.match(/(http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+))/);
  if (m === null) throw new Error(`unexpected serve line: ${line}`);
  return {
    url: m[1]!,
    port: Number(m[2]),
    token: m[3]!,
    proc,
    dataDir,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * A page of the console (1440×900, light) that records every console error and uncaught
 * page error into `errors`, which each e2e test asserts empty at the end.
 */
export async function openConsolePage(browser: Browser, errors: string[]): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return page;
}

/** A served engine, a browser and one console page: what every e2e suite starts with. */
export interface ConsoleSession {
  readonly served: Served;
  readonly page: Page;
  /** Closes the browser, then stops the engine. */
  close(): Promise<void>;
}

/**
 * Starts `sluice serve` and Chromium and opens a console page that records console and page
 * errors into `errors` (asserted empty by each suite at its end). Creates the screenshot folder.
 */
export async function openConsole(errors: string[]): Promise<ConsoleSession> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const served = await startServe();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await openConsolePage(browser, errors);
    const b = browser;
    return {
      served,
      page,
      close: async () => {
        await b.close();
        await served.stop();
      },
    };
  } catch (e) {
    await browser?.close();
    await served.stop();
    throw e;
  }
}

/** One call over the console's WebSocket API (what the page does), to drive and cross-check a view. */
export async function callApi(served: Served, method: string, params: unknown): Promise<unknown> {
  const ws = new WebSocket(`ws://127.0.0.1:${served.port}/api?token=${encodeURIComponent(served.token)}`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return await new Promise<unknown>((resolve, reject) => {
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString()) as { id?: number; ok?: boolean; result?: unknown; error?: { message: string } };
        if (m.id !== 1) return;
        if (m.ok === true) resolve(m.result);
        else reject(new Error(m.error?.message ?? 'call failed'));
      });
      ws.send(JSON.stringify({ id: 1, method, params }));
    });
  } finally {
    ws.close();
  }
}
