import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { rec } from '../../testing/vector-store-contract';
import { openPgliteKnex, openPostgresKnex, probePostgres, type TestKnex } from '../../testing/pg';
import { pgBm25Scores, DEFAULT_BM25 } from './pg-bm25';
import { bm25Names } from './pg-bm25-schema';
import { ensureTable, tableDimensions } from './pg-schema';
import { createPgvectorStore, type PgvectorStore } from './pgvector';
import { DimensionMismatchError } from './types';

const DAY = 86_400_000;
const T0 = Date.parse('2024-05-01T00:00:00.000Z');
const Q = Float32Array.from([1, 0, 0, 0]);

const pg = await probePostgres();
const targets: { name: string; backend: 'pglite' | 'postgres'; open: () => Promise<TestKnex>; skip?: string }[] = [
  { name: 'PGlite', backend: 'pglite', open: openPgliteKnex },
  { name: 'PostgreSQL', backend: 'postgres', open: () => openPostgresKnex(), ...(pg.ok ? {} : { skip: pg.reason }) },
];

for (const target of targets) {
  describe.skipIf(target.skip !== undefined)(`pgvector store textSearch (BM25) on ${target.name}${target.skip ? ` — skipped: ${target.skip}` : ''}`, () => {
    let db: TestKnex;
    let knex: Knex;
    let store: PgvectorStore;
    const postings = async (userId: string) => Number(((await knex(bm25Names(store.table).postings).where({ user_id: userId }).count({ n: '*' })) as { n: string | number }[])[0]?.n);

    beforeAll(async () => {
      db = await target.open();
      knex = db.knex;
      store = createPgvectorStore({ knex, backend: target.backend, table: 'mem_text', bm25: { k1: 1.5, b: 0.6 } });
      await store.ensure(4);
      await store.upsert([
        rec({ id: 'fox', userId: 'u', sessionId: 'a', text: 'The quick brown fox jumps.', vector: [1, 0, 0, 0] }),
        rec({ id: 'bread', userId: 'u', sessionId: 'a', text: 'Brown bread and brown rice for dinner.', vector: [0, 1, 0, 0] }),
        rec({ id: 'rice', userId: 'u', sessionId: 'b', text: 'Rice again, we had rice on Monday.', vector: [0.6, 0.8, 0, 0], createdAt: new Date(T0 + DAY) }),
        rec({ id: 'none', userId: 'u', sessionId: 'b', text: 'Nothing to see here.', vector: [0, 0, 1, 0] }),
        rec({ id: 'theirs', userId: 'v', text: 'brown fox brown fox', vector: [1, 0, 0, 0] }),
      ]);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('returns hits in BM25 order with the BM25 score as lexicalScore and the cosine as score', async () => {
      const hits = await store.textSearch!('brown fox rice', Q, { k: 10, filter: { userId: 'u' } });
      const expected = await pgBm25Scores(knex, { table: store.table, query: 'brown fox rice', filter: { userId: 'u' }, k: 10, params: { k1: 1.5, b: 0.6 } });
      expect(hits.map((h) => h.record.id)).toEqual(expected.map((e) => e.id));
      expect(hits.map((h) => h.lexicalScore)).toEqual(expected.map((e) => e.bm25));
      expect(new Set(hits.map((h) => h.record.id))).toEqual(new Set(['fox', 'bread', 'rice']));
      const byId = new Map(hits.map((h) => [h.record.id, h]));
      expect(byId.get('fox')?.score).toBeCloseTo(1, 6);
      expect(byId.get('bread')?.score).toBeCloseTo(0, 6);
      expect(byId.get('rice')?.score).toBeCloseTo(0.6, 6);
      expect(byId.get('fox')?.record).toMatchObject({ userId: 'u', sessionId: 'a', text: 'The quick brown fox jumps.' });
      // the store's k1/b, not the defaults: with other parameters the scores differ
      const withDefaults = await pgBm25Scores(knex, { table: store.table, query: 'brown fox rice', filter: { userId: 'u' }, k: 10, params: DEFAULT_BM25 });
      expect(withDefaults.map((e) => e.bm25)).not.toEqual(expected.map((e) => e.bm25));
    });

    it('honours k, session and time filters, and withVectors', async () => {
      expect(await store.textSearch!('brown fox rice', Q, { k: 1, filter: { userId: 'u' } })).toHaveLength(1);
      const b = await store.textSearch!('brown fox rice', Q, { k: 10, filter: { userId: 'u', sessionId: 'b' }, withVectors: true });
      expect(b.map((h) => h.record.id)).toEqual(['rice']);
      expect(Array.from(b[0]!.vector ?? [])).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0, 0]);
      const later = await store.textSearch!('brown rice', Q, { k: 10, filter: { userId: 'u', from: new Date(T0 + DAY) } });
      expect(later.map((h) => h.record.id)).toEqual(['rice']);
      expect(await store.textSearch!('the and of', Q, { k: 10, filter: { userId: 'u' } })).toEqual([]);
      await expect(store.textSearch!('fox', Q, { k: 10, filter: { userId: '' } })).rejects.toThrow(/userId/);
      await expect(store.textSearch!('fox', Float32Array.from([1, 0]), { k: 10, filter: { userId: 'u' } })).rejects.toThrow(DimensionMismatchError);
    });

    it('store.delete, deleteOldest and re-upserts keep the postings in step with the memories', async () => {
      const u = 'del-user';
      await store.upsert([
        rec({ id: 'd1', userId: u, sessionId: 's1', text: 'alpha beta', vector: [1, 0, 0, 0], createdAt: new Date(T0) }),
        rec({ id: 'd2', userId: u, sessionId: 's1', text: 'alpha gamma', vector: [1, 0, 0, 0], createdAt: new Date(T0 + DAY) }),
        rec({ id: 'd3', userId: u, sessionId: 's2', text: 'delta', vector: [1, 0, 0, 0], createdAt: new Date(T0 + 2 * DAY) }),
        rec({ id: 'd4', userId: u, sessionId: 's2', text: 'epsilon zeta', vector: [1, 0, 0, 0], createdAt: new Date(T0 + 3 * DAY) }),
        rec({ id: 'd5', userId: u, sessionId: null, text: 'eta', vector: [1, 0, 0, 0], createdAt: new Date(T0 + 4 * DAY) }),
      ]);
      expect(await postings(u)).toBe(8);
      await store.upsert([rec({ id: 'd1', userId: u, sessionId: 's1', text: 'alpha', vector: [1, 0, 0, 0], createdAt: new Date(T0) })]);
      expect(await postings(u)).toBe(7);
      expect((await store.textSearch!('beta', Q, { k: 5, filter: { userId: u } })).map((h) => h.record.id)).toEqual([]);
      expect(await store.delete({ userId: u, ids: ['d2'] })).toBe(1);
      expect(await postings(u)).toBe(5);
      expect(await store.delete({ userId: u, to: new Date(T0) })).toBe(1); // TTL: d1
      expect(await postings(u)).toBe(4);
      expect(await store.deleteOldest!(u, 2)).toBe(1); // d3
      expect(await postings(u)).toBe(3);
      expect(await store.delete({ userId: u, sessionId: 's2' })).toBe(1); // d4
      expect(await postings(u)).toBe(1);
      expect(await store.delete({ userId: u })).toBe(1);
      expect(await postings(u)).toBe(0);
      expect(await knex(bm25Names(store.table).users).where({ user_id: u })).toEqual([]);
    });

    it('ensure() on a table from before BM25 backfills its statistics once', async () => {
      await ensureTable(knex, { table: 'mem_legacy', backend: target.backend, dimensions: 4 });
      await knex.raw(`insert into mem_legacy (id, user_id, session_id, message_ids, role, text, created_at, embedding)
        values ('l1', 'u', null, '[]', 'turn', 'old memory about sailing', now(), '[1,0,0,0]'), ('l2', 'u', null, '[]', 'turn', 'another one about sailing boats', now(), '[0,1,0,0]')`);
      const legacy = createPgvectorStore({ knex, backend: target.backend, table: 'mem_legacy' });
      await legacy.ensure(4);
      await legacy.ensure(4);
      const hits = await legacy.textSearch!('sailing boats', Q, { k: 5, filter: { userId: 'u' } });
      expect(hits.map((h) => h.record.id)).toEqual(['l2', 'l1']);
      const users = (await knex(bm25Names('mem_legacy').users).select('docs', 'total_len')) as { docs: unknown; total_len: unknown }[];
      expect(users.map((r) => [Number(r.docs), Number(r.total_len)])).toEqual([[2, 7]]); // old memori sail · anoth one sail boat
    });
  });
}

