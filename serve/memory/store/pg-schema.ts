/**
 * DDL for the pgvector store: the extension, the memories table, its indexes, and the check that
 * an existing table has the expected vector dimension.
 */
import type { Knex } from 'knex';
import { pgCode } from './pg-sql';
import { PGVECTOR_TYPE, type VectorType } from './pg-vector-type';
import { DimensionMismatchError, PgvectorMissingError } from './types';

export interface HnswParams {
  m: number;
  efConstruction: number;
  /** maintenance_work_mem for the build, e.g. '256MB' (a graph larger than it builds much slower). */
  maintenanceWorkMem?: string;
}

export interface SchemaOptions {
  table: string;
  backend: 'pglite' | 'postgres';
  dimensions: number;
  hnsw?: HnswParams;
  /** Default pgvector's `vector(n)`. */
  vectorType?: VectorType;
}

/** pgvector's limit for indexing the `vector` type. */
export const HNSW_MAX_DIMENSIONS = 2000;

export const indexNames = (table: string) =>
  ({ userCreated: `${table}_user_created_idx`, userSession: `${table}_user_session_idx`, hnsw: `${table}_embedding_hnsw_idx` }) as const;

/**
 * The installed pgvector version, installing the extension if needed. It goes into `public`, not
 * the first schema of the search_path: there it would belong to that schema (e.g. a test's private
 * one), and dropping the schema would drop the extension for every other user of the database.
 */
export async function ensureExtension(knex: Knex, backend: SchemaOptions['backend']): Promise<string> {
  const installed = await extensionVersion(knex);
  if (installed) {
    await checkVectorTypeVisible(knex);
    return installed;
  }
  try {
    await knex.raw('create extension if not exists vector with schema public');
  } catch (err) {
    const code = pgCode(err);
    if (code === '23505' || code === '42710') {
      await checkVectorTypeVisible(knex); // a concurrent create won
      return (await extensionVersion(knex)) ?? 'unknown';
    }
    if (backend === 'postgres' && code === '42501') {
      throw new Error('permission denied to create the pgvector extension: ask a superuser to run CREATE EXTENSION vector', { cause: err });
    }
    if (backend === 'postgres') throw new PgvectorMissingError(await serverMajor(knex), err);
    throw err;
  }
  await checkVectorTypeVisible(knex);
  return (await extensionVersion(knex)) ?? 'unknown';
}

/** The store writes `vector`, `<=>` and `vector_cosine_ops` unqualified: the extension's schema must be on the search_path. */
async function checkVectorTypeVisible(knex: Knex): Promise<void> {
  const res = (await knex.raw(
    `select to_regtype('vector') is not null as visible, n.nspname as schema, current_setting('search_path') as path
       from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'vector'`,
  )) as { rows: { visible: boolean; schema: string; path: string }[] };
  const row = res.rows[0];
  if (row && !row.visible) {
    throw new Error(`the pgvector extension is installed in schema "${row.schema}", which is not on this connection's search_path (${row.path}): add it to the search_path`);
  }
}

async function extensionVersion(knex: Knex): Promise<string | undefined> {
  const res = (await knex.raw("select extversion from pg_extension where extname = 'vector'")) as { rows: { extversion: string }[] };
  return res.rows[0]?.extversion;
}

async function serverMajor(knex: Knex): Promise<string> {
  try {
    const res = (await knex.raw('show server_version_num')) as { rows: { server_version_num: string }[] };
    return String(Math.floor(Number(res.rows[0]?.server_version_num) / 10000));
  } catch {
    return 'NN';
  }
}

/**
 * The dimension of `table.embedding` in the current schema, or undefined when the table does not
 * exist there (a table of that name further down the search_path, e.g. public.memories seen from
 * a private schema, does not count: the store creates its own).
 */
