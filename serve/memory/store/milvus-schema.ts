/** The Milvus collection for memories: fields, index parameters, creation and the checks of an existing one. */
import {
  DataType,
  type CollectionSchema,
  type CreateCollectionReq,
  type CreateIndexSimpleReq,
  type FieldType,
  type MilvusClient,
  type ResStatus,
} from '@zilliz/milvus2-sdk-node';
import {
  MilvusBm25MissingError,
  TEXT_ANALYZER_PARAMS,
  bm25Function,
  checkBm25Params,
  checkBm25Version,
  describedBm25,
  missingBm25Parts,
  sparseField,
  sparseIndexRequest,
} from './milvus-bm25';
import type { MilvusBm25Options, MilvusIndexOptions, MilvusIndexType, MilvusMetric } from './milvus-options';
import { DimensionMismatchError } from './types';

/** Byte limits of the VarChar fields (Milvus counts UTF-8 bytes). */
export const LIMITS = { id: 512, user_id: 512, session_id: 512, role: 64, message_ids: 65_535, text: 65_535 } as const;

export const OUTPUT_FIELDS = ['id', 'user_id', 'session_id', 'message_ids', 'role', 'text', 'created_at'] as const;

export function collectionFields(dimensions: number): FieldType[] {
  const varchar = (name: keyof typeof LIMITS, extra: Partial<FieldType> = {}): FieldType => ({
    name,
    data_type: DataType.VarChar,
    max_length: LIMITS[name],
    ...extra,
  });
  return [
    varchar('id', { is_primary_key: true, autoID: false }),
    { name: 'vector', data_type: DataType.FloatVector, dim: dimensions },
    // Partition key: each user's memories live together and searches touch only their partition.
    varchar('user_id', { is_partition_key: true }),
    varchar('session_id'),
    varchar('message_ids'),
    varchar('role'),
    { name: 'created_at', data_type: DataType.Int64 },
    { name: 'day', data_type: DataType.VarChar, max_length: 10 },
    varchar('text', TEXT_ANALYZER_PARAMS),
    sparseField(),
  ];
}

export function defaultIndexParams(type: MilvusIndexType): Record<string, number> {
  switch (type) {
    case 'HNSW':
      return { M: 16, efConstruction: 64 };
    case 'IVF_FLAT':
    case 'IVF_SQ8':
      return { nlist: 128 };
    default:
      return {};
  }
}

export function defaultSearchParams(type: MilvusIndexType, k: number): Record<string, number> {
  switch (type) {
    case 'HNSW':
      return { ef: Math.max(k, 64) };
    case 'IVF_FLAT':
    case 'IVF_SQ8':
      return { nprobe: 16 };
    case 'DISKANN':
      return { search_list: Math.max(k, 100) };
    default:
      return {};
  }
}

/** Throw unless a Milvus call succeeded. */
export function checkStatus(status: ResStatus | undefined, what: string): void {
  if (!status) return;
  const code = status.error_code;
  if (code === 'Success' || code === 0 || (code === undefined && (status.code ?? 0) === 0)) return;
  throw new Error(`Milvus ${what} failed: ${status.reason || String(code)}`);
}

/** The schema of an existing collection, undefined when there is none. */
export async function describeExisting(client: MilvusClient, collection: string): Promise<CollectionSchema | undefined> {
  const has = await client.hasCollection({ collection_name: collection });
  checkStatus(has.status, 'hasCollection');
  if (!has.value) return undefined;
  const desc = await client.describeCollection({ collection_name: collection });
  checkStatus(desc.status, 'describeCollection');
  return desc.schema;
}

/** Dimension of a collection's vector field. */
export function vectorDimensions(schema: CollectionSchema, collection: string): number {
  const field = schema.fields.find((f) => f.name === 'vector');
  const dim = field?.dim ?? field?.type_params.find((p) => p.key === 'dim')?.value;
  if (dim === undefined) throw new Error(`Milvus collection ${collection} exists but has no vector field`);
  return Number(dim);
}

export interface EnsureCollectionOptions {
  collection: string;
  dimensions: number;
  index: MilvusIndexOptions;
  metric: MilvusMetric;
  bm25: MilvusBm25Options;
}

export function createCollectionRequest(opts: EnsureCollectionOptions): CreateCollectionReq {
  return {
    collection_name: opts.collection,
    fields: collectionFields(opts.dimensions),
    functions: [bm25Function()],
    enable_dynamic_field: false,
    consistency_level: 'Strong',
  };
}

export function vectorIndexRequest(opts: EnsureCollectionOptions): CreateIndexSimpleReq {
  return {
    collection_name: opts.collection,
    field_name: 'vector',
    index_name: 'vector_idx',
    index_type: opts.index.type,
    metric_type: opts.metric,
    params: { ...defaultIndexParams(opts.index.type), ...opts.index.params },
  };
}

/** An existing collection must have the same vector size and the BM25 parts; its sparse index is made if missing. */
async function checkExisting(client: MilvusClient, schema: CollectionSchema, opts: EnsureCollectionOptions): Promise<void> {
  const existing = vectorDimensions(schema, opts.collection);
  if (existing !== opts.dimensions) throw new DimensionMismatchError(existing, opts.dimensions, `Milvus collection ${opts.collection}`);
  const missing = missingBm25Parts(schema);
  if (missing.length > 0) throw new MilvusBm25MissingError(opts.collection, missing);
  const sparseIndex = sparseIndexRequest(opts.collection, opts.bm25);
  const described = await client.describeIndex({ collection_name: opts.collection, field_name: sparseIndex.field_name });
  // Milvus answers IndexNotExist when the field has no index (e.g. dropped to change k1/b): build it.
  const noIndex = described.status?.error_code === 'IndexNotExist';
  if (!noIndex) checkStatus(described.status, 'describeIndex');
  const built = noIndex ? undefined : describedBm25(described);
  if (built) checkBm25Params(opts.collection, built, opts.bm25);
  else checkStatus(await client.createIndex(sparseIndex), 'createIndex');
}

export async function ensureCollection(client: MilvusClient, opts: EnsureCollectionOptions): Promise<void> {
  const { collection, dimensions } = opts;
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 32_768) throw new Error(`invalid vector dimension ${dimensions}`);
  const schema = await describeExisting(client, collection);
  if (schema) await checkExisting(client, schema, opts);
  else {
    checkBm25Version((await client.getVersion()).version);
    checkStatus(await client.createCollection(createCollectionRequest(opts)), 'createCollection');
    checkStatus(await client.createIndex(vectorIndexRequest(opts)), 'createIndex');
    checkStatus(await client.createIndex(sparseIndexRequest(collection, opts.bm25)), 'createIndex');
  }
  checkStatus(await client.loadCollectionSync({ collection_name: collection }), 'loadCollection');
}
