/**
 * `npm run db:migrate` — apply pending migrations to the configured database
 * (DATABASE_URL → PostgreSQL, otherwise PGlite under DATA_DIR/pglite).
 *   --rollback        undo the last batch
 *   --rollback --all  undo every migration
 */
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config';
import { openDb } from './index';
import { migratorConfig } from './migrations/index';

const USAGE = 'usage: tsx serve/db/migrate.ts [--rollback [--all]]';

class UsageError extends Error {}

/** knex returns [batchNo, names] from latest/rollback and [completed, pending] from list. */
function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((m: unknown) =>
    typeof m === 'string' ? m : typeof m === 'object' && m !== null && 'name' in m ? String(m.name) : String(m),
  );
}

function describeTarget(config: Config): string {
  if (!config.DATABASE_URL) return `pglite (${path.resolve(config.DATA_DIR, 'pglite')})`;
  const url = new URL(config.DATABASE_URL);
  if (url.password) url.password = '***';
  return `postgres (${url.toString()})`;
}

async function run(args: string[]): Promise<void> {
  const known = new Set(['--rollback', '--all']);
  const unknown = args.filter((a) => !known.has(a));
  if (unknown.length > 0) throw new UsageError(`unknown arguments: ${unknown.join(' ')}\n${USAGE}`);
  if (args.includes('--all') && !args.includes('--rollback')) throw new UsageError(`--all needs --rollback\n${USAGE}`);
  const config = loadConfig();
  const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1, migrate: false });
  try {
    const cfg = migratorConfig(db.schema);
    console.log(`backend: ${describeTarget(config)}`);
    if (args.includes('--rollback')) {
      const [, undone] = (await db.knex.migrate.rollback(cfg, args.includes('--all'))) as [number, unknown];
      console.log(`rolled back: ${names(undone).join(', ') || '(nothing to roll back)'}`);
    } else {
      const [, applied] = (await db.knex.migrate.latest(cfg)) as [number, unknown];
      console.log(`applied now: ${names(applied).join(', ') || '(already up to date)'}`);
    }
    const [completed] = (await db.knex.migrate.list(cfg)) as [unknown, unknown];
    console.log(`applied migrations: ${names(completed).join(', ') || '(none)'}`);
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2)).catch((err: unknown) => {
  const plain = err instanceof ConfigError || err instanceof UsageError || !(err instanceof Error);
  console.error(plain ? String(err instanceof Error ? err.message : err) : `migration failed: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
