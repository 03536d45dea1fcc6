import type { Knex } from 'knex';
import { applyFilter, RECORD_COLUMNS, rowToMemory, toVectorLiteral, type MemoryRow, type VectorEncoding } from './pg-sql';
import type { SearchHit, SearchOptions } from './types';
import { parseVectorText } from './pg-sql';
import { validateFilter } from './validate';

/**
 * PostgreSQL full-text search over memory texts (the lexical half of hybrid retrieval). Each hit's
 * score is still its cosine to the query vector, so ranking thresholds keep one meaning.
 */
export async function pgTextSearch(knex: Knex, table: string, encoding: VectorEncoding, query: string, vector: Float32Array, opts: SearchOptions): Promise<SearchHit[]> {
  validateFilter(opts.filter);
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return [];
  // OR of the query's words (plainto_tsquery would demand every word); the 'english' configuration drops
  // stop words and stems, so "is", "the", "to" no longer match every memory (measured: eval:retrieval hybrid).
  const tsquery = [...new Set(words)].map((w) => `'${w}'`).join(' | ');
  const qb = knex(table)
    .select(...RECORD_COLUMNS)
    .select(knex.raw('embedding <=> ?::vector as distance', [toVectorLiteral(vector, encoding)]))
    .select(knex.raw("ts_rank(to_tsvector('english', text), to_tsquery('english', ?)) as lexical", [tsquery]))
    .whereRaw("to_tsvector('english', text) @@ to_tsquery('english', ?)", [tsquery]);
  if (opts.withVectors) qb.select(knex.raw('embedding::text as embedding_text'));
  applyFilter(qb, opts.filter).orderBy('lexical', 'desc').limit(opts.k);
  const rows = (await qb) as MemoryRow[];
  return rows.map((row) => ({
    record: rowToMemory(row),
    score: 1 - Number(row.distance),
    ...(opts.withVectors && row.embedding_text ? { vector: parseVectorText(row.embedding_text) } : {}),
  }));
}

/** Keep a user's `keep` newest memories; delete the rest. Returns how many were deleted. */
export async function pgDeleteOldest(knex: Knex, table: string, userId: string, keep: number): Promise<number> {
  const res = (await knex.raw(
    `delete from ?? where user_id = ? and id in (
       select id from ?? where user_id = ? order by created_at desc, id desc offset ?
     ) returning id`,
    [table, userId, table, userId, keep],
  )) as { rows: unknown[] };
  return res.rows.length;
}
