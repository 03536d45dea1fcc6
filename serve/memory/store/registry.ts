/**
 * Vector stores by config string:
 *   pgvector                          the chat database itself (PGlite or PostgreSQL), exact scan
 *   pgvector:hnsw                     the same with an HNSW index (deps.pgvector.index tunes it)
 *   pgarray                           the chat database without the pgvector extension: real[] and an exact cosine in SQL
 *   milvus://host:19530[?collection=memories&index=HNSW&metric=COSINE&bm25_k1=1.2&bm25_b=0.75]
 * Milvus' SDK (gRPC) is only loaded when a milvus:// store is asked for.
 */
import type { Knex } from 'knex';
import { DEFAULT_MILVUS_BM25, MILVUS_INDEX_TYPES, parseBm25Params, type MilvusBm25Options, type MilvusIndexType, type MilvusMetric } from './milvus-options';
import type { Bm25Params } from './pg-bm25';
import { createPgarrayStore, createPgvectorStore, type PgvectorIndexOptions } from './pgvector';
import type { VectorStore } from './types';

export interface VectorStoreDeps {
  /** The chat database, for pgvector. */
  knex?: Knex;
  backend?: 'pglite' | 'postgres';
  /** textSearch's BM25 parameters (default k1 1.2, b 0.75). */
  bm25?: Bm25Params;
  pgvector?: { table?: string; index?: PgvectorIndexOptions };
  milvus?: { token?: string; database?: string; collection?: string; index?: MilvusIndexType; metric?: MilvusMetric };
}

export const VECTOR_STORE_SPECS = ['pgvector', 'pgvector:hnsw', 'pgarray', 'milvus://host:19530'] as const;

export async function createVectorStore(spec: string, deps: VectorStoreDeps = {}): Promise<VectorStore> {
  const s = spec.trim();
  if (s === 'pgvector' || s === 'pgvector:exact' || s === 'pgvector:hnsw') {
    if (!deps.knex || !deps.backend) throw new Error(`vector store ${s} needs the database (knex and backend)`);
    const wanted = s === 'pgvector:hnsw' ? 'hnsw' : s === 'pgvector:exact' ? 'exact' : undefined;
    const index: PgvectorIndexOptions = { ...(deps.pgvector?.index ?? { type: 'exact' }), ...(wanted ? { type: wanted } : {}) };
    return createPgvectorStore({
      knex: deps.knex,
      backend: deps.backend,
      index,
      ...(deps.pgvector?.table ? { table: deps.pgvector.table } : {}),
      ...(deps.bm25 ? { bm25: deps.bm25 } : {}),
    });
  }
  if (s === 'pgarray') {
    if (!deps.knex || !deps.backend) throw new Error('vector store pgarray needs the database (knex and backend)');
    return createPgarrayStore({
      knex: deps.knex,
      backend: deps.backend,
      ...(deps.pgvector?.table ? { table: deps.pgvector.table } : {}),
      ...(deps.bm25 ? { bm25: deps.bm25 } : {}),
    });
  }
  if (s.startsWith('milvus://') || s.startsWith('milvus+https://')) {
    const { createMilvusStore } = await import('./milvus');
    const m = parseMilvusSpec(s);
    const token = deps.milvus?.token;
    const database = deps.milvus?.database;
    return createMilvusStore({
      address: m.address,
      collection: m.collection ?? deps.milvus?.collection ?? 'memories',
      index: { type: m.index ?? deps.milvus?.index ?? 'HNSW' },
      metric: m.metric ?? deps.milvus?.metric ?? 'COSINE',
      bm25: { ...DEFAULT_MILVUS_BM25, ...deps.bm25, ...m.bm25 },
      ...(token ? { token } : {}),
      ...(database ? { database } : {}),
    });
  }
  throw new Error(`unknown vector store ${JSON.stringify(spec)}: use one of ${VECTOR_STORE_SPECS.join(', ')}`);
}

export interface MilvusSpec {
  address: string;
  collection?: string;
  index?: MilvusIndexType;
  metric?: MilvusMetric;
  /** bm25_k1 / bm25_b: override deps.bm25 (MEMORY_BM25_K1/B) for this store. */
  bm25?: Partial<MilvusBm25Options>;
}

/** milvus://host:port?collection=..&index=..&metric=..&bm25_k1=..&bm25_b=..  (milvus+https:// for TLS). */
export function parseMilvusSpec(spec: string): MilvusSpec {
  const tls = spec.startsWith('milvus+https://');
  const url = new URL(spec.replace(/^milvus(\+https)?:\/\//, 'http://'));
  if (!url.hostname) throw new Error(`invalid Milvus address ${JSON.stringify(spec)}: use milvus://host:19530`);
  const address = `${tls ? 'https://' : ''}${url.hostname}:${url.port || '19530'}`;
  const out: MilvusSpec = { address };
  const collection = url.searchParams.get('collection');
  if (collection) out.collection = collection;
  const index = url.searchParams.get('index')?.toUpperCase();
  if (index) {
    if (!(MILVUS_INDEX_TYPES as readonly string[]).includes(index)) throw new Error(`unknown Milvus index ${index}: use one of ${MILVUS_INDEX_TYPES.join(', ')}`);
    out.index = index as MilvusIndexType;
  }
  const metric = url.searchParams.get('metric')?.toUpperCase();
  if (metric) {
    if (metric !== 'COSINE' && metric !== 'IP') throw new Error(`unknown Milvus metric ${metric}: use COSINE or IP`);
    out.metric = metric;
  }
  const bm25 = parseBm25Params(url.searchParams);
  if (Object.keys(bm25).length > 0) out.bm25 = bm25;
  return out;
}
