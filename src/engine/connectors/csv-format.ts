/**
 * Writing records as CSV lines (RFC 4180 quoting, comma-separated, `\n` line ends).
 * A CSV file has one fixed set of columns; values of fields outside it are not written.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type { Rec } from '../core/types.js';

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ',') + cell(values[i]);
  // A one-column row with an empty value would be an empty line, which readers skip.
  return (out === '' ? '""' : out) + '\n';
}

/** The rows of `records` in `columns` order (a missing field is an empty cell). */
export function csvRows(records: readonly Rec[], columns: readonly string[]): string {
  let out = '';
  const values = new Array<unknown>(columns.length);
  for (const rec of records) {
    for (let c = 0; c < columns.length; c++) values[c] = rec[columns[c] as string];
    out += csvLine(values);
  }
  return out;
}

/** Parses one header line into column names. */
export function parseCsvHeader(line: string): string[] {
  const rows = parseCsv(line, { relax_column_count: true }) as string[][];
  return rows[0] ?? [];
}

/** Parses CSV text into rows of cells (strings, exactly as written). */
export function parseCsvRows(text: string): string[][] {
  return parseCsv(text, { relax_column_count: true }) as string[][];
}
