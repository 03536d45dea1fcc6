/**
 * VectorStore on Milvus (2.5+). user_id is the partition key; every filter is built by
 * milvusFilter, which escapes all values. Exact search on an approximate index is done by
 * scoring the user's filtered records client-side (up to MILVUS_EXACT_LIMIT of them).
 * textSearch is Milvus' built-in BM25 full-text search (milvus-bm25.ts, milvus-text-search.ts).
 */
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { chunks, dot, l2normalise } from '../../embeddings/normalise';
import { milvusFilter } from './milvus-filter';
import { milvusList } from './milvus-list';
import { DEFAULT_MILVUS_BM25, validateBm25, type MilvusBm25Options, type MilvusIndexOptions, type MilvusMetric } from './milvus-options';
import { searchRows, toStored, type MilvusRow } from './milvus-rows';
import {
  LIMITS,
  OUTPUT_FIELDS,
  checkStatus,
  defaultSearchParams,
  ensureCollection,
} from './milvus-schema';
import { hasQueryTerms, textSearchRequest, toTextHits } from './milvus-text-search';
import type { MemoryFilter, MemoryIdsFilter, MemoryRecord, SearchHit, VectorStore } from './types';
import { InvalidMemoryError } from './types';
import { foreignIdError, isIdsFilter, prepareRecords, validateCountFilter, validateFilter, validateIdsFilter, validateVector } from './validate';

export interface MilvusStoreOptions {
  /** host:port, e.g. 127.0.0.1:19530 (https:// for TLS). */
  address: string;
  token?: string;
  database?: string;
  /** Default 'memories'. */
  collection?: string;
  index: MilvusIndexOptions;
  /** COSINE, or IP on vectors the store normalises (the same ranking, scores = cosine). */
  metric: MilvusMetric;
  /** BM25 k1 and b of the full-text index (default 1.2 / 0.75); fixed when the index is built. */
  bm25?: MilvusBm25Options;
  /** Use this client instead of opening one (it is then not closed by close()). */
  client?: MilvusClient;
}

/** Milvus' query result window: exact search scores at most this many records of one filter. */
export const MILVUS_EXACT_LIMIT = 16_384;
const ROWS_PER_UPSERT = 1000;

function checkBytes(r: MemoryRecord): void {
  const fields: [keyof typeof LIMITS, string][] = [
    ['id', r.id],
    ['user_id', r.userId],
    ['session_id', r.sessionId ?? ''],
    ['role', r.role],
    ['text', r.text],
    ['message_ids', JSON.stringify(r.messageIds)],
  ];
  for (const [name, value] of fields) {
    if (Buffer.byteLength(value) > LIMITS[name]) throw new InvalidMemoryError(`record ${JSON.stringify(r.id)}: ${name} exceeds ${LIMITS[name]} bytes`);
  }
}

function validateK(k: number, where: string): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`${where} k must be a positive integer, got ${k}`);
}

