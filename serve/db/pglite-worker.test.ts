import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPgError, openDb, type Db } from './index';
import { DbUnavailableError } from './pglite-worker';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'memocha-pglite-worker-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Counts 1 ms timer ticks while `work` runs: zero when the event loop was blocked throughout. */
async function ticksDuring(work: Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    await work;
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

describe('PGlite in a worker thread', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb({ inMemory: true, pgliteMode: 'worker', migrate: false });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('answers queries, keeps PostgreSQL error codes and leaves the event loop free during a query', async () => {
    expect(db.backend).toBe('pglite');
    expect(db.pglite).toBeUndefined();
    expect(db.worker?.threadId).toBeGreaterThan(0);
    const r = (await db.knex.raw(`select 1 + ? as n, now() as t, '{"a":[1]}'::jsonb as j`, [41])) as { rows: { n: number; t: Date; j: unknown }[] };
    expect(r.rows[0]).toMatchObject({ n: 42, j: { a: [1] } });
    expect(r.rows[0]?.t).toBeInstanceOf(Date);
    const err = await db.knex.raw('select * from no_such_table').catch((e: unknown) => e);
    expect(isPgError(err, ['42P01'])).toBe(true);
    // Inline, PGlite's WebAssembly holds this thread for the whole sleep: no timer tick at all.
    expect(await ticksDuring(db.knex.raw('select pg_sleep(0.5)'))).toBeGreaterThan(0);
  });

  it('runs concurrent transactions one at a time: no lost update, a rollback leaves nothing', async () => {
    await db.knex.raw('create table counter (n int not null)');
    await db.knex.raw('insert into counter values (0)');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.knex.transaction(async (trx) => {
          const [row] = (await trx('counter').select('n')) as { n: number }[];
          await trx('counter').update({ n: row!.n + 1 });
        }),
      ),
    );
    await expect(
      db.knex.transaction(async (trx) => {
        await trx('counter').update({ n: -1 });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.knex('counter').select('n')).toEqual([{ n: 20 }]);
  });

  it('a worker crash fails pending and later queries with db_unavailable (503) instead of hanging', async () => {
    const db = await openDb({ inMemory: true, pgliteMode: 'worker', migrate: false });
    try {
      const pending = db.knex.raw('select pg_sleep(2)');
      db.worker!.crash();
      await expect(pending).rejects.toBeInstanceOf(DbUnavailableError);
      await expect(db.ping()).rejects.toMatchObject({ status: 503, code: 'db_unavailable' });
    } finally {
      await db.close();
    }
  });
});

describe('the PGlite data dir', () => {
  it('persists across close and reopen in worker mode, and has one owner at a time', async () => {
    const dataDir = await tempDir();
    const first = await openDb({ dataDir, pgliteMode: 'worker', migrate: false });
    let second: Db | undefined;
    try {
      await first.knex.raw('create table kept (v text)');
      await first.knex('kept').insert({ v: 'flushed on close' });
      await expect(openDb({ dataDir, pgliteMode: 'inline', migrate: false })).rejects.toThrow(/in use by process \d+/);
      await first.close();
      second = await openDb({ dataDir, pgliteMode: 'inline', migrate: false });
      expect(await second.knex('kept').select('v')).toEqual([{ v: 'flushed on close' }]);
    } finally {
      await first.close();
      await second?.close();
    }
  });

  it('takes over the lock of a process that died', async () => {
    const dataDir = await tempDir();
    writeFileSync(path.join(dataDir, 'pglite.lock'), '999999999');
    const db = await openDb({ dataDir, migrate: false });
    await db.ping();
    await db.close();
  });

  it('takes over a stale lock that names our own pid (a restarted container whose node is pid 1 again)', async () => {
    const dataDir = await tempDir();
    writeFileSync(path.join(dataDir, 'pglite.lock'), String(process.pid));
    const db = await openDb({ dataDir, migrate: false });
    try {
      await expect(openDb({ dataDir, migrate: false })).rejects.toThrow(/in use by process/);
    } finally {
      await db.close();
    }
  });
});
