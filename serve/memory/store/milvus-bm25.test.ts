/**
 * The pure parts of the Milvus BM25 store, checked without a server: options, the exact requests the
 * store hands the SDK (typed with the SDK's request types), and what the SDK's own serialisers make of
 * them (the code createCollection and search run before the gRPC call).
 */
import {
  DataType,
  FunctionType,
  MilvusClient,
  buildSearchRequest,
  formatCollectionSchema,
  formatDescribedCol,
  type CollectionSchema,
  type CreateCollectionReq,
  type CreateIndexSimpleReq,
  type DescribeCollectionResponse,
  type DescribeIndexResponse,
  type SearchSimpleReq,
} from '@zilliz/milvus2-sdk-node';
import { afterAll, describe, expect, it } from 'vitest';
import { MilvusBm25MissingError, checkBm25Params, checkBm25Version, describedBm25, missingBm25Parts, sparseIndexRequest } from './milvus-bm25';
import { DEFAULT_MILVUS_BM25, validateBm25 } from './milvus-options';
import { collectionFields, createCollectionRequest, vectorIndexRequest, type EnsureCollectionOptions } from './milvus-schema';
import { hasQueryTerms, textSearchRequest, toTextHits } from './milvus-text-search';
import { parseMilvusSpec } from './registry';

const OPTS: EnsureCollectionOptions = { collection: 'mem', dimensions: 4, index: { type: 'HNSW' }, metric: 'COSINE', bm25: { k1: 1.5, b: 0.5 } };

describe('Milvus BM25 options', () => {
  it('reads bm25_k1 and bm25_b from the milvus:// URL, only when present', () => {
    expect(parseMilvusSpec('milvus://h:1?bm25_k1=1.5&bm25_b=0.3')).toEqual({ address: 'h:1', bm25: { k1: 1.5, b: 0.3 } });
    expect(parseMilvusSpec('milvus://h:1?bm25_b=0')).toEqual({ address: 'h:1', bm25: { b: 0 } });
    expect(parseMilvusSpec('milvus://h:1?metric=ip')).toEqual({ address: 'h:1', metric: 'IP' });
  });

  it('refuses values Milvus would refuse (k1 in [0, 3], b in [0, 1])', () => {
    expect(() => parseMilvusSpec('milvus://h:1?bm25_k1=abc')).toThrow('invalid Milvus BM25 bm25_k1="abc": bm25_k1 must be a number in [0, 3]');
    expect(() => parseMilvusSpec('milvus://h:1?bm25_k1=')).toThrow(/bm25_k1=""/);
    expect(() => parseMilvusSpec('milvus://h:1?bm25_k1=3.5')).toThrow(/\[0, 3\]/);
    expect(() => parseMilvusSpec('milvus://h:1?bm25_b=1.01')).toThrow('bm25_b must be a number in [0, 1]');
    expect(() => validateBm25({ k1: Number.NaN, b: 0.75 })).toThrow(/k1 NaN/);
    expect(validateBm25(DEFAULT_MILVUS_BM25)).toEqual({ k1: 1.2, b: 0.75 });
  });
});

/** The SDK's protobuf types, as its createCollection uses them (a client that never connects). */
const sdk = new MilvusClient({ address: '127.0.0.1:1', __SKIP_CONNECT__: true } as ConstructorParameters<typeof MilvusClient>[0]);
interface ProtoType {
  create(o: unknown): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
  toObject(m: unknown, o: object): Record<string, unknown>;
}
const protos = sdk as unknown as { schemaProto: { lookupType(n: string): ProtoType }; milvusProto: { lookupType(n: string): ProtoType } };
const schemaType = (name: string) => protos.schemaProto.lookupType(`milvus.proto.schema.${name}`);
afterAll(async () => {
  await sdk.closeConnection();
});

