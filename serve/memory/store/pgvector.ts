/**
 * VectorStore in the chat database (embedded PGlite, the default, or PostgreSQL): on pgvector
 * (cosine distance `<=>`), or as `real[]` with the cosine in SQL (pgarray, no extension needed).
 * Score = 1 - distance. Filters use bindings only.
 */
import type { Knex } from 'knex';
import { chunks } from '../../embeddings/normalise';
import { checkInt, ensureExtension, ensureTable, type HnswParams } from './pg-schema';
import {
  RECORD_COLUMNS,
  applyFilter,
  checkTableName,
  rowToMemory,
  type MemoryRow,
  type VectorEncoding,
} from './pg-sql';
import { PGARRAY_TYPE, PGVECTOR_TYPE, type VectorType } from './pg-vector-type';
import type { MemoryFilter, MemoryIdsFilter, MemoryRecord, SearchHit, SearchOptions, VectorStore } from './types';
import {
  foreignIdError,
  isIdsFilter,
  prepareRecords,
  validateCountFilter,
  validateFilter,
  validateIdsFilter,
  validateVector,
} from './validate';
import { pgDeleteOldest, pgTextSearch } from './pg-extras';
import { pgList } from './pg-list';
import { pgNeighbours } from './pg-neighbours';
import { checkBm25Params, DEFAULT_BM25, type Bm25Params } from './pg-bm25';
import { ensureBm25, vacuumBm25 } from './pg-bm25-schema';

export interface PgvectorIndexOptions {
  type: 'exact' | 'hnsw';
  /** HNSW graph degree (default 16). */
  m?: number;
  /** HNSW build beam width (default 64). */
  efConstruction?: number;
  /** HNSW search beam width (default 40, pgvector's). Raise for recall, lower for speed. */
  efSearch?: number;
  /** maintenance_work_mem while building the index, e.g. '256MB'. */
  maintenanceWorkMem?: string;
  /**
   * Always walk the HNSW graph. By default the planner may prefer the user_id index plus an exact
   * sort when a user has few memories (usually the right call); benchmarks force the graph to measure it.
   */
  forceIndex?: boolean;
}

export interface PgvectorStoreOptions {
  knex: Knex;
  backend: 'pglite' | 'postgres';
  /** Default 'memories'. */
  table?: string;
  /** Default exact (no ANN index). */
  index?: PgvectorIndexOptions;
  /** PGlite has no autovacuum: ANALYZE after this many upserted rows so the planner knows the table (default 1000, 0 = never). */
  analyzeEvery?: number;
  /** textSearch's BM25 parameters (default k1 1.2, b 0.75). */
  bm25?: Bm25Params;
}

export type PgarrayStoreOptions = Omit<PgvectorStoreOptions, 'index'>;

export interface PgvectorStore extends VectorStore {
  readonly table: string;
  /** The pgvector version found by ensure(). */
  pgvectorVersion(): string | undefined;
}

const ROWS_PER_INSERT = 500;

export function createPgvectorStore(opts: PgvectorStoreOptions): PgvectorStore {
  return createSqlVectorStore(opts, PGVECTOR_TYPE);
}

/**
 * The same store without the pgvector extension: embeddings as `real[]`, cosine computed in SQL
 * over the filter's rows (exact, O(memories of the user); see README.md for its limits).
 */
export function createPgarrayStore(opts: PgarrayStoreOptions): PgvectorStore {
  return createSqlVectorStore({ ...opts, index: { type: 'exact' } }, PGARRAY_TYPE);
}

