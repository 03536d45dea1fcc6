import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectorStoreContract, rec } from '../../testing/vector-store-contract';
import { createPgarrayStore, createPgvectorStore } from './pgvector';
import { PGARRAY_TYPE } from './pg-vector-type';
import { openPgliteKnex, openPostgresKnex, probePostgres, type TestKnex } from '../../testing/pg';

vectorStoreContract('pgarray on PGlite', async () => {
  const db = await openPgliteKnex();
  const make = () => createPgarrayStore({ knex: db.knex, backend: 'pglite' });
  return { store: make(), reopen: async () => make(), cleanup: () => db.close() };
});

const pg = await probePostgres();
const pgSkip = pg.ok || pg.reachable ? {} : { skip: pg.reason };

vectorStoreContract(
  'pgarray on PostgreSQL',
  async () => {
    const db = await openPostgresKnex();
    const make = () => createPgarrayStore({ knex: db.knex, backend: 'postgres' });
    return { store: make(), reopen: async () => make(), cleanup: () => db.close() };
  },
  pgSkip,
);

/** Seeded vectors, so a failure reproduces. */
function randomVectors(n: number, d: number, seed: number): Float32Array[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  return Array.from({ length: n }, () => Float32Array.from({ length: d }, next));
}

describe.skipIf(Boolean(pgSkip.skip))('pgarray on PostgreSQL: specifics', () => {
  let db: TestKnex;
  beforeAll(async () => {
    db = await openPostgresKnex();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('needs no extension, and the table refuses rows of another length even from hand-written SQL', async () => {
    const store = createPgarrayStore({ knex: db.knex, backend: 'postgres', table: 'mem_arr' });
    await store.ensure(3);
    expect(store.pgvectorVersion()).toBeUndefined();
    const type = (await db.knex.raw(
      "select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'mem_arr'::regclass and attname = 'embedding'",
    )) as { rows: { t: string }[] };
    expect(type.rows[0]?.t).toBe('real[]');
    const insert = (embedding: string) =>
      db.knex.raw("insert into mem_arr (id, user_id, role, text, created_at, embedding) values (?, 'u', 'turn', 't', now(), ?::real[])", [embedding, embedding]);
    await expect(insert('{1,2}')).rejects.toThrow(/check constraint/);
    await expect(insert('{{1,2,3}}')).rejects.toThrow(/check constraint/);
    await insert('{1,2,3}');
    expect(await store.count({ userId: 'u' })).toBe(1);
  });
});

describe('pgarray on PGlite: specifics', () => {
  let db: TestKnex;
  beforeAll(async () => {
    db = await openPgliteKnex();
  });
  afterAll(async () => {
    await db.close();
  });

  it('ranks and scores 384-d vectors as pgvector does', async () => {
    const d = 384;
    const [query, ...vectors] = randomVectors(201, d, 7);
    const records = vectors.map((v, i) => ({ ...rec({ id: `r${i}`, userId: 'same', vector: [] }), vector: v }));
    const array = createPgarrayStore({ knex: db.knex, backend: 'pglite', table: 'mem_cmp_array' });
    const vector = createPgvectorStore({ knex: db.knex, backend: 'pglite', table: 'mem_cmp_vector' });
    for (const s of [array, vector]) {
      await s.ensure(d);
      await s.upsert(records);
    }
    const search = { k: 20, filter: { userId: 'same' }, withVectors: true };
    const [a, v] = [await array.search(query!, search), await vector.search(query!, search)];
    expect(a.map((h) => h.record.id)).toEqual(v.map((h) => h.record.id));
    a.forEach((hit, i) => expect(hit.score).toBeCloseTo(v[i]!.score, 6));
    expect(Array.from(a[0]!.vector!)).toEqual(Array.from(v[0]!.vector!));
    const exact = (id: string) => cosine(query!, vectors[Number(id.slice(1))]!);
    a.forEach((hit) => expect(hit.score).toBeCloseTo(exact(hit.record.id), 6));
    const text = await array.textSearch!('some text', query!, { k: 3, filter: { userId: 'same' } });
    expect(text).toHaveLength(3);
    text.forEach((hit) => expect(hit.score).toBeCloseTo(exact(hit.record.id), 6));
  });

  it('refuses a pgvector table of the same name, saying what it found', async () => {
    await createPgvectorStore({ knex: db.knex, backend: 'pglite', table: 'mem_was_vector' }).ensure(4);
    await expect(createPgarrayStore({ knex: db.knex, backend: 'pglite', table: 'mem_was_vector' }).ensure(4)).rejects.toThrow(
      /embedding column is vector\(4\), not the pgarray store's real\[\]/,
    );
  });

  it('reads hex and decimal literals to the same float32 values', async () => {
    const v = Float32Array.from([0.1, -2.5e-7, 3.14159274, 1e-40, -0.333333343]);
    for (const enc of ['hex', 'decimal'] as const) {
      const res = (await db.knex.raw('select ?::real[]::text as t', [PGARRAY_TYPE.literal(v, enc)])) as { rows: { t: string }[] };
      expect(Array.from(PGARRAY_TYPE.parse(res.rows[0]!.t))).toEqual(Array.from(v));
    }
  });
});

function cosine(a: Float32Array, b: Float32Array): number {
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
