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
