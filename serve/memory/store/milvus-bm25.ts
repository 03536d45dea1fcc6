/**
 * Milvus' built-in BM25 full-text search (Milvus 2.5+): the `text` field runs through the english
 * analyzer, a BM25 Function turns it into a sparse vector at insert time, and a SPARSE_INVERTED_INDEX
 * with metric BM25 scores raw query text against it. These are the schema parts and the checks that
 * an existing collection has them.
 */
import {
  DataType,
  FunctionType,
  type CollectionSchema,
  type CreateIndexSimpleReq,
  type DescribeIndexResponse,
  type FieldType,
  type FunctionObject,
} from '@zilliz/milvus2-sdk-node';
import type { MilvusBm25Options } from './milvus-options';

export const TEXT_FIELD = 'text';
export const SPARSE_FIELD = 'text_sparse';
export const BM25_FUNCTION = 'text_bm25';
export const SPARSE_INDEX = 'text_sparse_idx';

/**
 * Standard tokenizer, lowercase, English stemmer and English stop words: the counterpart of the SQL
 * stores' to_tsvector('english') (the two stemmers and stop lists are close, not identical).
 */
export const TEXT_ANALYZER = { type: 'english' } as const;

/** What the `text` field needs on top of VarChar for the BM25 Function to read it. */
export const TEXT_ANALYZER_PARAMS: Pick<FieldType, 'enable_analyzer' | 'analyzer_params'> = {
  enable_analyzer: true,
  analyzer_params: TEXT_ANALYZER,
};

/** Function output: Milvus fills it on insert/upsert; it is never sent nor returned. */
export function sparseField(): FieldType {
  return { name: SPARSE_FIELD, data_type: DataType.SparseFloatVector, is_function_output: true };
}

export function bm25Function(): FunctionObject {
  return {
    name: BM25_FUNCTION,
    type: FunctionType.BM25,
    input_field_names: [TEXT_FIELD],
    output_field_names: [SPARSE_FIELD],
    params: {},
  };
}

/**
 * k1 and b are index build parameters. DAAT_MAXSCORE is Milvus' default algorithm; with the default
 * drop_ratio_search 0 it returns the exact BM25 top k.
 */
export function sparseIndexRequest(collection: string, bm25: MilvusBm25Options): CreateIndexSimpleReq {
  return {
    collection_name: collection,
    field_name: SPARSE_FIELD,
    index_name: SPARSE_INDEX,
    index_type: 'SPARSE_INVERTED_INDEX',
    metric_type: 'BM25',
    params: { inverted_index_algo: 'DAAT_MAXSCORE', bm25_k1: bm25.k1, bm25_b: bm25.b },
  };
}

/**
 * Milvus before 2.5 has no BM25 Function: it would drop the function from the schema and then refuse
 * the BM25 index with a less helpful message. Versions it cannot read ("master-…") pass.
 */
export function checkBm25Version(version: string): void {
  const m = /(\d+)\.(\d+)/.exec(version);
  if (!m) return;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < 2 || (major === 2 && minor < 5)) {
    throw new Error(`Milvus ${version} has no built-in BM25 full-text search, which the memory store needs: use Milvus 2.5 or later`);
  }
}

type DescribedField = CollectionSchema['fields'][number];

function typeParam(field: DescribedField, key: 'enable_analyzer'): string | undefined {
  const direct = field[key];
  if (direct !== undefined) return String(direct);
  const kv = field.type_params?.find((p) => p.key === key);
  return kv === undefined ? undefined : String(kv.value);
}

const isBm25 = (f: FunctionObject) => f.type === FunctionType.BM25 || f.type === 'BM25';

/** What an existing collection lacks for BM25 full-text search ([] when it has everything). */
export function missingBm25Parts(schema: CollectionSchema): string[] {
  const missing: string[] = [];
  const text = schema.fields.find((f) => f.name === TEXT_FIELD);
  if (!text || typeParam(text, 'enable_analyzer') !== 'true') missing.push(`an analyzer on the ${TEXT_FIELD} field`);
  const sparse = schema.fields.find((f) => f.name === SPARSE_FIELD);
  if (!sparse || sparse.data_type !== 'SparseFloatVector') missing.push(`the ${SPARSE_FIELD} sparse vector field`);
  const fn = (schema.functions ?? []).find(
    (f) => isBm25(f) && f.input_field_names?.includes(TEXT_FIELD) && f.output_field_names?.includes(SPARSE_FIELD),
  );
  if (!fn) missing.push(`a BM25 function from ${TEXT_FIELD} to ${SPARSE_FIELD}`);
  return missing;
}

/** A collection made before the store used Milvus' BM25 (or by something else). */
export class MilvusBm25MissingError extends Error {
  constructor(
    readonly collection: string,
    readonly missing: string[],
  ) {
    super(
      `Milvus collection ${collection} has no BM25 full-text search (missing ${missing.join(', ')}). ` +
        'Milvus cannot turn on the analyzer of an existing VarChar field, so it cannot be migrated in place: ' +
        `drop the collection (or use ?collection=<new name> in VECTOR_STORE) and run npm run memory:reindex.`,
    );
    this.name = 'MilvusBm25MissingError';
  }
}

/**
 * k1 and b of an existing sparse index, undefined when there is none. Milvus lists index parameters
 * either flat (bm25_k1 = "1.2") or inside a JSON `params` entry, depending on version: both are read.
 */
export function describedBm25(res: DescribeIndexResponse): Partial<MilvusBm25Options> | undefined {
  const desc = res.index_descriptions?.find((d) => d.field_name === SPARSE_FIELD || d.index_name === SPARSE_INDEX);
  if (!desc) return undefined;
  const flat: Record<string, unknown> = {};
  for (const { key, value } of desc.params ?? []) {
    if (key === 'params' && typeof value === 'string') {
      try {
        Object.assign(flat, JSON.parse(value) as Record<string, unknown>);
      } catch {
        // not JSON: nothing to read from it
      }
    } else flat[String(key)] = value;
  }
  const out: Partial<MilvusBm25Options> = {};
  if (flat.bm25_k1 !== undefined) out.k1 = Number(flat.bm25_k1);
  if (flat.bm25_b !== undefined) out.b = Number(flat.bm25_b);
  return out;
}

/** Throws when the existing index was built with other k1/b than configured (they are fixed at build time). */
export function checkBm25Params(collection: string, built: Partial<MilvusBm25Options>, wanted: MilvusBm25Options): void {
  const differs = (['k1', 'b'] as const).filter((key) => built[key] !== undefined && Math.abs((built[key] as number) - wanted[key]) > 1e-9);
  if (differs.length === 0) return;
  const shown = (o: Partial<MilvusBm25Options>) => `bm25_k1=${o.k1 ?? '?'}, bm25_b=${o.b ?? '?'}`;
  throw new Error(
    `Milvus collection ${collection}: its BM25 index was built with ${shown(built)} but the store is configured with ${shown(wanted)}. ` +
      `Milvus fixes k1 and b when it builds the index: either configure the built values, or release the collection, ` +
      `drop the index ${SPARSE_INDEX} and start again (the store then builds it with the configured values).`,
  );
}
