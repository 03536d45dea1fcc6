import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from './index';
import { createRepos } from './repos/index';
import { migrations } from './migrations/index';
import { backends, openTestDb, randomSchemaName, TEST_DATABASE_URL, type TestDb } from '../testing/db';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tempDirs: string[] = [];
/** Every migration's name, in order (the list grows; the tests check that all of them apply). */
const ALL_MIGRATIONS = migrations.map((m) => m.name);

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'memocha-db-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function migrationNames(db: Db): Promise<string[]> {
  const rows = (await db.knex('knex_migrations').select('name').orderBy('id')) as { name: string }[];
  return rows.map((r) => r.name);
}

describe.each(backends)('openDb on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend, { poolMax: 2 });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('is migrated, pings and reports its backend', async () => {
    expect(t.db.backend).toBe(backend);
    await t.db.ping();
    await t.db.migrate(); // idempotent
    expect(await migrationNames(t.db)).toEqual(ALL_MIGRATIONS);
    for (const table of ['users', 'sessions', 'messages', 'llm_usage']) {
      expect(await t.db.knex.schema.hasTable(table)).toBe(true);
    }
  });

  it('enforces the check constraints', async () => {
    const repos = createRepos(t.db.knex);
    const s = await repos.sessions.create({ userId: 'checks' });
    await expect(repos.messages.insert({ sessionId: s.id, userId: 'checks', role: 'robot' as 'user', content: 'x' })).rejects.toThrow();
    await expect(
      repos.usage.record({ userId: 'checks', provider: 'p', model: 'm', promptTokens: 0, completionTokens: 0, outcome: 'nope' as 'ok' }),
    ).rejects.toThrow();
    await expect(repos.messages.insert({ sessionId: crypto.randomUUID(), userId: 'checks', role: 'user', content: 'orphan' })).rejects.toThrow();
  });

  it('reports pool usage within its limit', async () => {
    const max = backend === 'pglite' ? 1 : 2;
    // Promise.all starts the (lazy) knex queries now.
    const queries = Promise.all(Array.from({ length: 4 }, () => t.db.knex.raw('select pg_sleep(0.2)')));
    // Inline PGlite runs its WASM on this thread, so the event loop is blocked until its queries finish.
    if (backend === 'postgres') {
      await new Promise((r) => setTimeout(r, 80));
      expect(t.db.pool()).toMatchObject({ used: 2, size: 2, pending: 2 });
    } else if (t.db.worker) {
      await new Promise((r) => setTimeout(r, 80));
      expect(t.db.pool()).toMatchObject({ used: 1, size: 1, pending: 3 });
    }
    await queries;
    const idle = t.db.pool();
    expect(idle.used).toBe(0);
    expect(idle.size).toBeLessThanOrEqual(max);
  });
});

describe.runIf(backends.includes('postgres'))('PostgreSQL schemas', () => {
  it('opens the same schema twice without re-running migrations, and cleanup drops it', async () => {
    const schema = randomSchemaName('twice');
    const first = await openDb({ databaseUrl: TEST_DATABASE_URL, schema, poolMax: 1 });
    const second = await openDb({ databaseUrl: TEST_DATABASE_URL, schema, poolMax: 1 });
    expect(await migrationNames(second)).toEqual(ALL_MIGRATIONS);
    await second.close();
    await first.knex.raw('drop schema ?? cascade', [schema]);
    await first.close();
    await first.close(); // idempotent
  });

  it('drops the random schema on cleanup', async () => {
    const t = await openTestDb('postgres');
    const schema = t.db.schema;
    expect(schema).toMatch(/^test_[0-9a-f]{12}$/);
    await t.cleanup();
    const probe = await openDb({ databaseUrl: TEST_DATABASE_URL, poolMax: 1, migrate: false });
    const rows = (await probe.knex('pg_namespace').where({ nspname: schema })) as unknown[];
    await probe.close();
    expect(rows).toEqual([]);
  });

  it('rejects unsafe schema names', async () => {
    await expect(openDb({ databaseUrl: TEST_DATABASE_URL, schema: 'x"; drop schema public; --' })).rejects.toThrow(/Invalid schema name/);
  });
});

describe('PGlite', () => {
  it('persists under DATA_DIR across close and reopen (migrations run once)', async () => {
    const dataDir = path.join(await tempDir(), 'nested', 'data');
    const first = await openDb({ dataDir });
    expect(first.backend).toBe('pglite');
    expect(existsSync(path.join(dataDir, 'pglite'))).toBe(true);
    const repos = createRepos(first.knex);
    const s = await repos.sessions.create({ userId: 'persist', title: 'kept 🎉' });
    await repos.messages.insert({ sessionId: s.id, userId: 'persist', role: 'user', content: `'); DROP TABLE messages; --` });
    await first.close();
    await first.close(); // idempotent

    const second = await openDb({ dataDir });
    try {
      const again = createRepos(second.knex);
      expect(await again.sessions.get('persist', s.id)).toMatchObject({ title: 'kept 🎉' });
      expect((await again.messages.recent(s.id, 5)).map((m) => m.content)).toEqual([`'); DROP TABLE messages; --`]);
      expect(await migrationNames(second)).toEqual(ALL_MIGRATIONS);
    } finally {
      await second.close();
    }
  });

  it('supports CREATE EXTENSION vector', async () => {
    const db = await openDb({ inMemory: true, migrate: false });
    try {
      await db.knex.raw('create extension if not exists vector');
      const result = (await db.knex.raw(`select '[1,2,3]'::vector <-> '[1,2,5]'::vector as distance`)) as { rows: { distance: number }[] };
      expect(result.rows[0]?.distance).toBeCloseTo(2);
    } finally {
      await db.close();
    }
  });
});

describe('npm run db:migrate', () => {
  it('migrates a PGlite DATA_DIR, then rolls back, exiting 0', { timeout: 120_000 }, async () => {
    const dataDir = await tempDir();
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', NODE_ENV: 'test' };
    const opts = { cwd: ROOT, env, timeout: 60_000 };
    const up = await run('npx', ['tsx', 'serve/db/migrate.ts'], opts);
    expect(up.stdout).toContain(`backend: pglite (${path.join(dataDir, 'pglite')})`);
    expect(up.stdout).toContain(`applied now: ${ALL_MIGRATIONS.join(', ')}`);

    const down = await run('npx', ['tsx', 'serve/db/migrate.ts', '--rollback'], opts);
    expect(down.stdout).toContain(`rolled back: ${[...ALL_MIGRATIONS].reverse().join(', ')}`);
    expect(down.stdout).toContain('applied migrations: (none)');
  });

  it('exits non-zero on unknown arguments', { timeout: 60_000 }, async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: await tempDir(), DATABASE_URL: '' };
    await expect(run('npx', ['tsx', 'serve/db/migrate.ts', '--bogus'], { cwd: ROOT, env })).rejects.toMatchObject({ code: 1 });
  });
});
