import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeRedis, openRedis } from '../redis/client';
import { throttledWarn } from '../redis/throttled-warn';
import { withCache } from './cache';
import { bufferToVector, type CacheResult, redisEmbeddingKey, vectorToBuffer, withRedisCache } from './redis-cache';
import type { EmbeddingProvider } from './types';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = pino({ level: 'silent' });

/** A deterministic embedder whose floats use every bit of the mantissa (a real implementation that records its calls). */
function hashEmbedder(id = 'hash', dimensions = 8) {
  const calls: string[][] = [];
  const provider: EmbeddingProvider = {
    id,
    dimensions,
    embed: async (texts) => {
      calls.push(texts);
      return texts.map((t) => {
        const bytes = createHash('sha512').update(id).update(t).digest();
        const v = new Float32Array(dimensions);
        for (let i = 0; i < dimensions; i++) v[i] = (bytes.readUInt32LE((i * 4) % 60) / 2 ** 32 - 0.5) * (i + 1) * 1e-3;
        return v;
      });
    },
  };
  return { provider, calls };
}

function counter() {
  const counts: Record<CacheResult, number> = { hit: 0, miss: 0, error: 0 };
  return { counts, onResult: (r: CacheResult, n: number) => void (counts[r] += n) };
}

async function connect(url = REDIS_URL, commandTimeoutMs = 500): Promise<Redis> {
  const redis = openRedis({ url, commandTimeoutMs, logger: silent });
  if (redis.status !== 'ready') await once(redis, 'ready');
  return redis;
}

const bytesOf = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

