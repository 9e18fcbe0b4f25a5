/**
 * Every window the app creates has the secure webPreferences and the navigation guards.
 * Electron's binary is not available in CI, so `electron` is replaced by a recorder of
 * what the main process asks it to do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Handler = (...args: unknown[]) => unknown;
const created: { options: Record<string, unknown>; handlers: Map<string, Handler>; openHandler: Handler | null; loaded: string | null }[] = [];

vi.mock('electron', () => {
  class BrowserWindow {
    readonly rec: (typeof created)[number];
    readonly webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      this.rec = { options, handlers: new Map(), openHandler: null, loaded: null };
      created.push(this.rec);
      const rec = this.rec;
      this.webContents = {
        id: created.length,
        setWindowOpenHandler: (h: Handler) => (rec.openHandler = h),
        on: (ev: string, h: Handler) => rec.handlers.set(ev, h),
      };
    }
    once(): void {}
    loadURL(u: string): Promise<void> {
      this.rec.loaded = u;
      return Promise.resolve();
    }
  }
  return { BrowserWindow };
});

const { createMainWindow, createReportPrintWindow } = await import('./window.js');
const { isAllowedUrl, SECURE_WEB_PREFERENCES } = await import('./security.js');

describe('windows', () => {
  beforeEach(() => {
    created.length = 0;
  });

  it('creates every window with context isolation, sandbox, no Node integration and web security', () => {
    createMainWindow({ preload: '/app/out/preload/index.cjs' });
    createMainWindow({ preload: '/app/out/preload/index.cjs', devServerUrl: 'http://localhost:5173' });
    expect(created).toHaveLength(2);
    for (const w of created) {
      const wp = w.options['webPreferences'] as Record<string, unknown>;
      expect(wp).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        preload: '/app/out/preload/index.cjs',
      });
      expect(wp).not.toHaveProperty('enableBlinkFeatures');
      expect(wp).not.toHaveProperty('additionalArguments');
    }
    expect(created[0]!.loaded).toBe('app://sluice/index.html');
  });

  it('denies new windows, navigation to other origins, and webviews', () => {
    createMainWindow({ preload: 'p' });
    const w = created[0]!;
    expect(w.openHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    const nav = (ev: string, url: string): boolean => {
      let prevented = false;
      w.handlers.get(ev)!({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(nav('will-navigate', 'https://example.com/')).toBe(true);
    expect(nav('will-navigate', 'app://sluice.attacker.com/')).toBe(true);
    expect(nav('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(nav('will-navigate', 'app://sluice/index.html#/jobs')).toBe(false);
    expect(nav('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
    expect(nav('will-attach-webview', 'about:blank')).toBe(true);
  });

  it('creates the PDF print window hidden, sandboxed, without a preload or JavaScript, and denying all navigation', () => {
    createReportPrintWindow();
    const w = created[0]!;
    expect(w.options['show']).toBe(false);
    const wp = w.options['webPreferences'] as Record<string, unknown>;
    expect(wp).toMatchObject({ ...SECURE_WEB_PREFERENCES, javascript: false });
    expect(wp).not.toHaveProperty('preload');
    expect(w.openHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    let prevented = false;
    w.handlers.get('will-navigate')!({ preventDefault: () => (prevented = true) }, 'app://sluice/index.html');
    expect(prevented).toBe(true);
  });

  it('compares origins with a URL parser, not a prefix', () => {
    expect(isAllowedUrl('app://sluice/x', ['app://sluice'])).toBe(true);
    expect(isAllowedUrl('app://sluicex/x', ['app://sluice'])).toBe(false);
    expect(isAllowedUrl('http://localhost:5173.evil.com/', ['http://localhost:5173'])).toBe(false);
    expect(isAllowedUrl('not a url', ['app://sluice'])).toBe(false);
  });

  it('creates windows only in window.ts (so the assertions above cover every window)', () => {
    const dir = path.dirname(new URL(import.meta.url).pathname);
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const src = readFileSync(path.join(dir, f), 'utf8');
      if (f !== 'window.ts') expect(src, f).not.toMatch(/new BrowserWindow\(|new BrowserView\(|new WebContentsView\(/);
    }
    expect(SECURE_WEB_PREFERENCES.sandbox).toBe(true);
  });
});
