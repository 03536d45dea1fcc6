import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectorStoreContract, rec } from '../../testing/vector-store-contract';
import { createPgvectorStore, compareVersions, type PgvectorIndexOptions } from './pgvector';
import { hexFloat, toVectorLiteral, parseVectorText, checkTableName } from './pg-sql';
import { openPgliteKnex, openPostgresKnex, probePostgres, type TestKnex } from '../../testing/pg';
import { PgvectorMissingError } from './types';

const EXACT: PgvectorIndexOptions = { type: 'exact' };
const HNSW: PgvectorIndexOptions = { type: 'hnsw', m: 4, efConstruction: 16, efSearch: 20 };

function pgliteHandle(index: PgvectorIndexOptions) {
  return async () => {
    const db = await openPgliteKnex();
    const make = () => createPgvectorStore({ knex: db.knex, backend: 'pglite', index });
    return { store: make(), reopen: async () => make(), cleanup: () => db.close() };
  };
}

vectorStoreContract('pgvector on PGlite, exact scan', pgliteHandle(EXACT));
vectorStoreContract('pgvector on PGlite, HNSW index', pgliteHandle(HNSW));

const pg = await probePostgres();
vectorStoreContract(
  'pgvector on PostgreSQL, HNSW index',
  async () => {
    const db = await openPostgresKnex();
    const make = () => createPgvectorStore({ knex: db.knex, backend: 'postgres', index: HNSW });
    return { store: make(), reopen: async () => make(), cleanup: () => db.close() };
  },
  pg.ok ? {} : { skip: pg.reason },
);

describe.skipIf(pg.ok || !pg.reachable)('pgvector on a PostgreSQL without the extension', () => {
  it('ensure() explains how to install pgvector', async () => {
    const db = await openPostgresKnex();
    try {
      const store = createPgvectorStore({ knex: db.knex, backend: 'postgres' });
      const err = await store.ensure(4).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PgvectorMissingError);
      expect(String((err as Error).message)).toMatch(
        /the pgvector extension is not installed in this PostgreSQL: install postgresql-\d+-pgvector .*embedded PGlite default/,
      );
    } finally {
      await db.close();
    }
  });
});

