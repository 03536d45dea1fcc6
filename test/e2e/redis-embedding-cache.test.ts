import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { api } from '../support/client';
import { closedPortUrl, type Stack, startStack } from '../../serve/testing';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function cacheRequests(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^memocha_cache_requests_total\{cache="embeddings",result="(\w+)"\} (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Two servers on one Redis: a question embedded by one is not embedded again by the other. */
describe('query embeddings shared across instances through Redis', () => {
  const prefix = `test:e2e:${randomBytes(6).toString('hex')}`;
  const env = { REDIS_URL, REDIS_COMMAND_TIMEOUT_MS: '2000', REDIS_CACHE_PREFIX: prefix, REDIS_CACHE_EMBEDDINGS_TTL_S: '600', EMBEDDINGS: 'use-lite', EMBEDDINGS_WORKER: 'false' };
  let a: Stack;
  let b: Stack;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    a = await startStack({ env });
    b = await startStack({ env });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('A misses and writes the vector; B, asked the same question by another user, reads it', async () => {
    const question = 'Which city did I say I moved to last spring?';
    const askA = await api(`${a.url}/chat`, { body: { message: question }, headers: { 'X-Memocha-User': 'alice' } });
    expect(askA.status).toBe(200);
    expect(await cacheRequests(a.url)).toEqual({ hit: 0, miss: 1, error: 0 });

    const key = `${prefix}:emb:use-lite@512:${createHash('sha256').update(question).digest('hex')}`;
    await vi.waitFor(async () => expect(await redis.strlen(key)).toBe(512 * 4), { timeout: 5_000 });
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);

    const askB = await api(`${b.url}/chat`, { body: { message: question }, headers: { 'X-Memocha-User': 'bob' } });
    expect(askB.status).toBe(200);
    expect(await cacheRequests(b.url)).toEqual({ hit: 1, miss: 0, error: 0 });
  });
});

describe('Redis down', () => {
  let t: Stack;
  beforeAll(async () => {
    const port = new URL(await closedPortUrl()).port;
    t = await startStack({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, EMBEDDINGS: 'use-lite', EMBEDDINGS_WORKER: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the chat answers with its memory on, and the bypassed lookup is counted as an error', async () => {
    const res = await api(`${t.url}/chat`, { body: { message: 'Do I have any allergies?' }, headers: { 'X-Memocha-User': 'carol' } });
    expect(res.status).toBe(200);
    expect(res.json.memory).toBe('ok');
    expect(await cacheRequests(t.url)).toEqual({ hit: 0, miss: 0, error: 1 });
  });
});