function createSqlVectorStore(opts: PgvectorStoreOptions, vectorType: VectorType): PgvectorStore {
  const { knex, backend } = opts;
  const pgvector = vectorType === PGVECTOR_TYPE;
  const table = checkTableName(opts.table ?? 'memories');
  const index = opts.index ?? { type: 'exact' };
  const hnsw: HnswParams | undefined =
    index.type === 'hnsw'
      ? {
          m: index.m ?? 16,
          efConstruction: index.efConstruction ?? 64,
          ...(index.maintenanceWorkMem ? { maintenanceWorkMem: index.maintenanceWorkMem } : {}),
        }
      : undefined;
  const efSearch = index.efSearch === undefined ? undefined : checkInt(index.efSearch, 'efSearch', 1, 1000);
  // Hex floats parse 3x faster in PGlite's WebAssembly strtof; native PostgreSQL gets plain decimals.
  const encoding: VectorEncoding = backend === 'pglite' ? 'hex' : 'decimal';
  const analyzeEvery = opts.analyzeEvery ?? (backend === 'pglite' ? 1000 : 0);
  const bm25 = checkBm25Params(opts.bm25 ?? DEFAULT_BM25);
  let dims: number | undefined;
  let version: string | undefined;
  let iterativeScan = false;
  let sinceAnalyze = 0;

  function dimensions(where: string): number {
    if (dims === undefined) throw new Error(`vector store ${table}: call ensure(dimensions) before ${where}`);
    return dims;
  }

  async function upsertChunk(trx: Knex.Transaction, rows: MemoryRecord[]): Promise<void> {
    const values = rows.map(() => `(?, ?, ?, ?::jsonb, ?, ?, ?, ${vectorType.param})`).join(', ');
    const bindings = rows.flatMap((r) => [
      r.id,
      r.userId,
      r.sessionId,
      JSON.stringify(r.messageIds),
      r.role,
      r.text,
      r.createdAt,
      vectorType.literal(r.vector, encoding),
    ]);
    const res = (await trx.raw(
      `insert into ?? (id, user_id, session_id, message_ids, role, text, created_at, embedding)
       values ${values}
       on conflict (id) do update set
         session_id = excluded.session_id, message_ids = excluded.message_ids, role = excluded.role,
         text = excluded.text, created_at = excluded.created_at, embedding = excluded.embedding
       where ??.user_id = excluded.user_id
       returning id`,
      [table, ...bindings, table],
    )) as { rows: { id: string }[] };
    if (res.rows.length !== rows.length) {
      const written = new Set(res.rows.map((r) => r.id));
      throw foreignIdError(rows.filter((r) => !written.has(r.id)).map((r) => r.id));
    }
  }

  async function runSearch(q: Knex | Knex.Transaction, vector: Float32Array, opts: SearchOptions): Promise<SearchHit[]> {
    const qb = q(table)
      .select(...RECORD_COLUMNS)
      .select(q.raw(`${vectorType.distance('embedding')} as distance`, [vectorType.literal(vector, encoding)]));
    if (opts.withVectors) qb.select('embedding');
    applyFilter(qb, opts.filter).orderBy('distance').limit(opts.k);
    // Vectors as text only for the k rows kept: casting every candidate row first made searches ~10x slower.
    const outer = opts.withVectors
      ? q.select(...RECORD_COLUMNS, 'distance', q.raw('embedding::text as embedding_text')).from(qb.as('nearest')).orderBy('distance')
      : qb;
    const rows = (await outer) as MemoryRow[];
    return rows.map((row) => ({
      record: rowToMemory(row),
      score: 1 - Number(row.distance),
      ...(opts.withVectors && row.embedding_text ? { vector: vectorType.parse(row.embedding_text) } : {}),
    }));
  }

  return {
    id: pgvector ? `pgvector:${backend}:${index.type}` : `pgarray:${backend}`,
    table,
    pgvectorVersion: () => version,

    async ensure(dimensions) {
      if (pgvector) version = await ensureExtension(knex, backend);
      await ensureTable(knex, { table, backend, dimensions, vectorType, ...(hnsw ? { hnsw } : {}) });
      await ensureBm25(knex, table);
      dims = dimensions;
      iterativeScan = version !== undefined && compareVersions(version, '0.8.0') >= 0;
    },

    async upsert(records) {
      const rows = prepareRecords(records, dimensions('upsert'));
      if (rows.length === 0) return;
      await knex.transaction(async (trx) => {
        for (const chunk of chunks(rows, ROWS_PER_INSERT)) await upsertChunk(trx, chunk);
      });
      sinceAnalyze += rows.length;
      if (analyzeEvery > 0 && sinceAnalyze >= analyzeEvery) {
        sinceAnalyze = 0;
        await knex.raw('analyze ??', [table]);
        await vacuumBm25(knex, table);
      }
    },

    async search(vector, opts, call) {
      call?.signal?.throwIfAborted();
      validateFilter(opts.filter);
      validateVector(vector, dimensions('search'), 'search');
      if (!Number.isInteger(opts.k) || opts.k < 1) throw new Error(`search k must be a positive integer, got ${opts.k}`);
      // An 'exact' store scans exactly even if the table has an HNSW index (e.g. from another configuration).
      const exact = opts.exact === true || hnsw === undefined;
      return knex.transaction(async (trx) => {
        if (exact) {
          // No index scans (the HNSW one included); bitmap scans on the user_id index still apply.
          await trx.raw("select set_config('enable_indexscan', 'off', true)");
        } else {
          if (efSearch !== undefined) await trx.raw("select set_config('hnsw.ef_search', ?, true)", [String(efSearch)]);
          // pgvector >= 0.8: keep scanning the graph until k rows pass the user filter.
          if (iterativeScan) await trx.raw("select set_config('hnsw.iterative_scan', 'strict_order', true)");
          // Only the HNSW index yields rows in distance order, so forbidding sorts forces it.
          if (index.forceIndex) await trx.raw("select set_config('enable_sort', 'off', true)");
        }
        // PGlite and pg cannot cancel a running query from here: check before starting it and after.
        call?.signal?.throwIfAborted();
        const hits = await runSearch(trx, vector, opts);
        call?.signal?.throwIfAborted();
        return hits;
      });
    },

    async delete(filter: MemoryFilter | MemoryIdsFilter) {
      if (isIdsFilter(filter)) {
        validateIdsFilter(filter);
        if (filter.ids.length === 0) return 0;
        let n = 0;
        for (const ids of chunks(filter.ids, 1000)) n += await deleteRows(knex, knex(table).where('user_id', filter.userId).whereIn('id', ids));
        return n;
      }
      validateFilter(filter);
      return deleteRows(knex, applyFilter(knex(table), filter));
    },

    async count(filter = {}) {
      validateCountFilter(filter);
      const row = (await applyFilter(knex(table), filter).count({ n: '*' }).first()) as { n: number | string } | undefined;
      return Number(row?.n ?? 0);
    },

    textSearch: async (query, vector, opts, call) => {
      if (vector) validateVector(vector, dimensions('textSearch'), 'textSearch');
      const signal = call?.signal;
      if (!signal) return pgTextSearch(knex, table, encoding, query, vector, opts, bm25, vectorType);
      signal.throwIfAborted();
      // The query may wait for a pooled connection: a transaction holds it while the signal is checked again.
      return knex.transaction(async (trx) => {
        signal.throwIfAborted();
        const hits = await pgTextSearch(trx, table, encoding, query, vector, opts, bm25, vectorType);
        signal.throwIfAborted();
        return hits;
      });
    },
    deleteOldest: (userId, keep) => pgDeleteOldest(knex, table, userId, keep),
    list: (filter, o) => pgList(knex, table, filter, o),
    neighbours: (ids, userId, n) => pgNeighbours(knex, table, userId, ids, n),

    async get(ids, userId) {
      validateIdsFilter({ ids, userId });
      if (ids.length === 0) return [];
      const out: MemoryRecord[] = [];
      for (const part of chunks(ids, 1000)) {
        const rows = (await knex(table)
          .select(...RECORD_COLUMNS, knex.raw('embedding::text as embedding_text'))
          .where('user_id', userId)
          .whereIn('id', part)) as MemoryRow[];
        for (const row of rows) out.push({ ...rowToMemory(row), vector: vectorType.parse(row.embedding_text ?? '[]') });
      }
      return out;
    },
  };
}

/**
 * Run a DELETE and return the number of rows removed. Through raw(), because knex-pglite 0.14
 * mislabels `.del()` results and knex then returns the response object instead of the count.
 */
async function deleteRows(knex: Knex, qb: Knex.QueryBuilder): Promise<number> {
  const { sql, bindings } = qb.del().toSQL();
  const res = (await knex.raw(sql, bindings)) as { rowCount?: number | null };
  return Number(res.rowCount ?? 0);
}

/** Compare dotted versions numerically ('0.10.0' > '0.8.1'). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
