import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, TEST_DATABASE_URL } from '../../../serve/testing';
import db from './index';
import { E2E_TIMEOUT_MS, tempRoot, type TempRoot } from '../../lib/test-run';

describe('db suite end to end (smallest configuration)', () => {
  let t: TempRoot;
  beforeAll(async () => {
    t = await tempRoot('db');
  });
  afterAll(async () => t?.cleanup());

  it('times every hot query idle and under load on each backend, with pool usage, and drops its schema', async () => {
    const r = await t.run(db, {
      backends,
      poolMax: 2,
      workers: 4,
      idleOps: 8,
      loadOps: 16,
      warmup: 2,
      historySizes: [3, 6],
      sessionsPerSize: 1,
      heavySessions: 45,
      otherUsers: 2,
      sessionsPerOtherUser: 2,
      deepPage: 2,
    });
    expect(r.output).not.toMatch(/suite failed/);
    expect(r.exitCode).toBe(0);
    const rep = r.report!;
    expect(rep.errors).toEqual([]);
    const queries = ['history_3', 'history_6', 'sessions_page_1', 'sessions_page_2', 'message_insert', 'turn_start'];
    for (const backend of backends) {
      for (const q of queries) {
        for (const load of ['idle', 'load']) {
          const row = rep.rows.find((x) => x.case === `${backend}/${q}/${load}`);
          expect(row, `${backend}/${q}/${load}`).toMatchObject({ n: load === 'idle' ? 8 : 16, errors: 0 });
          expect(rep.metrics[`${backend}_${q}_${load}_p99_ms`]?.value).toBeGreaterThan(0);
        }
      }
      // 4 workers on a pool of 2 (PGlite: 1) must wait for connections
      expect(rep.metrics[`${backend}_pool_pending_max_load`]?.value).toBeGreaterThan(0);
      expect(rep.rows.find((x) => x.case === `${backend}/message_insert/load`)).toMatchObject({ pool_used_max: backend === 'pglite' ? 1 : 2 });
    }
    expect(rep.tables?.['hot queries (backend × query × load)']?.rows).toHaveLength(backends.length * queries.length * 2);
    if (backends.includes('postgres')) {
      const where = (rep.meta.config as { where: { postgres: string } }).where.postgres;
      const schema = /schema (\w+)/.exec(where)?.[1] ?? '';
      expect(schema).toMatch(/^evaldb_/);
      const { openDb } = await import('../../../serve');
      const check = await openDb({ databaseUrl: process.env.DATABASE_URL ?? TEST_DATABASE_URL, migrate: false });
      try {
        const res = (await check.knex.raw('select count(*)::int as n from information_schema.schemata where schema_name = ?', [schema])) as { rows: { n: number }[] };
        expect(res.rows[0]?.n).toBe(0);
      } finally {
        await check.close();
      }
    }
  }, E2E_TIMEOUT_MS);
});
