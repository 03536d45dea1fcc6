/** The limits against the real Redis on 127.0.0.1:6379 (a fresh key prefix per test) and in memory. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedis } from '../redis/client';
import { startRedisServer } from '../testing/redis-server';
import { createLimiters } from './limiters';
import { createRateLimits, type Admission, type RateLimitOptions } from './rate-limits';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let redis: Redis;
const prefixes: string[] = [];
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.ping();
});
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

function fresh() {
  const p = `memocha-test:rl:${randomUUID()}`;
  prefixes.push(p);
  return p;
}
const settings = (o: Partial<RateLimitOptions>): RateLimitOptions => ({ prefix: fresh(), rpm: 0, tpm: 0, concurrent: 0, slotTtlS: 300, logger, ...o });
const counted = async (prefix: string, kind: string, user: string) => {
  const v = await redis.get(`${prefix}:${kind}:${user}`);
  return v === null ? null : Number(v);
};
function admitted(a: Admission) {
  if (!a.admitted) throw new Error(`refused: ${a.message}`);
  return a;
}

describe.each([
  ['redis', true],
  ['memory', false],
] as const)('per-user limits (%s)', (_name, onRedis) => {
  const make = async (o: Partial<RateLimitOptions>) => {
    const rl = createRateLimits({ ...settings(o), ...(onRedis ? { redis } : {}) })!;
    await rl.ready(2_000);
    return rl;
  };

  it('all limits 0: no limiter at all', () => {
    expect(createRateLimits({ ...settings({}), ...(onRedis ? { redis } : {}) })).toBeNull();
  });

  it('requests per minute: the limit, then refusals; remaining counts down; other users unaffected', async () => {
    const rl = await make({ rpm: 3 });
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = admitted(await rl.admit('ann', 10));
      seen.push(Number(a.headers['x-ratelimit-remaining-requests']));
      await a.lease.release();
    }
    expect(seen).toEqual([2, 1, 0]);
    const r = await rl.admit('ann', 10);
    expect(r.admitted).toBe(false);
    if (!r.admitted) {
      expect(r.refusedBy).toBe('rpm');
      expect(r.retryAfterS).toBeGreaterThanOrEqual(1);
      expect(r.retryAfterS).toBeLessThanOrEqual(60);
      expect(r.headers.RateLimit).toMatch(/^"rpm";r=0;t=\d+$/);
    }
    expect((await rl.admit('bob', 10)).admitted).toBe(true);
    rl.close();
  });

  it('concurrent answers: a slot per open answer, back when it ends; a refused request holds none', async () => {
    const rl = await make({ concurrent: 2 });
    const a = admitted(await rl.admit('ann', 1));
    const b = admitted(await rl.admit('ann', 1));
    expect(b.headers.RateLimit).toBe('"concurrent";r=0');
    const c = await rl.admit('ann', 1);
    expect(c.admitted).toBe(false);
    if (!c.admitted) expect(c.retryAfterS).toBe(1);
    await a.lease.release();
    await a.lease.release(); // twice gives back once
    const d = admitted(await rl.admit('ann', 1));
    expect((await rl.admit('ann', 1)).admitted).toBe(false);
    await b.lease.release();
    await d.lease.release();
    expect(admitted(await rl.admit('ann', 1)).headers.RateLimit).toBe('"concurrent";r=1');
    rl.close();
  });

  it('tokens per minute: the estimate at admission, settled to the real usage; refused requests charge nothing', async () => {
    const rl = await make({ tpm: 1000 });
    const a = admitted(await rl.admit('ann', 600));
    expect(a.headers['x-ratelimit-remaining-tokens']).toBe('400');
    // 600 would not fit beside 600: refused, and the refused 600 is not kept.
    const r = await rl.admit('ann', 600);
    expect(r.admitted).toBe(false);
    if (!r.admitted) expect(r.refusedBy).toBe('tpm');
    a.lease.settle(250); // the answer was shorter than its reserve
    await a.lease.release();
    const b = admitted(await rl.admit('ann', 700)); // 250 + 700 fits
    expect(b.headers['x-ratelimit-remaining-tokens']).toBe('50');
    b.lease.settle(740); // longer than estimated: charged the difference
    await b.lease.release();
    const c = admitted(await rl.admit('ann', 10));
    expect(c.headers['x-ratelimit-remaining-tokens']).toBe('0'); // 250 + 740 + 10
    await c.lease.release(); // never reached the LLM: its estimate goes back
    expect(admitted(await rl.admit('ann', 10)).headers['x-ratelimit-remaining-tokens']).toBe('0');
    rl.close();
  });

  it('an estimate above the whole budget fits an unused minute (capped), then is settled', async () => {
    const rl = await make({ tpm: 100 });
    const a = admitted(await rl.admit('ann', 5000));
    expect(a.headers['x-ratelimit-remaining-tokens']).toBe('0');
    a.lease.settle(40);
    await a.lease.release();
    expect(admitted(await rl.admit('ann', 1)).headers['x-ratelimit-remaining-tokens']).toBe('59');
    rl.close();
  });

  it('a request one limit refuses keeps nothing from the others', async () => {
    const rl = await make({ rpm: 10, tpm: 100, concurrent: 5 });
    const a = admitted(await rl.admit('ann', 90));
    const r = await rl.admit('ann', 50);
    expect(r.admitted).toBe(false);
    if (!r.admitted) {
      expect(r.refusedBy).toBe('tpm');
      expect(r.headers['RateLimit-Policy']).toBe('"rpm";q=10;w=60, "tpm";q=100;w=60;qu="tokens", "concurrent";q=5;qu="concurrent-requests"');
    }
    const b = admitted(await rl.admit('ann', 5));
    expect(b.headers['x-ratelimit-remaining-requests']).toBe('8'); // a and b only
    expect(b.headers.RateLimit).toMatch(/"concurrent";r=3$/);
    await a.lease.release();
    await b.lease.release();
    rl.close();
  });
});

describe('on Redis', () => {
  it('keys are <prefix>:<kind>:<user>; giving back never creates a key nor goes below zero', async () => {
    const s = settings({ rpm: 5, tpm: 100, concurrent: 2 });
    const l = createLimiters(s, redis);
    await l.ready(2_000);
    const [rpm, , slots] = l.list;
    await rpm!.take('ann', 1);
    expect(await counted(s.prefix, 'rpm', 'ann')).toBe(1);
    await rpm!.give('ann', 5);
    expect(await counted(s.prefix, 'rpm', 'ann')).toBe(0);
    await slots!.give('zed', 1);
    expect(await counted(s.prefix, 'concurrent', 'zed')).toBeNull();
    l.close();
  });

  it('slots carry a safety expiry, pushed out by every admission or release; windows keep theirs', async () => {
    const s = settings({ rpm: 5, concurrent: 2, slotTtlS: 120 });
    const rl = createRateLimits({ ...s, redis })!;
    await rl.ready(2_000);
    const a = admitted(await rl.admit('ann', 1));
    const slotTtl = await redis.pttl(`${s.prefix}:concurrent:ann`);
    expect(slotTtl).toBeGreaterThan(60_000);
    expect(slotTtl).toBeLessThanOrEqual(120_000);
    await redis.pexpire(`${s.prefix}:concurrent:ann`, 5_000);
    await redis.pexpire(`${s.prefix}:rpm:ann`, 5_000);
    const b = admitted(await rl.admit('ann', 1));
    expect(await redis.pttl(`${s.prefix}:concurrent:ann`)).toBeGreaterThan(60_000);
    expect(await redis.pttl(`${s.prefix}:rpm:ann`)).toBeLessThanOrEqual(5_000);
    await a.lease.release();
    await b.lease.release();
    expect(await counted(s.prefix, 'concurrent', 'ann')).toBe(0);
    rl.close();
  });

  it('slots a dead instance held come back when their key expires', async () => {
    const s = settings({ concurrent: 1 });
    const rl = createRateLimits({ ...s, redis })!;
    await rl.ready(2_000);
    admitted(await rl.admit('ann', 1)); // never released: its instance died
    expect((await rl.admit('ann', 1)).admitted).toBe(false);
    await redis.del(`${s.prefix}:concurrent:ann`); // what the safety expiry does RATE_LIMIT_SLOT_TTL_S later
    const b = admitted(await rl.admit('ann', 1));
    await b.lease.release();
    expect(await counted(s.prefix, 'concurrent', 'ann')).toBe(0);
    rl.close();
  });
});

describe('Redis failing', () => {
  it('a command that timed out: admitted without that limit, counted, logged once; its slot still given back', async () => {
    const server = await startRedisServer();
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const client = openRedis({ url: server.url, commandTimeoutMs: 50, logger: log });
    const admin = new Redis(server.url);
    const failOpens: string[] = [];
    const s = settings({ concurrent: 1 });
    const rl = createRateLimits({ ...s, redis: client, logger: log, hooks: { onFailOpen: (k) => failOpens.push(k) } })!;
    try {
      await rl.ready(2_000);
      await admin.call('CLIENT', 'PAUSE', '400', 'ALL'); // Redis stalls: the commands time out, then run
      const a = await rl.admit('ann', 1);
      const b = await rl.admit('ann', 1);
      expect([a.admitted, b.admitted]).toEqual([true, true]); // fail open, though the limit is 1
      expect(a.headers).toEqual({});
      expect(failOpens).toEqual(['concurrent', 'concurrent']);
      expect(lines.filter((l) => l.includes('rate limit store failed'))).toHaveLength(1);
      for (let i = 0; (await admin.get(`${s.prefix}:concurrent:ann`)) !== '2'; i++) {
        if (i > 200) throw new Error('the timed-out commands never ran');
        await new Promise((r) => setTimeout(r, 10));
      }
      if (a.admitted) await a.lease.release();
      if (b.admitted) await b.lease.release();
      expect(await admin.get(`${s.prefix}:concurrent:ann`)).toBe('0'); // nothing leaked
      expect((await rl.admit('ann', 1)).admitted).toBe(true);
      expect((await rl.admit('ann', 1)).admitted).toBe(false); // limited again
    } finally {
      rl.close();
      client.disconnect();
      admin.disconnect();
      await server.kill();
    }
  });
});

