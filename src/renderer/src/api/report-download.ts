/**
 * Exporting a drill run's report. Desktop app: main shows a save dialog (`saveDrillReport`).
 * Browser mode: the report is fetched from the server's token-checked route
 * `/drill-reports/<runId>.<ext>` and handed to the browser as a download, so an error
 * (unknown run, no Chromium for PDF) is shown as the server's message instead of a broken
 * download.
 */
import type { DrillReportFormat } from '../../../shared/api';
import { api } from './client';

const EXTENSION: Record<DrillReportFormat, string> = { html: 'html', json: 'json', markdown: 'md', pdf: 'pdf' };

export const isDesktop = (): boolean => window.sluice !== undefined;

/** Where browser mode serves a run's report (same origin; the token travels as a header). */
export const reportPath = (runId: string, format: DrillReportFormat): string => `/drill-reports/${encodeURIComponent(runId)}.${EXTENSION[format]}`;

function fileNameOf(disposition: string | null, fallback: string): string {
  const m = disposition === null ? null : /filename="([^"]+)"/.exec(disposition);
  return m?.[1] ?? fallback;
}

/** Saves or downloads the report; resolves to what the user sees as the result (a path or a file name), or null when cancelled. */
export async function exportReport(runId: string, format: DrillReportFormat): Promise<string | null> {
  if (isDesktop()) return (await api.saveDrillReport({ runId, format })).path;
  const token = new URLSearchParams(location.search).get('token');
  const res = await fetch(reportPath(runId, format), { credentials: 'same-origin', headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${format.toUpperCase()} report not exported: ${(await res.text()).trim() || `HTTP ${res.status}`}`);
  const name = fileNameOf(res.headers.get('content-disposition'), `drill-${runId}.${EXTENSION[format]}`);
  const url = URL.createObjectURL(await res.blob());
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    // The click hands the blob to the browser's download, which reads it asynchronously.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
  return name;
}