describe('redis embedding cache (real Redis)', () => {
  let a: Redis;
  let b: Redis;
  const prefixes: string[] = [];
  const newPrefix = () => {
    const p = `test:emb:${randomBytes(6).toString('hex')}`;
    prefixes.push(p);
    return p;
  };

  beforeAll(async () => {
    // Two connections: two instances sharing one Redis.
    [a, b] = await Promise.all([connect(), connect()]);
  });
  afterEach(async () => {
    for (const p of prefixes.splice(0)) {
      const keys = await a.keys(`${p}:*`);
      if (keys.length > 0) await a.del(...keys);
    }
  });
  afterAll(async () => {
    await closeRedis(a);
    await closeRedis(b);
  });

  it('serves instance B the vector instance A embedded, bit for bit, without calling B’s embedder', async () => {
    const prefix = newPrefix();
    const embA = hashEmbedder();
    const embB = hashEmbedder();
    const cA = counter();
    const cB = counter();
    const instanceA = withRedisCache(embA.provider, { redis: a, prefix, ttlSeconds: 60, onResult: cA.onResult });
    const instanceB = withRedisCache(embB.provider, { redis: b, prefix, ttlSeconds: 60, onResult: cB.onResult });

    const [fromA] = await instanceA.embed(['where do I live?']);
    expect(cA.counts).toEqual({ hit: 0, miss: 1, error: 0 });
    // The SET is written behind the answer: wait until it is there.
    const key = redisEmbeddingKey(prefix, embA.provider, 'where do I live?');
    await vi.waitFor(async () => expect(await b.exists(key)).toBe(1), { timeout: 5_000 });

    const [fromB] = await instanceB.embed(['where do I live?']);
    expect(embB.calls).toEqual([]);
    expect(cB.counts).toEqual({ hit: 1, miss: 0, error: 0 });
    expect(bytesOf(fromB!)).toBe(bytesOf(fromA!));
    expect(fromB).toBeInstanceOf(Float32Array);
  });

  it('keys by model id and dimensions, so two models never share an entry', async () => {
    const prefix = newPrefix();
    const small = hashEmbedder('openai:text-embedding-3-small', 8);
    const smaller = hashEmbedder('openai:text-embedding-3-small', 4);
    const other = hashEmbedder('use-lite', 8);
    expect(new Set([small, smaller, other].map((e) => redisEmbeddingKey(prefix, e.provider, 'q'))).size).toBe(3);
    for (const e of [small, smaller, other]) {
      const c = counter();
      const cached = withRedisCache(e.provider, { redis: a, prefix, ttlSeconds: 60, onResult: c.onResult });
      const [v] = await cached.embed(['same text']);
      expect(c.counts.miss).toBe(1);
      expect(v).toHaveLength(e.provider.dimensions);
      await vi.waitFor(async () => expect(await a.exists(redisEmbeddingKey(prefix, e.provider, 'same text'))).toBe(1), { timeout: 5_000 });
    }
    expect(small.calls).toEqual([['same text']]);
    expect(smaller.calls).toEqual([['same text']]);
    expect(other.calls).toEqual([['same text']]);
  });

  it('sets the TTL, and never writes indexing (background) texts', async () => {
    const prefix = newPrefix();
    const e = hashEmbedder();
    const cached = withRedisCache(e.provider, { redis: a, prefix, ttlSeconds: 3600 });
    await cached.embed(['a question']);
    const key = redisEmbeddingKey(prefix, e.provider, 'a question');
    await vi.waitFor(async () => expect(await a.exists(key)).toBe(1), { timeout: 5_000 });
    const ttl = await a.ttl(key);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);

    await cached.embed(['a chunk of a message'], { priority: 'background' });
    await cached.embed(['a question'], { priority: 'background' });
    expect(e.calls).toEqual([['a question'], ['a chunk of a message'], ['a question']]);
    expect(await a.exists(redisEmbeddingKey(prefix, e.provider, 'a chunk of a message'))).toBe(0);
  });

  it('mixes hits and misses in one call, in order, and replaces a value of the wrong size', async () => {
    const prefix = newPrefix();
    const e = hashEmbedder();
    const c = counter();
    const cached = withRedisCache(e.provider, { redis: a, prefix, ttlSeconds: 60, onResult: c.onResult });
    const [expected1, expected2, expected3] = await hashEmbedder().provider.embed(['one', 'two', 'three']);
    await a.set(redisEmbeddingKey(prefix, e.provider, 'two'), vectorToBuffer(expected2!));
    await a.set(redisEmbeddingKey(prefix, e.provider, 'three'), Buffer.from('garbage'));
    const got = await cached.embed(['one', 'two', 'three']);
    expect(got.map(bytesOf)).toEqual([expected1, expected2, expected3].map((v) => bytesOf(v!)));
    expect(e.calls).toEqual([['one', 'three']]);
    expect(c.counts).toEqual({ hit: 1, miss: 2, error: 0 });
    await vi.waitFor(async () => expect(bufferToVector(await a.getBuffer(redisEmbeddingKey(prefix, e.provider, 'three')), 8)).toBeDefined(), { timeout: 5_000 });
  });

  it('sits under the in-process LRU: a repeat is served by the LRU, a new instance by Redis', async () => {
    const prefix = newPrefix();
    const e1 = hashEmbedder();
    const c1 = counter();
    const one = withCache(withRedisCache(e1.provider, { redis: a, prefix, ttlSeconds: 60, onResult: c1.onResult }), { maxEntries: 10 });
    await one.embed(['hello there']);
    await one.embed(['hello there']);
    expect(c1.counts).toEqual({ hit: 0, miss: 1, error: 0 });
    expect(one.stats().hits).toBe(1);
    await vi.waitFor(async () => expect(await a.exists(redisEmbeddingKey(prefix, e1.provider, 'hello there'))).toBe(1), { timeout: 5_000 });
    const e2 = hashEmbedder();
    const c2 = counter();
    const two = withCache(withRedisCache(e2.provider, { redis: b, prefix, ttlSeconds: 60, onResult: c2.onResult }), { maxEntries: 10 });
    await two.embed(['hello there']);
    expect(e2.calls).toEqual([]);
    expect(c2.counts).toEqual({ hit: 1, miss: 0, error: 0 });
  });
});

