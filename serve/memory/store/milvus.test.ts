import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vectorStoreContract } from '../../testing/vector-store-contract';
import { milvusFilter, milvusString } from './milvus-filter';
import { InvalidMemoryError } from './types';

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
