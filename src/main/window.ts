/**
 * The app's windows: the console, and a hidden one that prints drill reports to PDF.
 * Every BrowserWindow is created here, with {@link secureWebPreferences}; `window.test.ts`
 * asserts it.
 */
import { BrowserWindow } from 'electron';
import { allowedOrigins, APP_ORIGIN, hardenWebContents, SECURE_WEB_PREFERENCES, secureWebPreferences } from './security.js';

export interface WindowOptions {
  readonly preload: string;
  /** `npm run dev`: electron-vite's dev server; otherwise the app:// protocol. */
  readonly devServerUrl?: string;
}

export function createMainWindow(o: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 900,
    minHeight: 600,
    title: 'Sluice',
    show: false,
    backgroundColor: '#0d1117',
    webPreferences: secureWebPreferences(o.preload),
  });
  hardenWebContents(win.webContents, allowedOrigins(o.devServerUrl));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(o.devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return win;
}

/**
 * A hidden window that only renders one drill report (our own HTML, no script) so main can
 * `printToPDF` it: no preload, JavaScript off, every navigation and new window denied.
 * The caller loads the report and closes the window.
 */
export function createReportPrintWindow(): BrowserWindow {
  const win = new BrowserWindow({
    show: false,
    width: 1200,
    height: 1600,
    webPreferences: { ...SECURE_WEB_PREFERENCES, javascript: false },
  });
  hardenWebContents(win.webContents, []);
  return win;
}
