/** Milvus option types, free of the SDK so configuration code can use them without loading gRPC. */
export const MILVUS_INDEX_TYPES = ['FLAT', 'HNSW', 'IVF_FLAT', 'IVF_SQ8', 'DISKANN'] as const;
export type MilvusIndexType = (typeof MILVUS_INDEX_TYPES)[number];
export type MilvusMetric = 'COSINE' | 'IP';

export interface MilvusIndexOptions {
  type: MilvusIndexType;
  /** Build parameters, e.g. { M: 16, efConstruction: 64 } or { nlist: 128 }. */
  params?: Record<string, number>;
  /** Search parameters, e.g. { ef: 64 } or { nprobe: 16 }; sensible defaults per type. */
  searchParams?: Record<string, number>;
}