describe('Milvus BM25 schema', () => {
  it('gives text the english analyzer and adds the BM25 output field', () => {
    const fields = collectionFields(4);
    expect(fields.find((f) => f.name === 'text')).toEqual({
      name: 'text',
      data_type: DataType.VarChar,
      max_length: 65_535,
      enable_analyzer: true,
      analyzer_params: { type: 'english' },
    });
    expect(fields.at(-1)).toEqual({ name: 'text_sparse', data_type: DataType.SparseFloatVector, is_function_output: true });
    expect(fields.find((f) => f.name === 'user_id')?.is_partition_key).toBe(true);
  });

  it('creates the collection with the BM25 function', () => {
    const req: CreateCollectionReq = createCollectionRequest(OPTS);
    expect(req).toEqual({
      collection_name: 'mem',
      fields: collectionFields(4),
      functions: [{ name: 'text_bm25', type: FunctionType.BM25, input_field_names: ['text'], output_field_names: ['text_sparse'], params: {} }],
      enable_dynamic_field: false,
      consistency_level: 'Strong',
    });
  });

  it('is what the SDK serialises into the CollectionSchema sent to Milvus', () => {
    const types = {
      collectionSchemaType: schemaType('CollectionSchema'),
      fieldSchemaType: schemaType('FieldSchema'),
      functionSchemaType: schemaType('FunctionSchema'),
      structArrayFieldSchemaType: schemaType('StructArrayFieldSchema'),
    };
    const payload = formatCollectionSchema(createCollectionRequest(OPTS), types as unknown as Parameters<typeof formatCollectionSchema>[1]);
    const t = types.collectionSchemaType;
    const wire = t.toObject(t.decode(t.encode(t.create(payload)).finish()), { enums: String, defaults: false }) as {
      fields: { name: string; dataType: string; typeParams?: { key: string; value: string }[]; isFunctionOutput?: boolean }[];
      functions: unknown[];
    };
    const field = (name: string) => wire.fields.find((f) => f.name === name);
    expect(field('text')?.typeParams).toEqual([
      { key: 'max_length', value: '65535' },
      { key: 'enable_analyzer', value: 'true' },
      { key: 'analyzer_params', value: '{"type":"english"}' },
    ]);
    expect(field('text_sparse')).toMatchObject({ dataType: 'SparseFloatVector', isFunctionOutput: true });
    expect(wire.functions).toEqual([{ name: 'text_bm25', type: 'BM25', inputFieldNames: ['text'], outputFieldNames: ['text_sparse'] }]);
  });

  it('indexes the sparse field with metric BM25 and the configured k1/b', () => {
    const sparse: CreateIndexSimpleReq = sparseIndexRequest('mem', OPTS.bm25);
    expect(sparse).toEqual({
      collection_name: 'mem',
      field_name: 'text_sparse',
      index_name: 'text_sparse_idx',
      index_type: 'SPARSE_INVERTED_INDEX',
      metric_type: 'BM25',
      params: { inverted_index_algo: 'DAAT_MAXSCORE', bm25_k1: 1.5, bm25_b: 0.5 },
    });
    expect(vectorIndexRequest(OPTS)).toEqual({
      collection_name: 'mem',
      field_name: 'vector',
      index_name: 'vector_idx',
      index_type: 'HNSW',
      metric_type: 'COSINE',
      params: { M: 16, efConstruction: 64 },
    });
  });
});

/** A describeCollection answer in the SDK's shape, for this store's schema or an older one. */
function described(withBm25: boolean): DescribeCollectionResponse {
  const field = (name: string, data_type: string, type_params: { key: string; value: string }[] = [], extra = {}) => ({
    name,
    data_type,
    type_params,
    index_params: [],
    fieldID: '100',
    is_primary_key: false,
    description: '',
    autoID: false,
    state: 'FieldCreated',
    is_function_output: false,
    ...extra,
  });
  const text = [{ key: 'max_length', value: '65535' }];
  const schema = {
    name: 'mem',
    description: '',
    enable_dynamic_field: false,
    autoID: false,
    struct_array_fields: [],
    fields: [
      field('id', 'VarChar', [{ key: 'max_length', value: '512' }], { is_primary_key: true }),
      field('vector', 'FloatVector', [{ key: 'dim', value: '4' }]),
      field('user_id', 'VarChar', [{ key: 'max_length', value: '512' }], { is_partition_key: true }),
      ...(withBm25
        ? [
            field('text', 'VarChar', [...text, { key: 'enable_analyzer', value: 'true' }, { key: 'analyzer_params', value: '{"type":"english"}' }]),
            field('text_sparse', 'SparseFloatVector', [], { is_function_output: true }),
          ]
        : [field('text', 'VarChar', text)]),
    ],
    functions: withBm25 ? [{ name: 'text_bm25', type: 'BM25', input_field_names: ['text'], output_field_names: ['text_sparse'], params: [] }] : [],
  };
  const res = { status: { error_code: 'Success', reason: '', code: 0 }, schema, collectionID: '1', collection_name: 'mem', consistency_level: 'Strong', aliases: [], properties: [] };
  return formatDescribedCol(res as unknown as DescribeCollectionResponse);
}

