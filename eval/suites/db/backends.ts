/**
 * The databases the db suite measures: PGlite in memory, and PostgreSQL (DATABASE_URL, else the test
 * database postgres://postgres@127.0.0.1:5432/test) in a random schema that is dropped afterwards.
 */
import { type Db, type DbBackend, openDb } from '../../../serve';
import { openInSchema, TEST_DATABASE_URL } from '../../../serve/testing';

export interface BenchDb {
  db: Db;
  backend: DbBackend;
  /** where it lives, for the report (no credentials) */
  where: string;
  cleanup(): Promise<void>;
}

/** The PostgreSQL URL the suite uses: config, then DATABASE_URL, then the test database. */
export function postgresUrl(configured?: string): string {
  return configured ?? process.env.DATABASE_URL ?? TEST_DATABASE_URL;
}

/** host:port/database of a postgres URL, without user or password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres (unparsable URL)';
  }
}

export async function openBenchDb(backend: DbBackend, opts: { url?: string; poolMax: number }): Promise<BenchDb> {
  if (backend === 'pglite') {
    const db = await openDb({ inMemory: true });
    return { db, backend, where: 'PGlite memory://, one connection', cleanup: () => db.close() };
  }
  const url = postgresUrl(opts.url);
  const pg = await openInSchema(url, opts.poolMax, 'evaldb');
  return { db: pg.db, backend, where: `${describeUrl(url)} schema ${pg.schema} (dropped after), pool max ${opts.poolMax}`, cleanup: pg.cleanup };
}
