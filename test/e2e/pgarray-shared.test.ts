import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../serve';
import { openInSchema, probePostgres, startStack, TEST_DATABASE_URL, type Stack } from '../../serve/testing';
import { api } from '../support/client';

/**
 * Two servers (two runtimes, each with its own database pool and indexer) on one PostgreSQL without
 * pgvector, VECTOR_STORE=pgarray: what one stores the other finds, and each message is indexed once.
 */
const pg = await probePostgres();

describe.skipIf(!pg.ok && !pg.reachable)('two servers sharing memories through pgarray on PostgreSQL', () => {
  let cleanupSchema: () => Promise<void>;
  let second: Db;
  let a: Stack;
  let b: Stack;
  const alice = { 'x-memocha-user': 'alice' };

  beforeAll(async () => {
    const first = await openInSchema(TEST_DATABASE_URL, 4, 'pgarray');
    cleanupSchema = first.cleanup;
    second = await openDb({ databaseUrl: TEST_DATABASE_URL, schema: first.schema, poolMax: 4 });
    const env = { VECTOR_STORE: 'pgarray' };
    a = await startStack({ db: first.db, env, sim: { mode: 'extractive' } });
    b = await startStack({ db: second, env, sim: { mode: 'extractive' } });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await second?.close();
    await cleanupSchema?.();
  });

  it('a fact told through one server is found through the other, and no message is indexed twice', async () => {
    expect(a.runtime.memoryService?.stats().indexer).toBeDefined();
    const session = (await api(`${a.url}/v1/sessions`, { body: {}, headers: alice })).json.id as string;
    // the same session's turns through both servers, their per-turn indexing and sweeps racing
    await api(`${a.url}/v1/sessions/${session}/messages`, { body: { content: 'My locker code is 4312 and my cat is called Pixel.' }, headers: alice });
    await api(`${b.url}/v1/sessions/${session}/messages`, { body: { content: 'I grow tomatoes on my balcony.' }, headers: alice });
    await Promise.all([a.runtime.memoryService!.sweep({ minAgeMs: 0 }), b.runtime.memoryService!.sweep({ minAgeMs: 0 })]);
    await Promise.all([a.runtime.memoryService!.idle(), b.runtime.memoryService!.idle()]);
    const found = await api(`${b.url}/v1/memories?q=${encodeURIComponent('locker code cat')}&k=5`, { headers: alice });
    expect(found.status).toBe(200);
    expect(found.json.items[0].text).toContain('Pixel');
    const viaA = await api(`${a.url}/v1/memories?q=${encodeURIComponent('tomatoes balcony')}&k=5`, { headers: alice });
    expect(viaA.json.items[0].text).toContain('tomatoes');
    const indexed = [a, b].reduce((n, s) => n + s.runtime.memoryService!.stats().indexer.messagesIndexed, 0);
    expect(indexed).toBe(4); // two turns: two user messages and two answers, each once
    expect((await embeddingType()).rows[0]?.t).toBe('real[]');
  });

  const embeddingType = () =>
    a.db.knex.raw("select format_type(atttypid, atttypmod) as t from pg_attribute where attrelid = 'memories'::regclass and attname = 'embedding'") as Promise<{
      rows: { t: string }[];
    }>;
});
