/**
 * Electron main: one window (single-instance lock), the engine service on the app data
 * folder, the console API over checked IPC, OS notifications for failures, and a graceful
 * shutdown that cancels running jobs before the app exits.
 */
import { app, BrowserWindow, Menu, Notification, safeStorage, session } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineService, findResourcesDir } from '../engine/service/index.js';
import { registerAppScheme, serveRenderer } from './app-protocol.js';
import { API_METHODS, type ConsoleApi } from '../shared/api.js';
import { forwardEvents, registerApi } from './ipc.js';
import { electronWorkerLauncher } from './launcher.js';
import { buildMenu } from './menu.js';
import { saveDrillReport } from './report-save.js';
import { allowedOrigins, hardenSession } from './security.js';
import { createMainWindow } from './window.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let service: EngineService | null = null;
  let shuttingDown = false;
  const windows = new Set<number>();

  app.on('second-instance', () => {
    if (win !== null) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  const open = (): void => {
    win = createMainWindow({ preload: path.join(here, '../preload/index.cjs'), ...(devServerUrl ? { devServerUrl } : {}) });
    const id = win.webContents.id;
    windows.add(id);
    win.on('closed', () => {
      windows.delete(id);
      win = null;
    });
  };

  void app.whenReady().then(() => {
    const appRoot = app.getAppPath();
    const resources = app.isPackaged ? process.resourcesPath : findResourcesDir(appRoot);
    const dataDir = app.getPath('userData');
    service = new EngineService({
      dataDir,
      examplesDir: resources === null ? null : path.join(resources, 'examples'),
      launcher: electronWorkerLauncher(path.join(appRoot, 'dist', 'engine', 'runtime', 'worker-main.js')),
      // Kafka passwords are saved only encrypted by the OS keychain.
      secrets: {
        available: () => safeStorage.isEncryptionAvailable(),
        encrypt: (plain) => safeStorage.encryptString(plain).toString('base64'),
        decrypt: (cipher) => safeStorage.decryptString(Buffer.from(cipher, 'base64')),
      },
    });
    hardenSession(session.defaultSession);
    serveRenderer(path.join(here, '../renderer'));
    const origins = allowedOrigins(devServerUrl);
    const engine = service;
    // The engine's calls, except the one that needs a desktop dialog (the engine refuses it in browser mode).
    const desktop: ConsoleApi = Object.fromEntries(API_METHODS.map((m) => [m, (p: never) => (engine[m] as (p: never) => Promise<unknown>).call(engine, p)])) as ConsoleApi;
    desktop.saveDrillReport = (p) => saveDrillReport(engine, win, p);
    registerApi(desktop, origins, windows, (why) => console.warn(why));
    forwardEvents((l) => service!.subscribe(l), () => win?.webContents ?? null);
    service.subscribe((e) => {
      if (e.event === 'notification' && e.data.level !== 'info' && Notification.isSupported()) {
        new Notification({ title: e.data.title, body: e.data.body }).show();
      }
    });
    Menu.setApplicationMenu(buildMenu(dataDir, !app.isPackaged));
    open();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Graceful shutdown: cancel running jobs (workers stopped, committed output kept), then exit.
  app.on('before-quit', (e) => {
    if (service === null || shuttingDown) return;
    e.preventDefault();
    shuttingDown = true;
    void service.close().finally(() => {
      service = null;
      app.quit();
    });
  });
}