describe('an existing Milvus collection', () => {
  it('has every BM25 part when this store made it', () => {
    expect(missingBm25Parts(described(true).schema)).toEqual([]);
    // the same read from the raw type_params, before the SDK copies them onto the field
    const raw = structuredClone(described(true).schema) as CollectionSchema;
    raw.fields.forEach((f) => delete (f as { enable_analyzer?: unknown }).enable_analyzer);
    expect(missingBm25Parts(raw)).toEqual([]);
  });

  it('made before BM25 is refused with what is missing and how to rebuild it', () => {
    const missing = missingBm25Parts(described(false).schema);
    expect(missing).toEqual(['an analyzer on the text field', 'the text_sparse sparse vector field', 'a BM25 function from text to text_sparse']);
    const err = new MilvusBm25MissingError('mem', missing);
    expect(err.message).toMatch(/^Milvus collection mem has no BM25 full-text search \(missing an analyzer on the text field, /);
    expect(err.message).toMatch(/cannot be migrated in place: drop the collection .* and run npm run memory:reindex/);
  });

  it("reads the sparse index's k1/b, flat or inside a JSON params entry", () => {
    const res = (params: { key: string; value: string }[]) =>
      ({ status: { error_code: 'Success', reason: '', code: 0 }, index_descriptions: [{ index_name: 'text_sparse_idx', field_name: 'text_sparse', params }] }) as unknown as DescribeIndexResponse;
    const kinds = [{ key: 'index_type', value: 'SPARSE_INVERTED_INDEX' }, { key: 'metric_type', value: 'BM25' }];
    expect(describedBm25(res([...kinds, { key: 'bm25_k1', value: '1.5' }, { key: 'bm25_b', value: '0.5' }]))).toEqual({ k1: 1.5, b: 0.5 });
    expect(describedBm25(res([...kinds, { key: 'params', value: '{"inverted_index_algo":"DAAT_MAXSCORE","bm25_k1":2,"bm25_b":0}' }]))).toEqual({ k1: 2, b: 0 });
    expect(describedBm25(res(kinds))).toEqual({});
    expect(describedBm25({ status: { error_code: 'IndexNotExist' }, index_descriptions: [] } as unknown as DescribeIndexResponse)).toBeUndefined();
  });

  it('needs Milvus 2.5 or later before creating a collection', () => {
    expect(() => checkBm25Version('v2.4.17')).toThrow('Milvus v2.4.17 has no built-in BM25 full-text search, which the memory store needs: use Milvus 2.5 or later');
    expect(() => checkBm25Version('1.1.0')).toThrow(/2\.5 or later/);
    for (const ok of ['v2.5.0', '2.6.3', 'v3.0.0-beta', 'master-20250101-abcdef']) expect(() => checkBm25Version(ok)).not.toThrow();
  });

  it('refuses an index built with other k1/b than configured', () => {
    expect(() => checkBm25Params('mem', { k1: 1.5, b: 0.5 }, { k1: 1.5, b: 0.5 })).not.toThrow();
    expect(() => checkBm25Params('mem', {}, { k1: 1.5, b: 0.5 })).not.toThrow();
    expect(() => checkBm25Params('mem', { k1: 1.2, b: 0.5 }, { k1: 1.5, b: 0.5 })).toThrow(
      'Milvus collection mem: its BM25 index was built with bm25_k1=1.2, bm25_b=0.5 but the store is configured with bm25_k1=1.5, bm25_b=0.5.',
    );
  });
});

describe('Milvus textSearch request', () => {
  const filter = 'user_id == "u\\"1" && created_at >= 0';

  it('searches the sparse field with the raw query text, k hits, the filter, and the dense vector out', () => {
    const req: SearchSimpleReq = textSearchRequest({ collection: 'mem', query: 'Where did I park?', k: 7, filter });
    expect(req).toEqual({
      collection_name: 'mem',
      data: 'Where did I park?',
      anns_field: 'text_sparse',
      metric_type: 'BM25',
      limit: 7,
      filter,
      output_fields: ['id', 'user_id', 'session_id', 'message_ids', 'role', 'text', 'created_at', 'vector'],
    });
  });

  it('becomes a BM25 search with a VarChar placeholder in the SDK', () => {
    const built = buildSearchRequest(
      textSearchRequest({ collection: 'mem', query: 'Where did I park? 🚗', k: 7, filter }),
      described(true),
      protos.milvusProto as unknown as Parameters<typeof buildSearchRequest>[2],
    );
    const request = built.request as { dsl: string; nq: number; search_params: { key: string; value: unknown }[]; output_fields: string[]; placeholder_group: Uint8Array };
    expect(request.dsl).toBe(filter);
    expect(request.nq).toBe(1);
    expect(request.output_fields).not.toContain('text_sparse');
    expect(request.search_params).toEqual(
      expect.arrayContaining([
        { key: 'anns_field', value: 'text_sparse' },
        { key: 'topk', value: 7 },
        { key: 'metric_type', value: 'BM25' },
      ]),
    );
    const group = protos.milvusProto.lookupType('milvus.proto.common.PlaceholderGroup');
    const decoded = group.toObject(group.decode(request.placeholder_group), { enums: String }) as { placeholders: { type: string; values: Uint8Array[] }[] };
    expect(decoded.placeholders).toHaveLength(1);
    expect(decoded.placeholders[0]?.type).toBe('VarChar');
    expect(decoded.placeholders[0]?.values.map((v) => Buffer.from(v).toString('utf8'))).toEqual(['Where did I park? 🚗']);
  });

  it('skips queries the english analyzer leaves no term of (no letter or digit, only stop words)', () => {
    expect(hasQueryTerms('  ?! -- ')).toBe(false);
    expect(hasQueryTerms('')).toBe(false);
    expect(hasQueryTerms('Is it THE one, or not?')).toBe(true); // "one" is no stop word
    expect(hasQueryTerms('Is it in the... or not?!')).toBe(false);
    expect(hasQueryTerms('été')).toBe(true);
    expect(hasQueryTerms('42')).toBe(true);
  });
});

describe('Milvus textSearch hits', () => {
  const row = (id: string, score: number, vector: number[]) => ({
    id,
    user_id: 'u',
    session_id: '',
    message_ids: '["m1"]',
    role: 'turn',
    text: `text ${id}`,
    created_at: '1709294400000',
    vector,
    score,
  });

  it('keep the BM25 order, with cosine to the query as score and BM25 as lexicalScore', () => {
    const q = Float32Array.from([2, 0, 0, 0]); // not unit length: the cosine is the same
    const hits = toTextHits([row('a', 7.25, [0, 1, 0, 0]), row('b', 3.5, [3, 4, 0, 0]), row('c', 1, [-1, 0, 0, 0])], q, false);
    expect(hits.map((h) => [h.record.id, h.lexicalScore])).toEqual([
      ['a', 7.25],
      ['b', 3.5],
      ['c', 1],
    ]);
    [0, 0.6, -1].forEach((cos, i) => expect(hits[i]?.score).toBeCloseTo(cos, 6));
    expect(hits[0]?.record).toEqual({ id: 'a', userId: 'u', sessionId: null, messageIds: ['m1'], role: 'turn', text: 'text a', createdAt: new Date(1709294400000) });
    expect(hits[0]).not.toHaveProperty('vector');
  });

  it('return the stored vector when asked, from flat or per-query results', () => {
    const q = Float32Array.from([1, 0, 0, 0]);
    const [hit] = toTextHits([[row('a', 2, [0.5, 0.5, 0.5, 0.5])]], q, true);
    expect(Array.from(hit?.vector ?? [])).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(hit?.score).toBeCloseTo(0.5, 6);
    expect(toTextHits([], q, true)).toEqual([]);
  });

  it('drop rows that share no term with the query (BM25 score 0)', () => {
    const hits = toTextHits([row('a', 1.5, [1, 0, 0, 0]), row('b', 0, [1, 0, 0, 0])], Float32Array.from([1, 0, 0, 0]), false);
    expect(hits.map((h) => h.record.id)).toEqual(['a']);
  });
});
