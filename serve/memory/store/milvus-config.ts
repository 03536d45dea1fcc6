import type { Config } from '../../config';
import { createMilvusStore } from './milvus';
import type { VectorStore } from './types';

const MILVUS_INDEXES = ['FLAT', 'HNSW', 'IVF_FLAT', 'IVF_SQ8', 'DISKANN'] as const;
type MilvusIndex = (typeof MILVUS_INDEXES)[number];

/** VECTOR_STORE=milvus://host:port → a Milvus store (loaded only when configured). */
export function createMilvusStoreFromConfig(config: Config): VectorStore {
  const address = config.VECTOR_STORE.replace(/^milvus:\/\//, '');
  const requested = config.VECTOR_INDEX.toUpperCase();
  const type: MilvusIndex = (MILVUS_INDEXES as readonly string[]).includes(requested) ? (requested as MilvusIndex) : 'HNSW';
  const params = type === 'HNSW' ? { M: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION } : undefined;
  return createMilvusStore({
    address,
    ...(config.MILVUS_TOKEN ? { token: config.MILVUS_TOKEN } : {}),
    index: { type, ...(params ? { params } : {}) },
    metric: config.MILVUS_METRIC,
  });
}
