/** rows.csv: one line per case row; header = the union of row keys in first-seen order. */
import { stringify } from 'csv-stringify/sync';
import type { Row } from './schema';

export function rowsToCsv(rows: readonly Row[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const k of Object.keys(row)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  if (columns.length === 0) columns.push('case');
  const records = rows.map((row) => columns.map((c) => cell(row[c])));
  return stringify(records, { header: true, columns, record_delimiter: 'unix' });
}

/** Scalars as text, null/undefined as an empty cell, anything nested as JSON. */
function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}
