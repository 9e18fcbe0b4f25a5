/** PDF from the HTML report with headless Chromium, when it is installed. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | null {
  const env = process.env['SLUICE_CHROMIUM'];
  if (env !== undefined && env !== '' && fs.existsSync(env)) return env;
  return CANDIDATES.find((c) => fs.existsSync(c)) ?? null;
}

function chromium(args: string[]): { ok: true } | { ok: false; reason: string } {
  const bin = findChromium();
  if (bin === null) return { ok: false, reason: `Chromium is not installed (looked for ${CANDIDATES.join(', ')}; set SLUICE_CHROMIUM)` };
  const r = spawnSync(bin, ['--headless', '--no-sandbox', '--disable-gpu', ...args], { timeout: 60_000, encoding: 'utf8' });
  if (r.error) return { ok: false, reason: `${bin}: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: `${bin} exited with ${r.status}: ${(r.stderr ?? '').split('\n').slice(-3).join(' ')}` };
  return { ok: true };
}

export function printPdf(htmlFile: string, pdfFile: string): { ok: true } | { ok: false; reason: string } {
  const r = chromium([`--print-to-pdf=${path.resolve(pdfFile)}`, '--no-pdf-header-footer', pathToFileURL(path.resolve(htmlFile)).href]);
  if (r.ok && !fs.existsSync(pdfFile)) return { ok: false, reason: 'Chromium ran but wrote no PDF' };
  return r;
}

export function screenshot(htmlFile: string, pngFile: string, size = '1200,1600'): { ok: true } | { ok: false; reason: string } {
  return chromium([`--screenshot=${path.resolve(pngFile)}`, `--window-size=${size}`, '--hide-scrollbars', pathToFileURL(path.resolve(htmlFile)).href]);
}
