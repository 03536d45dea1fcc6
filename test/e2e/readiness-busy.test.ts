import { afterEach, describe, expect, it } from 'vitest';
import { api } from '../support/client';
import { openTestDb, startStack, type Stack, type TestDb } from '../../serve/testing';

/** Waits until the pool has a query waiting for a connection. */
async function untilPending(stack: Stack) {
  await expect.poll(() => stack.db.pool().pending, { timeout: 5_000, interval: 5 }).toBeGreaterThan(0);
}

describe('/readyz on a saturated pool (PostgreSQL, 2 connections)', () => {
  let tdb: TestDb | undefined;
  let t: Stack | undefined;
  afterEach(async () => {
    await t?.close();
    await tdb?.cleanup();
  });

  /** Holds both connections for `seconds`, with one more query waiting; `released()`: has either been given back yet. */
  function saturate(stack: Stack, seconds: number) {
    const knex = stack.db.knex;
    let free = false;
    const sleeps = [knex.raw(`select pg_sleep(${seconds})`), knex.raw(`select pg_sleep(${seconds})`)];
    void Promise.race(sleeps).then(() => {
      free = true;
    });
    const held = Promise.all([...sleeps, knex.raw('select 1')]);
    return { held, released: () => free };
  }

  it('answers ready and busy from queries that just succeeded, without queueing a ping behind the held connections', async () => {
    tdb = await openTestDb('postgres', { poolMax: 2 });
    t = await startStack({ db: tdb.db });
    await t.db.knex.raw('select 1');
    const s = saturate(t, 3);
    await untilPending(t);
    const ready = await api(`${t.url}/readyz`);
    expect(s.released()).toBe(false); // answered while every connection was still held
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: 'ready', database: { ok: true, busy: true } });
    await s.held;
    const idle = await api(`${t.url}/readyz`);
    expect(idle.json.database).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    expect(idle.json.database.busy).toBeUndefined();
  });

  it('pings (and so waits for a connection) when the last query failed', async () => {
    tdb = await openTestDb('postgres', { poolMax: 2 });
    t = await startStack({ db: tdb.db });
    await t.db.knex.raw('select 1/0').catch(() => undefined);
    const s = saturate(t, 1);
    await untilPending(t);
    const ready = await api(`${t.url}/readyz`);
    expect(s.released()).toBe(true); // the ping queued behind the held connections
    expect(ready.json.database).toMatchObject({ ok: true, latencyMs: expect.any(Number) });
    expect(ready.json.database.busy).toBeUndefined();
  });
});