export function createMilvusStore(opts: MilvusStoreOptions): VectorStore {
  const collection = opts.collection ?? 'memories';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(collection)) throw new Error(`invalid Milvus collection name ${JSON.stringify(collection)}`);
  const client =
    opts.client ??
    new MilvusClient({ address: opts.address, ...(opts.token ? { token: opts.token } : {}), ...(opts.database ? { database: opts.database } : {}) });
  const bm25 = validateBm25(opts.bm25 ?? DEFAULT_MILVUS_BM25);
  const prep = (v: Float32Array) => (opts.metric === 'IP' ? l2normalise(v) : v);
  let dims: number | undefined;

  const dimensions = (where: string) => {
    if (dims === undefined) throw new Error(`Milvus store ${collection}: call ensure(dimensions) before ${where}`);
    return dims;
  };

  async function query(filter: string, fields: readonly string[], limit?: number): Promise<MilvusRow[]> {
    const res = await client.query({ collection_name: collection, filter, output_fields: [...fields], ...(limit ? { limit } : {}) });
    checkStatus(res.status, 'query');
    return res.data as MilvusRow[];
  }

  async function exactSearch(vector: Float32Array, k: number, filter: string, withVectors: boolean): Promise<SearchHit[]> {
    const rows = await query(filter, [...OUTPUT_FIELDS, 'vector'], MILVUS_EXACT_LIMIT);
    if (rows.length >= MILVUS_EXACT_LIMIT) throw new Error(`exact search on Milvus is limited to ${MILVUS_EXACT_LIMIT} records per filter: narrow it or use a FLAT index`);
    const q = l2normalise(vector);
    return rows
      .map((row) => ({ row, score: dot(q, l2normalise(row.vector ?? [])) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map(({ row, score }) => ({ record: toStored(row), score, ...(withVectors ? { vector: Float32Array.from(row.vector ?? []) } : {}) }));
  }

  return {
    id: `milvus:${opts.index.type}`,

    async ensure(d) {
      await ensureCollection(client, { collection, dimensions: d, index: opts.index, metric: opts.metric, bm25 });
      dims = d;
    },

    async upsert(records) {
      const rows = prepareRecords(records, dimensions('upsert'));
      rows.forEach(checkBytes);
      for (const part of chunks(rows, ROWS_PER_UPSERT)) {
        const existing = await query(milvusFilter({ ids: part.map((r) => r.id) }), ['id', 'user_id']);
        const owner = new Map(existing.map((row) => [row.id, row.user_id]));
        const foreign = part.filter((r) => owner.has(r.id) && owner.get(r.id) !== r.userId).map((r) => r.id);
        if (foreign.length > 0) throw foreignIdError(foreign);
        const res = await client.upsert({
          collection_name: collection,
          data: part.map((r) => ({
            id: r.id,
            vector: Array.from(prep(r.vector)),
            user_id: r.userId,
            session_id: r.sessionId ?? '',
            message_ids: JSON.stringify(r.messageIds),
            role: r.role,
            created_at: r.createdAt.getTime(),
            day: r.createdAt.toISOString().slice(0, 10),
            text: r.text,
          })),
        });
        checkStatus(res.status, 'upsert');
      }
    },

    async search(vector, o, call) {
      call?.signal?.throwIfAborted();
      validateFilter(o.filter);
      validateVector(vector, dimensions('search'), 'search');
      validateK(o.k, 'search');
      const filter = milvusFilter(o.filter);
      if (o.exact && opts.index.type !== 'FLAT') return exactSearch(vector, o.k, filter, o.withVectors === true);
      const res = await client.search({
        collection_name: collection,
        data: [Array.from(prep(vector))],
        anns_field: 'vector',
        limit: o.k,
        filter,
        output_fields: [...OUTPUT_FIELDS, ...(o.withVectors ? ['vector'] : [])],
        metric_type: opts.metric,
        params: { ...defaultSearchParams(opts.index.type, o.k), ...opts.index.searchParams },
      });
      checkStatus(res.status, 'search');
      return searchRows(res.results).map((row) => ({
        record: toStored(row),
        score: Number(row.score),
        ...(o.withVectors && row.vector ? { vector: Float32Array.from(row.vector) } : {}),
      }));
    },

    async textSearch(query, vector, o, call) {
      call?.signal?.throwIfAborted();
      validateFilter(o.filter);
      if (vector) validateVector(vector, dimensions('textSearch'), 'textSearch');
      validateK(o.k, 'textSearch');
      if (typeof query !== 'string') throw new InvalidMemoryError('textSearch query must be a string');
      if (!hasQueryTerms(query)) return [];
      const res = await client.search(textSearchRequest({ collection, query, k: o.k, filter: milvusFilter(o.filter) }));
      checkStatus(res.status, 'textSearch');
      return toTextHits(res.results, vector, o.withVectors === true);
    },

    async delete(filter: MemoryFilter | MemoryIdsFilter) {
      let expr: string;
      if (isIdsFilter(filter)) {
        validateIdsFilter(filter);
        if (filter.ids.length === 0) return 0;
        expr = milvusFilter({ userId: filter.userId, ids: filter.ids });
      } else {
        validateFilter(filter);
        expr = milvusFilter(filter);
      }
      const res = await client.delete({ collection_name: collection, filter: expr });
      checkStatus(res.status, 'delete');
      return Number(res.delete_cnt);
    },

    async count(filter = {}) {
      validateCountFilter(filter);
      const expr = milvusFilter(filter);
      const res = await client.count({ collection_name: collection, ...(expr ? { expr } : {}) });
      checkStatus(res.status, 'count');
      return Number(res.data);
    },

    list: (filter, o) => milvusList(query, filter, o, MILVUS_EXACT_LIMIT),

    async get(ids, userId) {
      validateIdsFilter({ ids, userId });
      if (ids.length === 0) return [];
      const rows = await query(milvusFilter({ userId, ids }), [...OUTPUT_FIELDS, 'vector']);
      return rows.map((row) => ({ ...toStored(row), vector: Float32Array.from(row.vector ?? []) }));
    },

    async close() {
      if (!opts.client) await client.closeConnection();
    },
  };
}