describe('redis embedding cache when Redis fails', () => {
  it('with nothing listening on the port: embeds anyway and counts an error per text', async () => {
    const port = await freePort();
    const redis = openRedis({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 100, logger: silent });
    try {
      const e = hashEmbedder();
      const c = counter();
      const errors: string[] = [];
      const cached = withRedisCache(e.provider, { redis, prefix: 'test:emb:down', ttlSeconds: 60, onResult: c.onResult, onError: (err) => errors.push(err.message) });
      const got = await cached.embed(['x', 'y']);
      const expected = await hashEmbedder().provider.embed(['x', 'y']);
      expect(got.map(bytesOf)).toEqual(expected.map(bytesOf));
      expect(c.counts).toEqual({ hit: 0, miss: 0, error: 2 });
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await closeRedis(redis);
    }
  });

  describe('a redis-server of its own', () => {
    let server: ChildProcess | undefined;
    let port: number;
    const start = async () => {
      port = await freePort();
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
      server = proc;
      let out = '';
      proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      await vi.waitFor(() => expect(out).toMatch(/Ready to accept connections/), { timeout: 10_000 });
    };
    afterEach(() => {
      server?.kill('SIGKILL');
      server = undefined;
    });

    it('killed mid-test: the next queries still get their vectors and count errors', async () => {
      await start();
      const redis = await connect(`redis://127.0.0.1:${port}`, 2_000);
      try {
        const e = hashEmbedder();
        const c = counter();
        const cached = withRedisCache(e.provider, { redis, prefix: 'test:emb:kill', ttlSeconds: 60, onResult: c.onResult });
        await cached.embed(['before']);
        await vi.waitFor(async () => expect(await redis.exists(redisEmbeddingKey('test:emb:kill', e.provider, 'before'))).toBe(1), { timeout: 5_000 });
        await cached.embed(['before']);
        expect(c.counts).toEqual({ hit: 1, miss: 1, error: 0 });

        server!.kill('SIGKILL');
        await once(server!, 'exit');
        const afterKill = await cached.embed(['before', 'after']);
        expect(afterKill.map(bytesOf)).toEqual((await hashEmbedder().provider.embed(['before', 'after'])).map(bytesOf));
        expect(c.counts.error).toBe(2);
        expect(e.calls.at(-1)).toEqual(['before', 'after']);
      } finally {
        await closeRedis(redis);
      }
    });

    it('frozen (SIGSTOP): the lookup times out, the query is embedded, and the cache works again after SIGCONT', async () => {
      await start();
      const redis = await connect(`redis://127.0.0.1:${port}`, 100);
      try {
        const e = hashEmbedder();
        const c = counter();
        const cached = withRedisCache(e.provider, { redis, prefix: 'test:emb:stop', ttlSeconds: 60, onResult: c.onResult });
        server!.kill('SIGSTOP');
        const [v] = await cached.embed(['frozen']);
        expect(bytesOf(v!)).toBe(bytesOf((await hashEmbedder().provider.embed(['frozen']))[0]!));
        expect(c.counts).toEqual({ hit: 0, miss: 0, error: 1 });
        server!.kill('SIGCONT');
        // Asked again until Redis answers: the first answered lookup misses and writes, a later one hits.
        await vi.waitFor(async () => {
          await cached.embed(['thawed']);
          expect(c.counts.hit).toBeGreaterThanOrEqual(1);
        }, { timeout: 10_000, interval: 20 });
      } finally {
        await closeRedis(redis);
      }
    });
  });
});

describe('throttledWarn', () => {
  it('logs the first failure, then at most one line per interval with the count it skipped', () => {
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    const logger = { warn: (obj: Record<string, unknown>, msg: string) => void lines.push({ obj, msg }) };
    let now = 1_000;
    const warn = throttledWarn(logger as never, 'cache failing', { everyMs: 30_000, now: () => now });
    warn(new Error('e1'));
    warn(new Error('e2'));
    now += 29_999;
    warn(new Error('e3'));
    now += 1;
    warn(new Error('e4'), { op: 'set' });
    expect(lines).toEqual([
      { obj: { err: 'e1', suppressed: 0 }, msg: 'cache failing' },
      { obj: { op: 'set', err: 'e4', suppressed: 2 }, msg: 'cache failing' },
    ]);
  });
});
