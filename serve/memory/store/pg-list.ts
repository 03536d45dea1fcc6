import type { Knex } from 'knex';
import { validateListOptions } from './list';
import { RECORD_COLUMNS, applyFilter, rowToMemory, type MemoryRow } from './pg-sql';
import type { ListOptions, MemoryFilter, StoredMemory } from './types';
import { validateFilter } from './validate';

/**
 * The filter's memories newest first, by keyset on (created_at, id) (the (user_id, created_at) index
 * serves it). created_at is written from JS Dates, so the millisecond cursor is exact. Ids compare
 * with "C" collation so the order matches the cursor's code-unit comparison everywhere.
 */
export async function pgList(knex: Knex, table: string, filter: MemoryFilter, opts: ListOptions): Promise<StoredMemory[]> {
  validateFilter(filter);
  validateListOptions(opts);
  const qb = applyFilter(knex(table).select(...RECORD_COLUMNS), filter)
    .orderBy('created_at', 'desc')
    .orderByRaw('id collate "C" desc')
    .limit(opts.limit);
  if (opts.after) qb.whereRaw('(created_at, id collate "C") < (?::timestamptz, ? collate "C")', [opts.after.createdAt.toISOString(), opts.after.id]);
  const rows = (await qb) as MemoryRow[];
  return rows.map(rowToMemory);
}
