import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import ClientPGLite from 'knex-pglite';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { migratorConfig } from './migrations/index';
import { startPgliteWorker, type PgliteWorker } from './pglite-worker';

export type DbBackend = 'postgres' | 'pglite';

/**
 * Where embedded PGlite runs: 'worker' (a worker thread; queries as messages) or 'inline' (this
 * thread: every query's CPU on the event loop). docs/DECISIONS.md has the measurements.
 */
export const PGLITE_MODES = ['worker', 'inline'] as const;
export type PgliteMode = (typeof PGLITE_MODES)[number];
export const DEFAULT_PGLITE_MODE: PgliteMode = 'worker';

export interface PoolStats {
  size: number;
  used: number;
  free: number;
  pending: number;
}

export interface Db {
  knex: Knex;
  backend: DbBackend;
  /** The embedded instance when backend is 'pglite' and it runs in this thread (mode 'inline'). */
  pglite?: PGlite;
  /** The thread running PGlite (mode 'worker'); `crash` is a test hook. */
  worker?: Pick<PgliteWorker, 'threadId' | 'crash'>;
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
  /** PGlite only: where it runs (default DEFAULT_PGLITE_MODE). */
  pgliteMode?: PgliteMode;
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
  let unlock = () => undefined as void;
  if (!opts.inMemory) {
    location = path.resolve(opts.dataDir ?? './data', 'pglite');
    mkdirSync(location, { recursive: true });
    unlock = lockDataDir(location);
  }
  try {
    const mode = opts.pgliteMode ?? DEFAULT_PGLITE_MODE;
    if (mode === 'inline') {
      const pglite = new PGlite(location, { extensions: { vector } });
      await pglite.waitReady;
      // knex-pglite reads `connection.pglite` and forces a pool of exactly one connection.
      const knex = knexFactory({ client: ClientPGLite, connection: () => ({ pglite }) } as Knex.Config);
      return makeDb(knex, 'pglite', undefined, {
        pglite,
        onClose: async () => {
          try {
            if (!pglite.closed) await pglite.close();
          } finally {
            unlock();
          }
        },
      });
    }
    const worker = await startPgliteWorker({ location });
    const knex = knexFactory({ client: ClientPGLite, connection: () => ({ pglite: worker.pglite }) } as Knex.Config);
    return makeDb(knex, 'pglite', undefined, { worker, onClose: () => worker.close().finally(unlock) });
  } catch (err) {
    unlock();
    throw err;
  }
}

/**
 * One process owns a PGlite data dir: a second opener (another server, `npm run memory:reindex` while
 * the server runs) would corrupt it. A lock file beside the dir holds the owner's pid; a dead owner's
 * lock is taken over.
 */
const heldLocks = new Set<string>();

function lockDataDir(location: string): () => void {
  const file = `${location}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      heldLocks.add(file);
      return () => {
        heldLocks.delete(file);
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const pid = Number(readFileSync(file, 'utf8'));
      // Our own pid in a lock we don't hold is a stale lock from an earlier run with the same pid
      // (a container's node is always pid 1), not a live owner.
      const ownStale = pid === process.pid && !heldLocks.has(file);
      if (!ownStale && processAlive(pid)) {
        throw new Error(`the PGlite data dir ${location} is in use by process ${pid} (${file}): one process owns it; stop that one, or share PostgreSQL (DATABASE_URL)`, { cause: err });
      }
      rmSync(file, { force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface DbExtras {
  pglite?: PGlite;
  worker?: PgliteWorker;
  onClose?: () => Promise<void>;
}

function makeDb(knex: Knex, backend: DbBackend, schema?: string, extras: DbExtras = {}): Db {
  let closed = false;
  return {
    knex,
    backend,
    ...(extras.pglite ? { pglite: extras.pglite } : {}),
    ...(extras.worker ? { worker: { threadId: extras.worker.threadId, crash: extras.worker.crash } } : {}),
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
      try {
        await knex.destroy(); // knex-pglite closes PGlite when its one connection is destroyed
      } finally {
        await extras.onClose?.();
      }
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
