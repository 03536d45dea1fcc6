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

/** BM25 parameters of the full-text index; Milvus reads them when it builds the sparse index. */
export interface MilvusBm25Options {
  /** Term-frequency saturation. */
  k1: number;
  /** Length normalisation (0 = none, 1 = full). */
  b: number;
}

export const DEFAULT_MILVUS_BM25: MilvusBm25Options = { k1: 1.2, b: 0.75 };

/** The ranges Milvus' index engine (knowhere) accepts for bm25_k1 and bm25_b. */
const BM25_RANGES = { k1: [0, 3], b: [0, 1] } as const;

function checkBm25Value(key: keyof MilvusBm25Options, value: unknown, shown: string): number {
  const [min, max] = BM25_RANGES[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new Error(`invalid Milvus BM25 ${shown}: bm25_${key} must be a number in [${min}, ${max}]`);
  }
  return value;
}

export function validateBm25(opts: MilvusBm25Options): MilvusBm25Options {
  checkBm25Value('k1', opts.k1, `k1 ${String(opts.k1)}`);
  checkBm25Value('b', opts.b, `b ${String(opts.b)}`);
  return opts;
}

/** bm25_k1 / bm25_b from a milvus:// URL's query string; only the ones present. */
export function parseBm25Params(params: URLSearchParams): Partial<MilvusBm25Options> {
  const out: Partial<MilvusBm25Options> = {};
  for (const key of ['k1', 'b'] as const) {
    const raw = params.get(`bm25_${key}`);
    if (raw === null) continue;
    out[key] = checkBm25Value(key, raw.trim() === '' ? Number.NaN : Number(raw), `bm25_${key}=${JSON.stringify(raw)}`);
  }
  return out;
}
