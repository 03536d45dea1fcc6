import type { ListOptions, StoredMemory } from './types';

/** Refuses a limit that is not a positive integer or an `after` that is not a valid Date and id. */
export function validateListOptions(opts: ListOptions): void {
  if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new Error(`list limit must be a positive integer, got ${opts.limit}`);
  const after = opts.after;
  if (after && (!(after.createdAt instanceof Date) || Number.isNaN(after.createdAt.getTime()) || typeof after.id !== 'string')) {
    throw new Error('list `after` needs a valid createdAt Date and a string id');
  }
}

/** The order of `list`: newest first, then id descending (code-unit order, as PostgreSQL's "C" collation and Milvus compare). */
export function newestFirst(a: Pick<StoredMemory, 'createdAt' | 'id'>, b: Pick<StoredMemory, 'createdAt' | 'id'>): number {
  const d = b.createdAt.getTime() - a.createdAt.getTime();
  if (d !== 0) return d;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** True when `m` comes after `after` in newest-first order. */
export function isAfter(m: Pick<StoredMemory, 'createdAt' | 'id'>, after: ListOptions['after']): boolean {
  return after === undefined || newestFirst(after, m) < 0;
}
