import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, openTestDb, type TestDb } from '../../testing/db';
import { usersRepo } from './users';

describe.each(backends)('users repo on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('writes a user once per process: a known user costs no query', async () => {
    const users = usersRepo(t.db.knex);
    const sql: string[] = [];
    const onQuery = (q: { sql: string }) => sql.push(q.sql);
    t.db.knex.on('query', onQuery);
    try {
      const id = `u-${randomUUID().slice(0, 8)}`;
      await users.ensure(id);
      await users.ensure(id);
      await users.ensure(id);
      expect(sql.filter((s) => s.includes('insert into "users"'))).toHaveLength(1);
      expect(await t.db.knex('users').where({ id })).toHaveLength(1);
      // another process (a new repo) does not trust this one's memory
      await usersRepo(t.db.knex).ensure(id);
      expect(sql.filter((s) => s.includes('insert into "users"'))).toHaveLength(2);
    } finally {
      t.db.knex.off('query', onQuery);
    }
  });
});