export async function tableDimensions(knex: Knex, table: string, vectorType: VectorType = PGVECTOR_TYPE): Promise<number | undefined> {
  const res = (await knex.raw(
    `select format_type(a.atttypid, a.atttypmod) as type,
            array(select pg_get_constraintdef(c.oid) from pg_constraint c where c.conrelid = a.attrelid and c.contype = 'c') as checks
       from pg_attribute a
      where a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident(?)) and a.attname = 'embedding' and not a.attisdropped`,
    [table],
  )) as { rows: { type: string; checks: string[] }[] };
  const row = res.rows[0];
  if (row === undefined) return undefined;
  const dims = vectorType.dimensionsOf(row.type, row.checks);
  if (dims === undefined) throw new Error(`table ${table} exists but its embedding column is ${row.type}, not the ${vectorType.name} store's ${vectorType.columnType(1).replace('1', 'n')}`);
  return dims;
}

/** Create the table and indexes if missing; refuse an existing table of another dimension. */
export async function ensureTable(knex: Knex, opts: SchemaOptions): Promise<void> {
  const { table, dimensions } = opts;
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16000) throw new Error(`invalid vector dimension ${dimensions}`);
  if (opts.hnsw && dimensions > HNSW_MAX_DIMENSIONS) {
    throw new Error(`HNSW indexes on vector support at most ${HNSW_MAX_DIMENSIONS} dimensions (got ${dimensions}): use index type 'exact'`);
  }
  const vectorType = opts.vectorType ?? PGVECTOR_TYPE;
  const existing = await tableDimensions(knex, table, vectorType);
  if (existing !== undefined && existing !== dimensions) throw new DimensionMismatchError(existing, dimensions, `table ${table}`);
  const names = indexNames(table);
  if (existing === undefined) {
    await retryOnDuplicate(() =>
      knex.transaction(async (trx) => {
        await trx.raw(
          `create table if not exists ?? (
             id text primary key,
             user_id text not null,
             session_id text null,
             message_ids jsonb not null default '[]',
             role text not null,
             text text not null,
             created_at timestamptz not null,
             embedding ${vectorType.columnType(dimensions)} not null ${vectorType.columnCheck(dimensions)}
           )`,
          [table],
        );
        // Keep vectors inline and uncompressed (random floats do not compress; TOAST only costs).
        if (dimensions <= 1536) await trx.raw('alter table ?? alter column embedding set storage plain', [table]);
      }),
    );
  }
  await retryOnDuplicate(() => knex.raw('create index if not exists ?? on ?? (user_id, created_at)', [names.userCreated, table]));
  await retryOnDuplicate(() => knex.raw('create index if not exists ?? on ?? (user_id, session_id)', [names.userSession, table]));
  if (opts.hnsw) await ensureHnswIndex(knex, table, opts.hnsw);
}

export async function ensureHnswIndex(knex: Knex, table: string, hnsw: HnswParams): Promise<void> {
  const m = checkInt(hnsw.m, 'm', 2, 100);
  const efc = checkInt(hnsw.efConstruction, 'efConstruction', 4, 1000);
  if (efc < 2 * m) throw new Error(`HNSW efConstruction (${efc}) must be at least 2 × m (${2 * m})`);
  await retryOnDuplicate(() =>
    knex.transaction(async (trx) => {
      if (hnsw.maintenanceWorkMem) await trx.raw("select set_config('maintenance_work_mem', ?, true)", [hnsw.maintenanceWorkMem]);
      // WITH (...) takes no bind parameters: m and efc are validated integers.
      await trx.raw(
        `create index if not exists ?? on ?? using hnsw (embedding vector_cosine_ops) with (m = ${m}, ef_construction = ${efc})`,
        [indexNames(table).hnsw, table],
      );
    }),
  );
}

export function checkInt(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`HNSW ${name} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

/** Two processes creating the same object at once: the loser gets a duplicate error; try once more. */
async function retryOnDuplicate<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!['23505', '42P07', '42710'].includes(pgCode(err) ?? '')) throw err;
    return fn();
  }
}
