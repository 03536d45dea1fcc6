/**
 * For the knex CLI (`npx knex migrate:latest`, `migrate:status`, ...) against the PostgreSQL backend.
 * Migrations come from the same explicit list as the app (serve/db/migrations/index.ts).
 * The PGlite backend is migrated by `npm run db:migrate` (or automatically when the server starts).
 */
import type { Knex } from 'knex';
import { pgKnexConfig } from './serve/db/index';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  throw new Error('knexfile.ts: set DATABASE_URL=postgres://... (the knex CLI only manages the PostgreSQL backend; use `npm run db:migrate` for PGlite)');
}

const config: Knex.Config = pgKnexConfig({ databaseUrl, poolMax: Number(process.env.DB_POOL_MAX ?? 2) || 2 });

export default config;
