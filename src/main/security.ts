/**
 * Every window's security settings and guards, in one place (Electron's security checklist:
 * context isolation, sandbox, no Node integration, strict CSP, navigation and new windows
 * denied, permissions denied, webviews refused, content from our own `app://` origin only).
 */
import type { Session, WebContents, WebPreferences } from 'electron';

/** The custom protocol the renderer is served from (instead of file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'sluice';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // ECharts and Vue write inline style attributes; no inline or eval'd script is allowed.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  spellcheck: false,
  navigateOnDragDrop: false,
} as const satisfies WebPreferences;

export function secureWebPreferences(preload: string): WebPreferences {
  return { ...SECURE_WEB_PREFERENCES, preload };
}

/** Origins the renderer may be loaded from: our protocol, plus the dev server in `npm run dev`. */
export function allowedOrigins(devServerUrl: string | undefined): string[] {
  const out = [APP_ORIGIN];
  if (devServerUrl !== undefined) {
    try {
      out.push(new URL(devServerUrl).origin);
    } catch {
      /* a malformed dev URL allows nothing extra */
    }
  }
  return out;
}

/** Parses `url` with a real URL parser and compares origins exactly (never startsWith). */
export function isAllowedUrl(url: string, origins: readonly string[]): boolean {
  try {
    const u = new URL(url);
    const origin = u.protocol === `${APP_SCHEME}:` ? `${u.protocol}//${u.host}` : u.origin;
    return origins.includes(origin);
  } catch {
    return false;
  }
}

/** Denies new windows, navigation away from our origin, webviews, and every permission request. */
export function hardenWebContents(wc: WebContents, origins: readonly string[]): void {
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  wc.on('will-navigate', (e, url) => {
    if (!isAllowedUrl(url, origins)) e.preventDefault();
  });
  wc.on('will-redirect', (e, url) => {
    if (!isAllowedUrl(url, origins)) e.preventDefault();
  });
  wc.on('will-attach-webview', (e) => e.preventDefault());
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
