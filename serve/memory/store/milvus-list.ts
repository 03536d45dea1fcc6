import { isAfter, newestFirst, validateListOptions } from './list';
import { milvusEpochMs, milvusFilter } from './milvus-filter';
import { toStored, type MilvusRow } from './milvus-rows';
import { OUTPUT_FIELDS } from './milvus-schema';
import type { ListOptions, MemoryFilter, StoredMemory } from './types';
import { validateFilter } from './validate';

type Query = (filter: string, fields: readonly string[], limit?: number) => Promise<MilvusRow[]>;

/**
 * `list` on Milvus, whose query cannot order: fetch the ids and dates of the filter's records up to
 * the cursor (at most `window` of them), sort them here, then read the page's full rows.
 * A filter matching `window` records or more is refused (documented in store/README.md).
 */
export async function milvusList(query: Query, filter: MemoryFilter, opts: ListOptions, window: number): Promise<StoredMemory[]> {
  validateFilter(filter);
  validateListOptions(opts);
  const base = milvusFilter(filter);
  const expr = opts.after ? `${base} && created_at <= ${milvusEpochMs(opts.after.createdAt)}` : base;
  const keys = await query(expr, ['id', 'created_at'], window);
  if (keys.length >= window) throw new Error(`listing memories on Milvus is limited to ${window} records per filter: narrow it (sessionId) or delete old ones`);
  const page = keys
    .map((r) => ({ id: r.id, createdAt: new Date(Number(r.created_at)) }))
    .filter((k) => isAfter(k, opts.after))
    .sort(newestFirst)
    .slice(0, opts.limit);
  if (page.length === 0) return [];
  const rows = await query(milvusFilter({ userId: filter.userId, ids: page.map((k) => k.id) }), OUTPUT_FIELDS);
  return rows.map(toStored).sort(newestFirst);
}
