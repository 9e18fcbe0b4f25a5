/**
 * `GET /drill-reports/<runId>.<html|json|md|pdf>`: a past drill run's report as a download,
 * rendered by the engine's report builders (the same files `sluice drill --report/--json/
 * --markdown/--pdf` writes). Reached only through the server's token check; the answer is
 * an attachment, never rendered in the console's origin.
 */
import type http from 'node:http';
import { ApiError, DRILL_REPORT_FORMATS, type DrillReportFormat } from '../../shared/api.js';
import type { EngineService } from '../service/engine-service.js';

export const REPORT_PREFIX = '/drill-reports/';
const ROUTE = /^\/drill-reports\/([A-Za-z0-9_-]{1,64})\.(html|json|md|pdf)$/;
const BY_EXTENSION: Record<string, DrillReportFormat> = { html: 'html', json: 'json', md: 'markdown', pdf: 'pdf' };

/** The run and format a report URL names, or an explanation of what is wrong with it. */
export function parseReportPath(pathname: string): { runId: string; format: DrillReportFormat } | { error: string } {
  const m = ROUTE.exec(pathname);
  const format = m === null ? undefined : BY_EXTENSION[m[2]!];
  if (m === null || format === undefined || !DRILL_REPORT_FORMATS.includes(format)) {
    return { error: `a report is at ${REPORT_PREFIX}<runId>.<html|json|md|pdf> (run ids are letters, digits, _ or -), not ${pathname.slice(0, 200)}` };
  }
  return { runId: m[1]!, format };
}

const STATUS: Record<string, number> = { NOT_FOUND: 404, BAD_REQUEST: 400, ILLEGAL_STATE: 503 };

export async function serveReport(service: EngineService, pathname: string, req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>): Promise<void> {
  const text = (code: number, msg: string): void => {
    res.writeHead(code, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end(msg + '\n');
  };
  const target = parseReportPath(pathname);
  if ('error' in target) return text(404, target.error);
  try {
    const file = await service.drillReportFile(target.runId, target.format);
    res.writeHead(200, {
      ...headers,
      'content-type': file.contentType,
      'content-length': String(file.body.length),
      'content-disposition': `attachment; filename="${file.fileName}"`,
      // Opened by mistake instead of saved, the report still runs nothing (it has no script).
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  } catch (e) {
    const a = e instanceof ApiError ? e : new ApiError('INTERNAL', e instanceof Error ? e.message : String(e));
    text(STATUS[a.code] ?? 500, a.message);
  }
}
