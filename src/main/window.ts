/**
 * The app's only window. Every BrowserWindow is created here, with
 * {@link secureWebPreferences}; `window.test.ts` asserts it.
 */
import { BrowserWindow } from 'electron';
import { allowedOrigins, APP_ORIGIN, hardenWebContents, secureWebPreferences } from './security.js';

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
