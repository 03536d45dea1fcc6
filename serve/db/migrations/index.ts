import type { Knex } from 'knex';
import * as init001 from './001_init';
import * as memory002 from './002_memory_indexing';
import * as answers003 from './003_answer_lifecycle';
import * as apiKeys004 from './004_api_keys';
import * as forgotten005 from './005_memory_forgotten';
import * as turnStart006 from './006_turn_start';
import * as answerSettle007 from './007_answer_settle';
import * as indexClaims008 from './008_index_claims';
import * as liveEval009 from './009_live_eval';

interface NamedMigration {
  name: string;
  /** What the knex CLI prints for pending migrations. */
  file: string;
  migration: Knex.Migration;
}

/** Every migration, in order. Add new ones here: nothing is discovered from the file system. */
export const migrations: readonly NamedMigration[] = [
  { name: '001_init', file: '001_init.ts', migration: init001 },
  { name: '002_memory_indexing', file: '002_memory_indexing.ts', migration: memory002 },
  { name: '003_answer_lifecycle', file: '003_answer_lifecycle.ts', migration: answers003 },
  { name: '004_api_keys', file: '004_api_keys.ts', migration: apiKeys004 },
  { name: '005_memory_forgotten', file: '005_memory_forgotten.ts', migration: forgotten005 },
  { name: '006_turn_start', file: '006_turn_start.ts', migration: turnStart006 },
  { name: '007_answer_settle', file: '007_answer_settle.ts', migration: answerSettle007 },
  { name: '008_index_claims', file: '008_index_claims.ts', migration: indexClaims008 },
  { name: '009_live_eval', file: '009_live_eval.ts', migration: liveEval009 },
];

/** A knex MigrationSource over the explicit list above (works the same under tsx, vitest and the knex CLI). */
export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: () => Promise.resolve([...migrations]),
  getMigrationName: (m) => m.name,
  getMigration: (m) => Promise.resolve(m.migration),
};

/** Migrator config; `schema` puts knex_migrations in the same schema as the tables. */
export function migratorConfig(schema?: string): Knex.MigratorConfig {
  return { migrationSource, ...(schema ? { schemaName: schema } : {}) };
}
