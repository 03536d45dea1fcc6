import { ValidationError } from '../../errors';

/** A timestamp as stored or given: drivers return Date; callers may pass Date or ISO strings. */
export type DbTime = Date | string;

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. null on the last page. */
  nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that are not UUIDs can't match any row; checking first avoids a driver error (22P02). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A UTC timestamp `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` naming a real instant PostgreSQL accepts (years 1-9999,
 * no Feb 30 or hour 25), so a well-formed but impossible value is a 400, not a driver error.
 */
export function isRealTimestamp(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?Z$/.exec(value);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 1 || h > 23 || mi > 59 || s > 59) return false;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0-99 to 1900-1999
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export function toIso(value: DbTime): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** pg returns int8/bigserial/sum()/count() as strings, PGlite as numbers: always hand out numbers. */
export function toNum(value: number | string | bigint): number {
  return Number(value);
}

export function toNumOrNull(value: number | string | bigint | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** Copy of `obj` without its undefined values (so the column default or old value applies). */
export function defined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function clampLimit(limit: number, max = 1000): number {
  if (!Number.isFinite(limit)) return max;
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** Decode a cursor made by encodeCursor, or throw a 400 ValidationError. */
export function decodeCursor<T>(cursor: string, check: (parts: unknown[]) => T | null): T {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = null;
  }
  const value = Array.isArray(parts) ? check(parts) : null;
  if (value === null) throw new ValidationError('invalid cursor: pass back a nextCursor value unchanged', { cursor }, 'invalid_cursor');
  return value;
}

/** Split `rows` (fetched with limit + 1) into a page, making the cursor from the last item kept. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, cursorOf: (row: R) => string): Page<T> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
