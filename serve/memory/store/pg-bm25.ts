/**
 * BM25 ranking in SQL over the statistics of pg-bm25-schema.ts, within one user:
 *   score(d) = Σ_{t ∈ terms(query)} idf(t) · tf·(k1 + 1) / (tf + k1·(1 − b + b·len(d)/avglen))
 *   idf(t)   = ln(1 + (N − df + 0.5) / (df + 0.5))          (Lucene's, never negative)
 * N, avglen and df are over all the user's memories; session/time filters only choose which
 * memories are returned. Each distinct query term counts once. The query reads the postings of
 * its terms only (primary key (user_id, term, memory_id)), never the user's other memories.
 */
import type { Knex } from 'knex';
import { BM25_TEXT_CONFIG, bm25Names } from './pg-bm25-schema';
import type { MemoryFilter } from './types';

export interface Bm25Params {
  /** Term-frequency saturation (Lucene and Elasticsearch default 1.2). */
  k1: number;
  /** Length normalisation, 0 = none, 1 = full (default 0.75). */
  b: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

export function checkBm25Params(p: Bm25Params): Bm25Params {
  if (!(Number.isFinite(p.k1) && p.k1 >= 0)) throw new Error(`BM25 k1 must be a finite number ≥ 0, got ${p.k1}`);
  if (!(Number.isFinite(p.b) && p.b >= 0 && p.b <= 1)) throw new Error(`BM25 b must be in [0, 1], got ${p.b}`);
  return p;
}

export interface Bm25Query {
  table: string;
  query: string;
  filter: MemoryFilter;
  k: number;
  params: Bm25Params;
}

/**
 * `with …, top as (memory_id, bm25)`: the k best memories of the filter, best first (ties by id).
 * The caller appends the final select (joining `top` to the memories table as needed).
 */
export function bm25TopCte(q: Bm25Query): { sql: string; bindings: Knex.RawBinding[] } {
  const n = bm25Names(q.table);
  const { k1, b } = q.params;
  const { userId, sessionId, from, to } = q.filter;
  const conditions: string[] = [];
  const filterBindings: Knex.RawBinding[] = [];
  if (sessionId !== undefined) {
    conditions.push('m.session_id = ?');
    filterBindings.push(sessionId);
  }
  if (from !== undefined) {
    conditions.push('m.created_at >= ?');
    filterBindings.push(from);
  }
  if (to !== undefined) {
    conditions.push('m.created_at <= ?');
    filterBindings.push(to);
  }
  // Without a session/time filter every posting's memory qualifies: no join to the memories table.
  const pick =
    conditions.length === 0
      ? { sql: 'select s.memory_id, s.bm25 from scored s', bindings: [] as Knex.RawBinding[] }
      : {
          sql: `select s.memory_id, s.bm25 from scored s join ?? m on m.id = s.memory_id where m.user_id = ? and ${conditions.join(' and ')}`,
          bindings: [q.table, userId, ...filterBindings],
        };
  // df = the number of postings of the term (one per memory), counted over the same index-only scan.
  const sql = `with st as (
      select docs::float8 as n, total_len::float8 / docs as avglen from ?? where user_id = ? and docs > 0
    ),
    hits as (
      select p.memory_id, p.tf, p.doc_len, (count(*) over (partition by p.term))::float8 as df from ?? p
       where p.user_id = ? and p.term = any (tsvector_to_array(to_tsvector('${BM25_TEXT_CONFIG}', ?::text)))
    ),
    scored as (
      select h.memory_id,
             sum(ln(1 + (st.n - h.df + 0.5) / (h.df + 0.5)) * h.tf * (?::float8 + 1)
                 / (h.tf + ?::float8 * (1 - ?::float8 + ?::float8 * h.doc_len / st.avglen))) as bm25
        from hits h cross join st
       group by h.memory_id
    ),
    top as (${pick.sql} order by s.bm25 desc, s.memory_id limit ?)`;
  return { sql, bindings: [n.users, userId, n.postings, userId, q.query, k1, k1, b, b, ...pick.bindings, q.k] };
}

/** The k best memory ids of the filter with their BM25 scores, best first. */
export async function pgBm25Scores(knex: Knex, q: Bm25Query): Promise<{ id: string; bm25: number }[]> {
  const top = bm25TopCte(q);
  const res = (await knex.raw(`${top.sql} select memory_id as id, bm25 from top order by bm25 desc, memory_id`, top.bindings)) as {
    rows: { id: string; bm25: number | string }[];
  };
  return res.rows.map((r) => ({ id: r.id, bm25: Number(r.bm25) }));
}
