/** Test support: a knex on a fresh in-memory PGlite with pgvector, or on the test PostgreSQL. */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { openDb } from '../db/index';
import { TEST_DATABASE_URL, testPgliteMode } from './db';

export interface TestKnex {
  knex: Knex;
  close(): Promise<void>;
}

/** Unmigrated, in the server's PGlite mode (or PGLITE_MODE's). */
export async function openPgliteKnex(): Promise<TestKnex> {
  const db = await openDb({ inMemory: true, migrate: false, ...(testPgliteMode ? { pgliteMode: testPgliteMode } : {}) });
  return { knex: db.knex, close: () => db.close() };
}

/** A knex on the test PostgreSQL with its own schema first on the search_path; dropped on close. */
export async function openPostgresKnex(url = TEST_DATABASE_URL): Promise<TestKnex> {
  const schema = `vs_${randomBytes(6).toString('hex')}`;
  const knex = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 4 }, searchPath: [schema, 'public'] });
  await knex.raw('create schema ??', [schema]);
  return {
    knex,
    close: async () => {
      try {
        await knex.raw('drop schema if exists ?? cascade', [schema]);
      } finally {
        await knex.destroy();
      }
    },
  };
}

export type PostgresProbe = { ok: true } | { ok: false; reason: string; reachable: boolean };

/** Is the test PostgreSQL reachable, and does it offer pgvector? */
export async function probePostgres(url = TEST_DATABASE_URL): Promise<PostgresProbe> {
  const knex = knexFactory({ client: 'pg', connection: { connectionString: url, connectionTimeoutMillis: 3000 }, pool: { min: 0, max: 1 } });
  try {
    const res = (await knex.raw("select count(*)::int as n from pg_available_extensions where name = 'vector'")) as { rows: { n: number }[] };
    if ((res.rows[0]?.n ?? 0) > 0) return { ok: true };
    return { ok: false, reachable: true, reason: `the PostgreSQL at ${redact(url)} has no pgvector extension (install postgresql-NN-pgvector to run it)` };
  } catch (err) {
    return { ok: false, reachable: false, reason: `no PostgreSQL at ${redact(url)} (${(err as Error).message})` };
  } finally {
    await knex.destroy();
  }
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
