/**
 * An in-memory LRU in front of an embedding provider, keyed by sha256(provider id, text), so
 * re-embedding the same message (re-indexing, repeated questions) costs nothing. A text already being
 * embedded is not embedded twice: a second caller waits for the first call's vector.
 */
import { createHash } from 'node:crypto';
import { Lru } from './lru';
import type { EmbeddingProvider } from './types';

export interface HitCounts {
  hits: number;
  misses: number;
}

export interface CacheStats extends HitCounts {
  size: number;
  maxEntries: number;
  /** Of those, the texts embedded for a waiting query (priority 'query', the default): a chat turn's retrieval. */
  queries: HitCounts;
}

export interface CachedEmbeddingProvider extends EmbeddingProvider {
  readonly inner: EmbeddingProvider;
  stats(): CacheStats;
  clear(): void;
}

export function embeddingCacheKey(providerId: string, text: string): string {
  return createHash('sha256').update(providerId).update('\u0000').update(text).digest('base64url');
}

/** Whether `p` is a provider wrapped by withCache (its stats() are the cache's). */
export function isCached(p: EmbeddingProvider): p is CachedEmbeddingProvider {
  return typeof (p as Partial<CachedEmbeddingProvider>).stats === 'function' && 'inner' in p;
}

export function withCache(provider: EmbeddingProvider, opts: { maxEntries: number }): CachedEmbeddingProvider {
  const lru = new Lru<string, Float32Array>(opts.maxEntries);
  // Texts whose vector a running call will deliver (a hit: nothing more is computed for them).
  const inFlight = new Map<string, Promise<Float32Array>>();
  const all: HitCounts = { hits: 0, misses: 0 };
  const queries: HitCounts = { hits: 0, misses: 0 };

  return {
    id: provider.id,
    dimensions: provider.dimensions,
    inner: provider,
    ...(provider.warmup ? { warmup: () => provider.warmup?.() ?? Promise.resolve() } : {}),
    ...(provider.close ? { close: () => provider.close?.() ?? Promise.resolve() } : {}),
    async embed(texts, embedOpts) {
      embedOpts?.signal?.throwIfAborted();
      const counts = embedOpts?.priority === 'background' ? [all] : [all, queries];
      const count = (field: keyof HitCounts) => counts.forEach((c) => (c[field] += 1));
      const keys = texts.map((t) => embeddingCacheKey(provider.id, t));
      const out = new Array<Float32Array | undefined>(texts.length);
      const waiting: Promise<void>[] = [];
      // Distinct missing texts, each with the positions waiting for it.
      const missing = new Map<string, { text: string; at: number[] }>();
      keys.forEach((key, i) => {
        const cached = lru.get(key);
        if (cached) {
          count('hits');
          out[i] = cached.slice();
          return;
        }
        const running = inFlight.get(key);
        if (running) {
          count('hits');
          // If that call fails (its caller's signal aborted it), this caller embeds the text itself.
          const own = () => provider.embed([texts[i] as string], embedOpts).then(([v]) => v as Float32Array);
          const wait = running.catch(own).then((v) => void (out[i] = v.slice()));
          wait.catch(() => undefined); // awaited below, unless this call fails first
          waiting.push(wait);
          return;
        }
        count('misses');
        const entry = missing.get(key);
        if (entry) entry.at.push(i);
        else missing.set(key, { text: texts[i] as string, at: [i] });
      });
      if (missing.size > 0) {
        const entries = [...missing.entries()];
        const call = provider.embed(entries.map(([, e]) => e.text), embedOpts).then((vectors) => {
          if (vectors.length !== entries.length) throw new Error(`${provider.id} returned ${vectors.length} vectors for ${entries.length} texts`);
          return vectors;
        });
        entries.forEach(([key], j) => {
          const one = call.then((vectors) => vectors[j] as Float32Array);
          one.catch(() => undefined); // a caller waiting on it sees the rejection; nobody else must
          inFlight.set(key, one);
        });
        try {
          const vectors = await call;
          entries.forEach(([key, e], j) => {
            const v = vectors[j] as Float32Array;
            lru.set(key, v.slice());
            for (const i of e.at) out[i] = v.slice();
          });
        } finally {
          for (const [key] of entries) inFlight.delete(key);
        }
      }
      if (waiting.length > 0) await Promise.all(waiting);
      return out as Float32Array[];
    },
    stats: () => ({ ...all, size: lru.size, maxEntries: lru.maxEntries, queries: { ...queries } }),
    clear: () => lru.clear(),
  };
}
