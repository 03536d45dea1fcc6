/**
 * A Redis layer under the in-process LRU (cache.ts): LRU → Redis → embedder, so a question one instance
 * embedded is a hit for every other instance. Values are the vector's Float32 bytes (little-endian, the
 * byte order of every platform Node runs on here), written behind the answer (nobody waits on the SET).
 *
 * Only query embeddings (priority 'query', a chat turn's retrieval) go through Redis: indexing embeds
 * chunks of messages that are each embedded once, so storing them would fill Redis with entries nobody
 * reads. Redis unreachable, slow (REDIS_COMMAND_TIMEOUT_MS) or returning a value of the wrong size →
 * the call goes straight to the embedder, and the lookup counts as `error` (or `miss`).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EmbeddingProvider } from './types';

export type CacheResult = 'hit' | 'miss' | 'error';

export interface RedisEmbeddingCacheOptions {
  redis: Redis;
  /** REDIS_CACHE_PREFIX; keys are `<prefix>:emb:<model id>@<dims>:<sha256 hex of the text>`. */
  prefix: string;
  /** Seconds an entry lives (REDIS_CACHE_EMBEDDINGS_TTL_S, > 0). */
  ttlSeconds: number;
  /** Per lookup of a text: served from Redis, not there, or Redis failed. */
  onResult?: (result: CacheResult, texts: number) => void;
  /** A failed GET or SET (callers throttle their logging). */
  onError?: (err: Error, op: 'get' | 'set') => void;
}

/** The model's id and its vector size: two models, or one model at two sizes, never share entries. */
export function redisEmbeddingKey(prefix: string, provider: Pick<EmbeddingProvider, 'id' | 'dimensions'>, text: string): string {
  return `${prefix}:emb:${provider.id}@${provider.dimensions}:${createHash('sha256').update(text).digest('hex')}`;
}

export function vectorToBuffer(v: Float32Array): Buffer {
  return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)); // a copy: the caller may change v
}

/** The vector in `buf`, or undefined unless it holds exactly `dimensions` floats. */
export function bufferToVector(buf: Buffer | null | undefined, dimensions: number): Float32Array | undefined {
  if (!buf || buf.byteLength !== dimensions * 4) return undefined;
  // A Buffer may start at any offset of a shared pool; Float32Array needs a 4-byte-aligned one.
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export function withRedisCache(provider: EmbeddingProvider, o: RedisEmbeddingCacheOptions): EmbeddingProvider {
  const { redis, prefix, ttlSeconds, onResult = () => undefined, onError = () => undefined } = o;
  if (!(ttlSeconds > 0)) throw new Error('withRedisCache: ttlSeconds must be > 0');
  const fail = (err: unknown, op: 'get' | 'set') => onError(err instanceof Error ? err : new Error(String(err)), op);
  // Every result's series exists from the start (a counter that appears only at its first error hides the rise).
  for (const r of ['hit', 'miss', 'error'] as const) onResult(r, 0);

  return {
    id: provider.id,
    dimensions: provider.dimensions,
    ...(provider.warmup ? { warmup: () => provider.warmup?.() ?? Promise.resolve() } : {}),
    ...(provider.close ? { close: () => provider.close?.() ?? Promise.resolve() } : {}),
    async embed(texts, opts) {
      if (opts?.priority === 'background' || texts.length === 0) return provider.embed(texts, opts);
      opts?.signal?.throwIfAborted();
      // Not connected: every command would reject at once (no offline queue); skip the attempt.
      if (redis.status !== 'ready') {
        onResult('error', texts.length);
        fail(new Error(`redis connection is ${redis.status}`), 'get');
        return provider.embed(texts, opts);
      }
      const keys = texts.map((t) => redisEmbeddingKey(prefix, provider, t));
      let stored: (Buffer | null)[];
      try {
        stored = await redis.mgetBuffer(...keys);
      } catch (err) {
        onResult('error', texts.length);
        fail(err, 'get');
        return provider.embed(texts, opts);
      }
      opts?.signal?.throwIfAborted();
      const out = stored.map((buf) => bufferToVector(buf, provider.dimensions));
      const missing = out.flatMap((v, i) => (v ? [] : [i]));
      if (texts.length - missing.length > 0) onResult('hit', texts.length - missing.length);
      if (missing.length === 0) return out as Float32Array[];
      onResult('miss', missing.length);
      const vectors = await provider.embed(missing.map((i) => texts[i] as string), opts);
      const write = redis.pipeline();
      missing.forEach((i, j) => {
        const v = vectors[j] as Float32Array;
        out[i] = v;
        write.set(keys[i] as string, vectorToBuffer(v), 'EX', ttlSeconds);
      });
      // Write-behind: the answer does not wait for Redis.
      write
        .exec()
        .then((results) => {
          const failed = results?.find(([err]) => err)?.[0];
          if (failed) fail(failed, 'set');
        })
        .catch((err: unknown) => fail(err, 'set'));
      return out as Float32Array[];
    },
  };
}
