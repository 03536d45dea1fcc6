import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import ClientPGLite from 'knex-pglite';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { migratorConfig } from './migrations/index';

export type DbBackend = 'postgres' | 'pglite';

export interface PoolStats {
  size: number;
  used: number;
  free: number;
  pending: number;
}

export interface Db {
  knex: Knex;
  backend: DbBackend;
  /** The embedded instance when backend is 'pglite'. */
  pglite?: PGlite;
  /** PostgreSQL schema holding the tables, when one was requested. */
  schema?: string;
  ping(): Promise<void>;
  /** Apply pending migrations (idempotent). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  pool(): PoolStats;
}

export interface OpenDbOptions {
  /** postgres:// URL: use PostgreSQL through `pg`. Otherwise PGlite. */
  databaseUrl?: string;
  /** PGlite data lives in `${dataDir}/pglite`. */
  dataDir?: string;
  /** PGlite in memory (`memory://`), nothing written to disk. */
  inMemory?: boolean;
  /** PostgreSQL pool size (PGlite is always one connection). */
  poolMax?: number;
  /** PostgreSQL only: created if missing and put first on the search_path. */
  schema?: string;
  /** Run migrations before returning (default true). */
  migrate?: boolean;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Knex config for the PostgreSQL backend; shared with /knexfile.ts. */
export function pgKnexConfig(opts: { databaseUrl: string; poolMax?: number; schema?: string }): Knex.Config {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new Error(`Invalid schema name ${JSON.stringify(opts.schema)}: use lowercase letters, digits and _`);
  }
  return {
    client: 'pg',
    connection: opts.databaseUrl,
    pool: { min: 0, max: opts.poolMax ?? 10 },
    ...(opts.schema ? { searchPath: [opts.schema, 'public'] } : {}),
    migrations: migratorConfig(opts.schema),
  };
}

/** Open the database (PostgreSQL when databaseUrl is set, else PGlite) and migrate it. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const db = opts.databaseUrl ? await openPostgres({ ...opts, databaseUrl: opts.databaseUrl }) : await openPglite(opts);
  if (opts.migrate === false) return db;
  try {
    await db.migrate();
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}

async function openPostgres(opts: OpenDbOptions & { databaseUrl: string }): Promise<Db> {
  const knex = knexFactory(pgKnexConfig(opts));
  try {
    if (opts.schema) await createSchema(knex, opts.schema);
    else await knex.raw('select 1');
  } catch (err) {
    await knex.destroy();
    throw err;
  }
  return makeDb(knex, 'postgres', opts.schema);
}

async function createSchema(knex: Knex, schema: string): Promise<void> {
  try {
    await knex.raw('create schema if not exists ??', [schema]);
  } catch (err) {
    // Two processes creating the same schema at once: the loser sees a duplicate error.
    if (!isPgError(err, ['42P06', '23505'])) throw err;
  }
}

async function openPglite(opts: OpenDbOptions): Promise<Db> {
  let location = 'memory://';
  if (!opts.inMemory) {
    location = path.resolve(opts.dataDir ?? './data', 'pglite');
    mkdirSync(location, { recursive: true });
  }
  const pglite = new PGlite(location, { extensions: { vector } });
  await pglite.waitReady;
  // knex-pglite reads `connection.pglite` and forces a pool of exactly one connection.
  const knex = knexFactory({ client: ClientPGLite, connection: () => ({ pglite }) } as Knex.Config);
  return makeDb(knex, 'pglite', undefined, pglite);
}

function makeDb(knex: Knex, backend: DbBackend, schema?: string, pglite?: PGlite): Db {
  let closed = false;
  return {
    knex,
    backend,
    ...(pglite ? { pglite } : {}),
    ...(schema ? { schema } : {}),
    ping: async () => {
      await knex.raw('select 1');
    },
    migrate: async () => {
      await knex.migrate.latest(migratorConfig(schema));
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await knex.destroy(); // knex-pglite closes PGlite when its one connection is destroyed
      if (pglite && !pglite.closed) await pglite.close();
    },
    pool: () => poolStats(knex),
  };
}

interface TarnStats {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

function isTarn(pool: unknown): pool is TarnStats {
  return typeof pool === 'object' && pool !== null && typeof (pool as Partial<TarnStats>).numUsed === 'function';
}

function poolStats(knex: Knex): PoolStats {
  const pool: unknown = knex.client.pool;
  if (!isTarn(pool)) return { size: 0, used: 0, free: 0, pending: 0 };
  const used = pool.numUsed();
  const free = pool.numFree();
  return { size: used + free, used, free, pending: pool.numPendingAcquires() + pool.numPendingCreates() };
}

/** True when `err` is a PostgreSQL error with one of the given SQLSTATE codes. */
export function isPgError(err: unknown, codes: readonly string[]): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && codes.includes(code);
}
