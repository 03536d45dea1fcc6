import type { Knex } from 'knex';
import { RECORD_COLUMNS, rowToMemory, type MemoryRow } from './pg-sql';
import type { StoredMemory } from './types';
import { validateIdsFilter } from './validate';

export interface Neighbours {
  before: StoredMemory[];
  after: StoredMemory[];
}

/**
 * The `n` memories just before and just after each given memory in its own session (by created_at,
 * then id), nearest first. Memories without a session have none. One query, through the
 * (user_id, session_id) index; a session's memories are sorted in memory.
 */
export async function pgNeighbours(knex: Knex, table: string, userId: string, ids: string[], n: number): Promise<Map<string, Neighbours>> {
  validateIdsFilter({ ids, userId });
  const out = new Map<string, Neighbours>();
  if (ids.length === 0 || n < 1) return out;
  const cols = RECORD_COLUMNS.map((c) => `m.${c}`).join(', ');
  const side = (dir: 'before' | 'after') =>
    `(select '${dir}' as dir, ${cols} from ?? m
       where m.user_id = h.user_id and m.session_id = h.session_id
         and (m.created_at, m.id) ${dir === 'before' ? '<' : '>'} (h.created_at, h.id)
       order by m.created_at ${dir === 'before' ? 'desc' : 'asc'}, m.id ${dir === 'before' ? 'desc' : 'asc'} limit ?)`;
  const res = (await knex.raw(
    `with h as (select id, user_id, session_id, created_at from ?? where user_id = ? and session_id is not null and id in (${ids.map(() => '?').join(', ')}))
     select h.id as hit_id, x.* from h cross join lateral (${side('before')} union all ${side('after')}) x`,
    [table, userId, ...ids, table, n, table, n],
  )) as { rows: (MemoryRow & { hit_id: string; dir: 'before' | 'after' })[] };
  for (const row of res.rows) {
    const entry = out.get(row.hit_id) ?? { before: [], after: [] };
    entry[row.dir].push(rowToMemory(row));
    out.set(row.hit_id, entry);
  }
  return out;
}
