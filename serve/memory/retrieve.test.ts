/**
 * retrieveMemories on a real pgvector store (PGlite): fusion methods, lexical-only search, the time
 * boost for dates named in the query, and neighbour expansion. The embedder is a tiny bag-of-words
 * embedder over a fixed vocabulary, so every cosine is computable by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rec } from '../testing/vector-store-contract';
import { openPgliteKnex, type TestKnex } from '../testing/pg';
import type { EmbeddingProvider } from '../embeddings/types';
import { fuseLists, neighboursCanEnter, queryEmbeddingText, retrieveMemories, type RetrievalConfig } from './retrieve';
import { createPgvectorStore } from './store/pgvector';
import type { SearchHit, VectorStore } from './store/types';

const VOCAB = ['paint', 'sunset', 'lake', 'dog', 'piano', 'lisbon', 'moved', 'race', 'charity'];
const bow = (text: string): number[] => {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  const v = VOCAB.map((w) => words.filter((x) => x.startsWith(w)).length);
  return v.some((x) => x > 0) ? v : [...VOCAB.map(() => 0), 1].slice(1).map((_, i) => (i === VOCAB.length - 1 ? 1 : 0));
};
const embedder: EmbeddingProvider = { id: 'bow', dimensions: VOCAB.length, embed: async (texts) => texts.map((t) => Float32Array.from(bow(t))) };

const U = 'u1';
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
const BASE: RetrievalConfig = { k: 5, candidates: 20, scope: 'user', dedupeWindow: false, hybrid: true };

let db: TestKnex;
let store: VectorStore;
beforeAll(async () => {
  db = await openPgliteKnex();
  store = createPgvectorStore({ knex: db.knex, backend: 'pglite' });
  await store.ensure(VOCAB.length);
  const m = (id: string, text: string, date: string, sessionId = 's1') => rec({ id, userId: U, sessionId, text, createdAt: day(date), vector: bow(text) });
  await store.upsert([
    m('a1', 'I painted a sunset over the lake', '2023-05-08', 's1'),
    m('a2', 'The dog ran around the lake all day', '2023-05-08', 's1'),
    m('a3', 'I played the piano at the charity concert', '2023-05-08', 's1'),
    m('b1', 'I painted the sunset over the lake', '2023-08-20', 's2'),
    m('c1', 'We moved to Lisbon last week', '2023-09-01', 's3'),
    m('c2', 'I ran a charity race for the dog shelter', '2023-09-02', 's3'),
  ]);
});
afterAll(() => db.close());

const ids = async (query: string, cfg: Partial<RetrievalConfig>, now = day('2023-10-01')) =>
  (await retrieveMemories({ store, embedder }, { userId: U, query, now }, { ...BASE, ...cfg })).memories.map((m) => m.record.id);

describe('fuseLists (hand-computed)', () => {
  const hit = (id: string, score: number, lexicalScore?: number): SearchHit => ({ record: { id, userId: U, sessionId: null, messageIds: [], role: 'turn', text: id, createdAt: day('2023-01-01') }, score, ...(lexicalScore !== undefined ? { lexicalScore } : {}) });
  const vec = [hit('x', 0.9), hit('y', 0.5), hit('z', 0.1)];
  const lex = [hit('y', 0.5, 8), hit('w', 0.2, 2)];

  it('relative: min-max per list, weighted mean', () => {
    const f = Object.fromEntries(fuseLists(vec, lex, { method: 'relative', lexicalWeight: 1 }).map((h) => [h.record.id, h.score]));
    // x: (1 + 0)/2; y: ((0.5-0.1)/0.8 + 1)/2 = 0.75; z: 0; w: (0 + 0)/2
    expect(f.x).toBeCloseTo(0.5, 12);
    expect(f.y).toBeCloseTo(0.75, 12);
    expect(f.z).toBeCloseTo(0, 12);
    expect(f.w).toBeCloseTo(0, 12);
  });

  it('rrf: Σ w/(k + rank), scaled so first in both lists is 1', () => {
    const f = Object.fromEntries(fuseLists(vec, lex, { method: 'rrf', rrfK: 60, lexicalWeight: 2 }).map((h) => [h.record.id, h.score]));
    const scale = 3 / 61;
    expect(f.y).toBeCloseTo((1 / 62 + 2 / 61) / scale, 12);
    expect(f.x).toBeCloseTo(1 / 61 / scale, 12);
    expect(f.w).toBeCloseTo(2 / 62 / scale, 12);
  });
});

describe('retrieveMemories', () => {
  it('lexical only (vector: false) returns only memories sharing a word with the query', async () => {
    const got = await ids('charity', { vector: false, fusion: { method: 'relative' } });
    expect(got.sort()).toEqual(['a3', 'c2']);
  });

  it('a date in the query boosts the memory of that time above a newer equal match', async () => {
    const plain = await ids('What did I paint in May?', { fusion: { method: 'relative' } });
    expect(plain[0]).toBe('b1'); // equal match, newer first on the tie
    const timed = await ids('What did I paint in May?', { fusion: { method: 'relative' }, time: { boost: 0.2, afterDays: 14 } });
    expect(timed[0]).toBe('a1');
  });

  it('the time range names no memory → the order is unchanged', async () => {
    const got = await ids('What did I paint in 2019?', { fusion: { method: 'relative' }, time: { boost: 0.2, afterDays: 14 } });
    expect(got[0]).toBe('b1');
  });

  it('neighbour expansion brings the turns around a hit, at a discounted score, within k', async () => {
    const without = await ids('lisbon', { k: 3, vector: false, fusion: { method: 'relative' } });
    expect(without).toEqual(['c1']);
    const withNb = await ids('lisbon', { k: 3, vector: false, fusion: { method: 'relative' }, neighbours: { n: 1, discount: 0.5 } });
    expect(withNb).toEqual(['c1', 'c2']);
    // k bounds the result: a neighbour never displaces a hit of a higher score
    expect(await ids('piano', { k: 1, vector: false, fusion: { method: 'relative' }, neighbours: { n: 1, discount: 0.5 } })).toEqual(['a3']);
    expect(await ids('piano', { k: 3, vector: false, fusion: { method: 'relative' }, neighbours: { n: 1, discount: 0.5 } })).toEqual(['a3', 'a2']);
  });

describe('work that cannot change the result is skipped', () => {
  it('neighboursCanEnter: only when fewer than k are kept or the best hit × discount beats the k-th', () => {
    expect(neighboursCanEnter([], 0.9, 3)).toBe(false);
    expect(neighboursCanEnter([{ score: 0.5 }], 0.9, 3)).toBe(true);
    expect(neighboursCanEnter([{ score: 1 }, { score: 0.95 }], 0.9, 2)).toBe(false); // 0.9 < 0.95
    expect(neighboursCanEnter([{ score: 1 }, { score: 0.9 }], 0.9, 2)).toBe(false); // a tie goes to the hit
    expect(neighboursCanEnter([{ score: 0.5 }, { score: 1 }], 0.9, 2)).toBe(true); // 0.9 > 0.5, in any order
  });

  it('no neighbour query when k memories are kept and no neighbour could outscore the k-th; same result as with it', async () => {
    let calls = 0;
    const counting: VectorStore = { ...store, neighbours: (...a) => (calls++, store.neighbours!(...a)) };
    const run = async (neighbours?: { n: number; discount: number }) =>
      (await retrieveMemories({ store: counting, embedder }, { userId: U, query: 'painted sunset lake', now: day('2023-10-01') }, { ...BASE, k: 2, ...(neighbours ? { neighbours } : {}) })).memories.map((m) => m.record.id);
    const none = await run();
    expect(none).toHaveLength(2);
    expect(await run({ n: 1, discount: 0.01 })).toEqual(none);
    expect(calls).toBe(0);
    // a neighbour that can beat the k-th still gets its query, and gets in
    const full = await run({ n: 1, discount: 0.99 });
    expect(calls).toBe(1);
    expect(full).not.toEqual(none);
  });

  it('BM25 runs while the query is being embedded; lexical-only retrieval never embeds', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let embeds = 0;
    const slow: EmbeddingProvider = { ...embedder, embed: async (texts, o) => (embeds++, await gate, embedder.embed(texts, o)) };
    let textDone = 0;
    const watched: VectorStore = { ...store, textSearch: async (...a) => { const r = await store.textSearch!(...a); textDone++; return r; } };
    const pending = retrieveMemories({ store: watched, embedder: slow }, { userId: U, query: 'lisbon', now: day('2023-10-01') }, BASE);
    for (let i = 0; i < 200 && textDone === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(textDone).toBe(1); // finished with the embedding still held back
    release();
    const both = await pending;
    expect(both.memories[0]?.record.id).toBe('c1');
    expect(embeds).toBe(1);
    const lexicalOnly = await retrieveMemories({ store: watched, embedder: slow }, { userId: U, query: 'lisbon', now: day('2023-10-01') }, { ...BASE, vector: false });
    expect(lexicalOnly.memories.map((m) => m.record.id)).toEqual(['c1']);
    expect(embeds).toBe(1);
    expect(lexicalOnly.timings.embedMs).toBe(0);
  });

  it('the query is embedded with its whitespace collapsed (one cache entry for one question)', async () => {
    const seen: string[] = [];
    const recording: EmbeddingProvider = { ...embedder, embed: (texts, o) => (seen.push(...texts), embedder.embed(texts, o)) };
    const a = await retrieveMemories({ store, embedder: recording }, { userId: U, query: '  where did I\n move   to?\t' }, BASE);
    const b = await retrieveMemories({ store, embedder: recording }, { userId: U, query: 'where did I move to?' }, BASE);
    expect(seen).toEqual(['where did I move to?', 'where did I move to?']);
    expect(a.memories.map((m) => m.record.id)).toEqual(b.memories.map((m) => m.record.id));
    expect(queryEmbeddingText(' a \u00a0 b ')).toBe('a b');
  });
});

describe('newer first (questions about the current state)', () => {
  const rel = { fusion: { method: 'relative' as const } };
  it('a newer memory within the band outranks an older, better match; a past question is left alone', async () => {
    expect((await ids('Where is the dog now?', rel))[0]).toBe('a2');
    expect((await ids('Where is the dog now?', { ...rel, newerFirst: { band: 0.5 } }))[0]).toBe('c2');
    expect((await ids('Where was the dog?', { ...rel, newerFirst: { band: 0.5 } }))[0]).toBe('a2');
  });
  it('a memory better by more than the band keeps its place', async () => {
    expect((await ids('Where is the dog now?', { ...rel, newerFirst: { band: 0.01 } }))[0]).toBe('a2');
  });
});

});
