import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Db, PoolStats } from '../../../serve';
import { probePool } from './pool-probe';

/** A tarn-like pool: an event emitter with `max`, and a Db whose pool() reads the fake's counters. */
function fakeDb() {
  const pool = Object.assign(new EventEmitter(), { max: 2 });
  const stats: PoolStats = { size: 0, used: 0, free: 0, pending: 0 };
  const db = { knex: { client: { pool } }, pool: () => ({ ...stats }) } as unknown as Db;
  return { db, pool, stats };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('probePool', () => {
  it('times acquireRequest → acquireSuccess and keeps the largest size / used / pending seen', async () => {
    const { db, pool, stats } = fakeDb();
    const probe = probePool(db);
    pool.emit('acquireRequest', 1);
    Object.assign(stats, { size: 1, used: 1, pending: 0 });
    pool.emit('acquireSuccess', 1, {});
    pool.emit('acquireRequest', 2);
    pool.emit('acquireRequest', 3);
    Object.assign(stats, { size: 2, used: 2, pending: 1 });
    await tick();
    pool.emit('acquireSuccess', 2, {});
    pool.emit('acquireFail', 3, new Error('timeout'));
    pool.emit('release', {});
    await tick();
    const u = probe.stop();
    expect(u.max).toBe(2);
    expect(u.acquire.count).toBe(2);
    expect(u.acquire.percentile(100)).toBeGreaterThanOrEqual(4); // request 2 waited ≥ the 5 ms tick (timer slack)
    expect(u).toMatchObject({ sizeMax: 2, usedMax: 2, pendingMax: 1, acquireFailures: 1 });
    // detached: later events change nothing
    pool.emit('acquireRequest', 4);
    pool.emit('acquireSuccess', 4, {});
    expect(u.acquire.count).toBe(2);
    expect(pool.listenerCount('acquireRequest')).toBe(0);
  });

  it('reports zeros for a pool without events', () => {
    const db = { knex: { client: { pool: undefined } }, pool: () => ({ size: 0, used: 0, free: 0, pending: 0 }) } as unknown as Db;
    expect(probePool(db).stop()).toMatchObject({ max: null, usedMax: 0, acquireFailures: 0 });
  });
});