describe('pgvector store in a private schema (PGlite): extension in public, no fall-through to public tables', () => {
  let db: TestKnex;
  beforeAll(async () => {
    db = await openPgliteKnex();
  });
  afterAll(async () => {
    await db.close();
  });

  it('creates the extension in public and its own table even when public has one of another dimension', async () => {
    const { knex } = db;
    // PGlite has one connection, so this search_path holds for every statement below.
    await knex.raw('create schema priv');
    await knex.raw('set search_path = priv, public');
    await knex.raw('create table public.memories (id text primary key, embedding real[] not null)'); // not even a vector column
    const store = createPgvectorStore({ knex, backend: 'pglite' });
    await store.ensure(4);
    const ext = (await knex.raw("select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'vector'")) as { rows: { schema: string }[] };
    expect(ext.rows).toEqual([{ schema: 'public' }]);
    expect(await tableDimensions(knex, 'memories')).toBe(4);
    const tables = (await knex.raw("select schemaname from pg_tables where tablename in ('memories', 'memories_bm25') order by 1, tablename")) as { rows: { schemaname: string }[] };
    expect(tables.rows.map((r) => r.schemaname)).toEqual(['priv', 'priv', 'public']);
    await store.upsert([rec({ id: 'p1', userId: 'u', text: 'private schema memory', vector: [1, 0, 0, 0] })]);
    expect((await store.textSearch!('memory', Q, { k: 5, filter: { userId: 'u' } })).map((h) => h.record.id)).toEqual(['p1']);
    // dropping the private schema leaves the extension alone
    await knex.raw('set search_path = public');
    await knex.raw('drop schema priv cascade');
    const still = (await knex.raw("select count(*)::int as n from pg_extension where extname = 'vector'")) as { rows: { n: number }[] };
    expect(still.rows[0]?.n).toBe(1);
  });

  it('explains a pgvector installed in a schema that is not on the search_path', async () => {
    const { knex } = db;
    await knex.raw('create schema elsewhere');
    await knex.raw('alter extension vector set schema elsewhere');
    try {
      await knex.raw('set search_path = public');
      const store = createPgvectorStore({ knex, backend: 'pglite', table: 'mem_hidden' });
      await expect(store.ensure(4)).rejects.toThrow(/installed in schema "elsewhere", which is not on this connection's search_path/);
    } finally {
      await knex.raw('alter extension vector set schema public');
    }
  });
});
