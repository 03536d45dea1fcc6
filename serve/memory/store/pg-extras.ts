import type { Knex } from 'knex';
import { bm25TopCte, type Bm25Params } from './pg-bm25';
import { RECORD_COLUMNS, rowToMemory, type MemoryRow, type VectorEncoding } from './pg-sql';
import { PGVECTOR_TYPE, type VectorType } from './pg-vector-type';
import type { SearchHit, SearchOptions } from './types';
import { validateFilter } from './validate';

/**
 * BM25 full-text search over memory texts (the lexical half of hybrid retrieval; pg-bm25.ts), in
 * BM25 order. `lexicalScore` is the BM25 score; `score` stays the cosine to the query vector, so
 * ranking thresholds keep one meaning. Vectors are read for the k hits only.
 */
export async function pgTextSearch(
  knex: Knex,
  table: string,
  encoding: VectorEncoding,
  query: string,
  vector: Float32Array | null,
  opts: SearchOptions,
  params: Bm25Params,
  vectorType: VectorType = PGVECTOR_TYPE,
): Promise<SearchHit[]> {
  validateFilter(opts.filter);
  if (!Number.isInteger(opts.k) || opts.k < 1) throw new Error(`search k must be a positive integer, got ${opts.k}`);
  const top = bm25TopCte({ table, query, filter: opts.filter, k: opts.k, params });
  const columns = RECORD_COLUMNS.map((c) => `m.${c}`).join(', ');
  const sql = `${top.sql}
    select ${columns}, top.bm25 as lexical${vector ? `, ${vectorType.distance('m.embedding')} as distance` : ''}${opts.withVectors ? ', m.embedding::text as embedding_text' : ''}
      from top join ?? m on m.id = top.memory_id
     order by top.bm25 desc, m.id`;
  const res = (await knex.raw(sql, [...top.bindings, ...(vector ? [vectorType.literal(vector, encoding)] : []), table])) as { rows: (MemoryRow & { lexical: number | string })[] };
  return res.rows.map((row) => ({
    record: rowToMemory(row),
    score: vector ? 1 - Number(row.distance) : 0,
    lexicalScore: Number(row.lexical),
    ...(opts.withVectors && row.embedding_text ? { vector: vectorType.parse(row.embedding_text) } : {}),
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
