import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rec, vectorStoreContract } from '../../testing/vector-store-contract';
import { MilvusBm25MissingError } from './milvus-bm25';
import { milvusFilter, milvusString } from './milvus-filter';
import { InvalidMemoryError, type VectorStore } from './types';

/** A lexer for Milvus expressions (string literals with C escapes), independent of the code under test. */
type Token = { kind: 'ident' | 'op' | 'num' | 'str' | 'punct'; value: string };
function lex(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === ' ') i++;
    else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        const d = expr[i];
        if (d === undefined) throw new Error('unterminated string');
        if (d === '"') break;
        if (d === '\n' || d === '\r') throw new Error('raw newline in a string literal');
        if (d === '\\') {
          const e = expr[i + 1];
          if (e === '\\' || e === '"') {
            value += e;
            i += 2;
          } else if (e === 'u') {
            value += String.fromCharCode(parseInt(expr.slice(i + 2, i + 6), 16));
            i += 6;
          } else throw new Error(`unexpected escape \\${e}`);
        } else {
          const cp = expr.codePointAt(i)!;
          value += String.fromCodePoint(cp);
          i += cp > 0xffff ? 2 : 1;
        }
      }
      i++;
      tokens.push({ kind: 'str', value });
    } else if (/[a-z_]/.test(c)) {
      const m = /^[a-z_]+/.exec(expr.slice(i))![0];
      tokens.push({ kind: m === 'in' ? 'op' : 'ident', value: m });
      i += m.length;
    } else if (/\d/.test(c)) {
      const m = /^\d+/.exec(expr.slice(i))![0];
      tokens.push({ kind: 'num', value: m });
      i += m.length;
    } else {
      const m = /^(==|>=|<=|&&)/.exec(expr.slice(i));
      if (m) {
        tokens.push({ kind: 'op', value: m[0] });
        i += 2;
      } else if ('[],'.includes(c)) {
        tokens.push({ kind: 'punct', value: c });
        i++;
      } else throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
    }
  }
  return tokens;
}

const HOSTILE = [
  'a" or user_id != "',
  'a\\" or user_id != \\"',
  '\\',
  '\\\\"',
  '" || true || "',
  "' or 1 == 1 or '",
  'x\n && id != "y"',
  'tab\tcr\r\u0000nul\u007f\u2028',
  '🙂 ünïcödé',
  '',
];

describe('milvusFilter', () => {
  it('builds the expected expression', () => {
    const from = new Date('2024-01-01T00:00:00Z');
    const to = new Date('2024-01-31T23:59:59.999Z');
    expect(milvusFilter({ userId: 'u1', sessionId: 's1', from, to })).toBe(
      `user_id == "u1" && session_id == "s1" && created_at >= ${from.getTime()} && created_at <= ${to.getTime()}`,
    );
    expect(milvusFilter({ userId: 'u', ids: ['a', 'b'] })).toBe('user_id == "u" && id in ["a", "b"]');
    expect(milvusFilter({})).toBe('');
  });

  it.each(HOSTILE.filter((s) => s !== '' && !s.includes('\u0000')))('keeps the hostile value %j inside one literal', (value) => {
    const tokens = lex(milvusFilter({ userId: value, sessionId: value, ids: [value, 'x'] }));
    expect(tokens).toEqual([
      { kind: 'ident', value: 'user_id' },
      { kind: 'op', value: '==' },
      { kind: 'str', value },
      { kind: 'op', value: '&&' },
      { kind: 'ident', value: 'session_id' },
      { kind: 'op', value: '==' },
      { kind: 'str', value },
      { kind: 'op', value: '&&' },
      { kind: 'ident', value: 'id' },
      { kind: 'op', value: 'in' },
      { kind: 'punct', value: '[' },
      { kind: 'str', value },
      { kind: 'punct', value: ',' },
      { kind: 'str', value: 'x' },
      { kind: 'punct', value: ']' },
    ]);
  });

  it('escapes backslashes and quotes, and writes control characters as \\u escapes', () => {
    expect(milvusString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(milvusString('x\ny')).toBe('"x\\u000ay"');
    expect(milvusFilter({ userId: 'a" or user_id != "' })).toBe('user_id == "a\\" or user_id != \\""');
  });

  it('round-trips any well-formed string through one literal (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), (s) => {
        fc.pre(!s.includes('\u0000'));
        expect(lex(milvusFilter({ userId: s }))).toEqual([
          { kind: 'ident', value: 'user_id' },
          { kind: 'op', value: '==' },
          { kind: 'str', value: s },
        ]);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what it cannot represent safely', () => {
    expect(() => milvusFilter({ userId: '' })).toThrow(InvalidMemoryError);
    expect(() => milvusFilter({ userId: 'a\u0000b' })).toThrow(InvalidMemoryError);
    expect(() => milvusFilter({ userId: 'u', sessionId: '' })).toThrow(InvalidMemoryError);
    expect(() => milvusFilter({ userId: 'lone \ud800 surrogate' })).toThrow(/well-formed/);
    expect(() => milvusFilter({ userId: 'u', from: new Date('nope') })).toThrow(/valid Date/);
    expect(() => milvusFilter({ userId: 7 as unknown as string })).toThrow(InvalidMemoryError);
  });
});

