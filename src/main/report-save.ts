/**
 * The desktop app's `saveDrillReport`: a save dialog, then the run's report written where
 * the user chose. HTML, JSON and Markdown come from the engine's report builders; PDF is
 * the HTML report printed by Electron itself (printToPDF in a hidden, script-less window),
 * so the app needs no separate Chromium.
 */
import { dialog, type BrowserWindow } from 'electron';
import { writeFile } from 'node:fs/promises';
import type { Params, Result } from '../shared/api.js';
import type { EngineService } from '../engine/service/index.js';
import { createReportPrintWindow } from './window.js';

const FILTERS: Record<Params<'saveDrillReport'>['format'], { name: string; extensions: string[] }> = {
  html: { name: 'HTML report', extensions: ['html'] },
  json: { name: 'JSON report (sluice.drill-report/1)', extensions: ['json'] },
  markdown: { name: 'Markdown summary', extensions: ['md'] },
  pdf: { name: 'PDF report', extensions: ['pdf'] },
};

async function printToPdf(html: Buffer): Promise<Buffer> {
  const win = createReportPrintWindow();
  try {
    await win.loadURL(`data:text/html;charset=utf-8;base64,${html.toString('base64')}`);
    return await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
  } finally {
    win.destroy();
  }
}

export async function saveDrillReport(service: EngineService, parent: BrowserWindow | null, p: Params<'saveDrillReport'>): Promise<Result<'saveDrillReport'>> {
  // Rendered first: an unknown run fails before a dialog opens.
  const source = await service.drillReportFile(p.runId, p.format === 'pdf' ? 'html' : p.format);
  const fileName = p.format === 'pdf' ? source.fileName.replace(/\.html$/, '.pdf') : source.fileName;
  const options = { title: 'Save drill report', defaultPath: fileName, filters: [FILTERS[p.format]] };
  const choice = parent === null ? await dialog.showSaveDialog(options) : await dialog.showSaveDialog(parent, options);
  if (choice.canceled || choice.filePath === undefined || choice.filePath === '') return { path: null };
  const body = p.format === 'pdf' ? await printToPdf(source.body) : source.body;
  await writeFile(choice.filePath, body);
  return { path: choice.filePath.slice(0, 4096) };
}
