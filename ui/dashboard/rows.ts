/** Per-case rows: the columns they hold, a text search, an ok/error filter and a sort, all pure. */
import { formatNumber } from '../../eval/report/format';
import type { Report } from './data';

export type Row = Report['rows'][number];

export interface RowQuery {
  search: string;
  status: 'all' | 'ok' | 'error';
  sortBy: string;
  descending: boolean;
}

/** Every key of the rows, `case` first and `error` second when present, then in first-seen order. */
export function rowColumns(rows: readonly Row[]): string[] {
  const seen = new Set<string>(['case']);
  let hasError = false;
  for (const r of rows) {
    for (const k in r) {
      if (k === 'error') hasError = true;
      else seen.add(k);
    }
  }
  const cols = [...seen];
  if (hasError) cols.splice(1, 0, 'error');
  return cols;
}

export function cellText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function haystack(r: Row): string {
  let s = '';
  for (const k in r) {
    const v = r[k];
    if (typeof v === 'string') s += `${v}\n`;
    else if (typeof v === 'number') s += `${v}\n`;
  }
  return s.toLowerCase();
}

/** The rows matching the query, sorted (numbers before text, missing values last). */
export function queryRows(rows: readonly Row[], q: RowQuery): Row[] {
  const needle = q.search.trim().toLowerCase();
  let out = rows.filter((r) => (q.status === 'all' ? true : q.status === 'error' ? r.error !== undefined : r.error === undefined));
  if (needle) out = out.filter((r) => haystack(r).includes(needle));
  if (q.sortBy) out = sortRows(out, (r) => r[q.sortBy], q.descending);
  return out;
}

export function sortRows<T>(rows: T[], key: (r: T) => unknown, descending: boolean): T[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const xm = x === undefined || x === null || (typeof x === 'number' && Number.isNaN(x));
    const ym = y === undefined || y === null || (typeof y === 'number' && Number.isNaN(y));
    if (xm || ym) return xm === ym ? 0 : xm ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return sign * String(x).localeCompare(String(y));
  });
}