const MILVUS_ADDRESS = process.env.MILVUS_ADDRESS;

vectorStoreContract(
  `Milvus at ${MILVUS_ADDRESS ?? '(none)'}, HNSW/COSINE`,
  async () => {
    const { createMilvusStore } = await import('./milvus');
    const { MilvusClient } = await import('@zilliz/milvus2-sdk-node');
    const address = MILVUS_ADDRESS as string;
    const token = process.env.MILVUS_TOKEN;
    const client = new MilvusClient({ address, ...(token ? { token } : {}) });
    const collection = `memocha_test_${randomBytes(5).toString('hex')}`;
    const make = () => createMilvusStore({ address, client, collection, index: { type: 'HNSW' }, metric: 'COSINE' });
    return {
      store: make(),
      reopen: async () => make(),
      cleanup: async () => {
        await client.dropCollection({ collection_name: collection });
        await client.closeConnection();
      },
    };
  },
  MILVUS_ADDRESS ? {} : { skip: 'no Milvus here: set MILVUS_ADDRESS to run' },
);

describe.skipIf(!MILVUS_ADDRESS)(`Milvus BM25 full-text search at ${MILVUS_ADDRESS ?? '(none)'}`, () => {
  const collection = `memocha_bm25_${randomBytes(5).toString('hex')}`;
  const legacy = `${collection}_legacy`;
  let client: MilvusClient;
  let store: VectorStore;
  const Q = Float32Array.from([1, 0, 0, 0]);
  const user = () => `bm25-${randomBytes(4).toString('hex')}`;
  const texts = async (query: string, u: string, extra = {}) => (await store.textSearch!(query, Q, { k: 10, filter: { userId: u, ...extra } })).map((h) => h.record.text);

  beforeAll(async () => {
    const { MilvusClient } = await import('@zilliz/milvus2-sdk-node');
    const { createMilvusStore } = await import('./milvus');
    const token = process.env.MILVUS_TOKEN;
    client = new MilvusClient({ address: MILVUS_ADDRESS as string, ...(token ? { token } : {}) });
    store = createMilvusStore({ address: MILVUS_ADDRESS as string, client, collection, index: { type: 'HNSW' }, metric: 'COSINE', bm25: { k1: 1.2, b: 0.75 } });
    await store.ensure(4);
  });
  afterAll(async () => {
    await client.dropCollection({ collection_name: collection });
    await client.dropCollection({ collection_name: legacy });
    await client.closeConnection();
  });

  it('ranks by BM25 over stemmed terms without stop words; score stays the cosine', async () => {
    const u = user();
    await store.upsert([
      rec({ userId: u, text: 'I parked the car in the garage on level three', vector: [0.6, 0.8, 0, 0] }),
      rec({ userId: u, text: 'The garage door was painted blue', vector: [1, 0, 0, 0] }),
      rec({ userId: u, text: 'We went running along the river', vector: [0, 1, 0, 0] }),
    ]);
    const hits = await store.textSearch!('Where did I park my car?', Q, { k: 10, filter: { userId: u } });
    expect(hits.map((h) => h.record.text)).toEqual(['I parked the car in the garage on level three']);
    expect(hits[0]?.score).toBeCloseTo(0.6, 5);
    expect(hits[0]?.lexicalScore).toBeGreaterThan(0);
    expect(await texts('runs', u)).toEqual(['We went running along the river']);
    const garage = await store.textSearch!('garage door', Q, { k: 10, filter: { userId: u } });
    expect(garage.map((h) => h.record.text)).toEqual(['The garage door was painted blue', 'I parked the car in the garage on level three']);
    expect(garage[0]!.lexicalScore!).toBeGreaterThan(garage[1]!.lexicalScore!);
    expect(await texts('the was on', u)).toEqual([]);
    expect(await texts('?!', u)).toEqual([]);
  });

  it('searches only within the filter, k at most, vectors on request', async () => {
    const [u, other] = [user(), user()];
    const day = (d: number) => new Date(Date.UTC(2024, 2, 1 + d));
    await store.upsert([
      rec({ userId: u, sessionId: 's1', text: 'pizza on monday', createdAt: day(0), vector: [1, 0, 0, 0] }),
      rec({ userId: u, sessionId: 's2', text: 'pizza on tuesday', createdAt: day(1), vector: [0, 1, 0, 0] }),
      rec({ userId: u, sessionId: 's2', text: 'pizza pizza on wednesday', createdAt: day(2), vector: [0, 0, 1, 0] }),
      rec({ userId: other, text: 'pizza pizza pizza', vector: [1, 0, 0, 0] }),
    ]);
    expect((await texts('pizza', u)).sort()).toEqual(['pizza on monday', 'pizza on tuesday', 'pizza pizza on wednesday']);
    expect(await texts('pizza', u, { sessionId: 's2' })).toHaveLength(2);
    expect(await texts('pizza', u, { from: day(1), to: day(1) })).toEqual(['pizza on tuesday']);
    const top = await store.textSearch!('pizza', Q, { k: 1, filter: { userId: u }, withVectors: true });
    expect(top.map((h) => h.record.text)).toEqual(['pizza pizza on wednesday']);
    expect(Array.from(top[0]?.vector ?? [])).toEqual([0, 0, 1, 0]);
  });

  it('refuses an index built with other k1/b than configured', async () => {
    const { createMilvusStore } = await import('./milvus');
    const other = createMilvusStore({ address: MILVUS_ADDRESS as string, client, collection, index: { type: 'HNSW' }, metric: 'COSINE', bm25: { k1: 2, b: 0.75 } });
    await expect(other.ensure(4)).rejects.toThrow(/built with bm25_k1=1\.2, bm25_b=0\.75 but the store is configured with bm25_k1=2, bm25_b=0\.75/);
  });

  it('refuses a collection made before BM25, saying how to rebuild it', async () => {
    const { collectionFields } = await import('./milvus-schema');
    const old = collectionFields(4)
      .filter((f) => f.name !== 'text_sparse')
      .map(({ enable_analyzer: _a, analyzer_params: _p, ...f }) => f);
    await client.createCollection({ collection_name: legacy, fields: old, enable_dynamic_field: false });
    await client.createIndex({ collection_name: legacy, field_name: 'vector', index_type: 'HNSW', metric_type: 'COSINE', params: { M: 16, efConstruction: 64 } });
    const { createMilvusStore } = await import('./milvus');
    const stale = createMilvusStore({ address: MILVUS_ADDRESS as string, client, collection: legacy, index: { type: 'HNSW' }, metric: 'COSINE' });
    const err = await stale.ensure(4).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(MilvusBm25MissingError);
    expect((err as Error).message).toMatch(/missing an analyzer on the text field, the text_sparse sparse vector field, a BM25 function/);
  });
});
