import { randomBytes } from 'node:crypto';
import { openDb, PGLITE_MODES, type Db, type DbBackend, type PgliteMode } from '../db/index';

/** The PostgreSQL used by tests; override with TEST_DATABASE_URL. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const ALL_BACKENDS: readonly DbBackend[] = ['pglite', 'postgres'];

/**
 * Backends a suite should run against, for `describe.each(backends)`.
 * Both by default; TEST_DB_BACKENDS=pglite (comma list) narrows it on machines without PostgreSQL.
 */
export const backends: readonly DbBackend[] = selectBackends(process.env.TEST_DB_BACKENDS);

function selectBackends(raw: string | undefined): readonly DbBackend[] {
  if (!raw) return ALL_BACKENDS;
  const wanted = raw.split(',').map((s) => s.trim());
  return ALL_BACKENDS.filter((b) => wanted.includes(b));
}

/** PGLITE_MODE=worker|inline runs the PGlite tests in that mode (default: the server's default). */
export const testPgliteMode: PgliteMode | undefined = pgliteModeFromEnv(process.env.PGLITE_MODE);

function pgliteModeFromEnv(raw: string | undefined): PgliteMode | undefined {
  if (!raw) return undefined;
  if (!(PGLITE_MODES as readonly string[]).includes(raw)) throw new Error(`PGLITE_MODE must be one of ${PGLITE_MODES.join(', ')}, got ${raw}`);
  return raw as PgliteMode;
}

export interface TestDb {
  db: Db;
  /** Close the database; for PostgreSQL drop its private schema first. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** A unique schema name, so parallel test files and reruns never share tables. */
export function randomSchemaName(prefix = 'test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/**
 * A fresh, migrated, empty database: in-memory PGlite, or the test PostgreSQL in a random schema.
 * Call `cleanup` in afterAll.
 */
export async function openTestDb(backend: DbBackend, opts: { poolMax?: number } = {}): Promise<TestDb> {
  if (backend === 'pglite') {
    const db = await openDb({ inMemory: true, ...(testPgliteMode ? { pgliteMode: testPgliteMode } : {}) });
    return { db, cleanup: () => db.close() };
  }
  return openInSchema(TEST_DATABASE_URL, opts.poolMax ?? 4);
}

/** PostgreSQL at `url` in a fresh random schema that `cleanup` drops (tests and the db eval suite). */
export async function openInSchema(url: string, poolMax: number, prefix = 'test'): Promise<TestDb & { schema: string }> {
  const schema = randomSchemaName(prefix);
  const db = await openDb({ databaseUrl: url, schema, poolMax });
  let done = false;
  return {
    db,
    schema,
    async cleanup() {
      if (done) return;
      done = true;
      try {
        await db.knex.raw('drop schema if exists ?? cascade', [schema]);
      } finally {
        await db.close();
      }
    },
  };
}