describe('pgvector store on PGlite: specifics', () => {
  let db: TestKnex;
  beforeAll(async () => {
    db = await openPgliteKnex();
  });
  afterAll(async () => {
    await db.close();
  });

  it('creates the table, the user indexes and the HNSW index with its parameters', async () => {
    const store = createPgvectorStore({ knex: db.knex, backend: 'pglite', table: 'mem_idx', index: { type: 'hnsw', m: 8, efConstruction: 32 } });
    await store.ensure(3);
    const res = (await db.knex.raw("select indexname, indexdef from pg_indexes where tablename = 'mem_idx' order by indexname")) as {
      rows: { indexname: string; indexdef: string }[];
    };
    const defs = res.rows.map((r) => r.indexdef).join('\n');
    expect(defs).toMatch(/USING hnsw \(embedding vector_cosine_ops\) WITH \(m='?8'?, ef_construction='?32'?\)/);
    expect(defs).toMatch(/\(user_id, created_at\)/);
    expect(store.pgvectorVersion()).toMatch(/^\d+\.\d+/);
  });

  it('exact: true never touches the HNSW index', async () => {
    const store = createPgvectorStore({ knex: db.knex, backend: 'pglite', table: 'mem_plan', index: { type: 'hnsw', m: 4, efConstruction: 16 } });
    await store.ensure(4);
    await store.upsert(Array.from({ length: 50 }, (_, i) => rec({ userId: 'u', vector: [1, i, i % 7, 1] })));
    const scans = async () => {
      await db.knex.raw('select pg_stat_force_next_flush()');
      await db.knex.raw('select pg_stat_clear_snapshot()');
      const res = (await db.knex.raw("select idx_scan from pg_stat_user_indexes where indexrelname = 'mem_plan_embedding_hnsw_idx'")) as {
        rows: { idx_scan: number | string }[];
      };
      return Number(res.rows[0]?.idx_scan ?? -1);
    };
    const before = await scans();
    const hits = await store.search(Float32Array.from([1, 2, 3, 4]), { k: 5, filter: { userId: 'u' }, exact: true });
    expect(hits).toHaveLength(5);
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    expect(await scans()).toBe(before);
    // On 50 rows the planner prefers an exact sort; forceIndex walks the graph anyway.
    const forced = createPgvectorStore({ knex: db.knex, backend: 'pglite', table: 'mem_plan', index: { type: 'hnsw', m: 4, efConstruction: 16, forceIndex: true } });
    await forced.ensure(4);
    const viaGraph = await forced.search(Float32Array.from([1, 2, 3, 4]), { k: 5, filter: { userId: 'u' } });
    expect(await scans()).toBeGreaterThan(before);
    expect(viaGraph.map((h) => h.record.id)).toEqual(hits.map((h) => h.record.id));
  });

  it('refuses bad table names and HNSW parameters', async () => {
    expect(() => checkTableName('memories; drop')).toThrow(/invalid table name/);
    const store = createPgvectorStore({ knex: db.knex, backend: 'pglite', table: 'mem_bad', index: { type: 'hnsw', m: 16, efConstruction: 8 } });
    await expect(store.ensure(4)).rejects.toThrow(/efConstruction/);
    expect(() => createPgvectorStore({ knex: db.knex, backend: 'pglite', index: { type: 'hnsw', efSearch: 0 } })).toThrow(/efSearch/);
  });

  it('needs ensure() before upsert and search', async () => {
    const store = createPgvectorStore({ knex: db.knex, backend: 'pglite', table: 'mem_unready' });
    await expect(store.upsert([rec({ userId: 'u', vector: [1, 0, 0, 0] })])).rejects.toThrow(/call ensure/);
  });
});

describe('vector literals', () => {
  it('hex floats are exact for normal, subnormal, negative and zero values', async () => {
    const values = Float32Array.from([0, -0, 1, -1, 0.1, -0.3333333, 1e-40, 3.4e38, 1.17549435e-38, 123.456]);
    for (const x of values) {
      const parsed = parseHexFloat(hexFloat(x));
      expect(Object.is(parsed, x) || parsed === x).toBe(true);
    }
    expect(hexFloat(1)).toBe('0x1.000000p0');
    expect(hexFloat(-0.5)).toBe('-0x1.000000p-1');
  });

  it('PGlite reads hex and decimal literals to the same float32 values', async () => {
    const db = await openPgliteKnex();
    try {
      await db.knex.raw('create extension if not exists vector');
      const v = Float32Array.from([0.1, -2.5e-7, 3.14159274, 1e-40, -0.333333343]);
      for (const enc of ['hex', 'decimal'] as const) {
        const res = (await db.knex.raw('select ?::vector::text as t', [toVectorLiteral(v, enc)])) as { rows: { t: string }[] };
        expect(Array.from(parseVectorText(res.rows[0]!.t))).toEqual(Array.from(v).map((x) => expect.closeTo(x, 12)));
      }
    } finally {
      await db.close();
    }
  });

  it('compares pgvector versions numerically', () => {
    expect(compareVersions('0.10.0', '0.8.0')).toBeGreaterThan(0);
    expect(compareVersions('0.7.4', '0.8.0')).toBeLessThan(0);
    expect(compareVersions('0.8.0', '0.8')).toBe(0);
  });
});

/** Independent decoder for the test: sign, 1.m or 0.m mantissa, binary exponent. */
function parseHexFloat(s: string): number {
  const m = /^(-?)0x([01])\.([0-9a-f]+)p(-?\d+)$/.exec(s);
  if (!m) return Number(s);
  const mant = Number(m[2]) + parseInt(m[3]!, 16) / 16 ** m[3]!.length;
  return Math.fround((m[1] ? -1 : 1) * mant * 2 ** Number(m[4]));
}
