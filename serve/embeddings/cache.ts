/**
 * An in-memory LRU in front of an embedding provider, keyed by sha256(provider id, text), so
 * re-embedding the same message (re-indexing, repeated questions) costs nothing.
 */
import { createHash } from 'node:crypto';
import { Lru } from './lru';
import type { EmbeddingProvider } from './types';

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
  maxEntries: number;
}

export interface CachedEmbeddingProvider extends EmbeddingProvider {
  readonly inner: EmbeddingProvider;
  stats(): CacheStats;
  clear(): void;
}

export function embeddingCacheKey(providerId: string, text: string): string {
  return createHash('sha256').update(providerId).update('\u0000').update(text).digest('base64url');
}

export function withCache(provider: EmbeddingProvider, opts: { maxEntries: number }): CachedEmbeddingProvider {
  const lru = new Lru<string, Float32Array>(opts.maxEntries);
  let hits = 0;
  let misses = 0;

  return {
    id: provider.id,
    dimensions: provider.dimensions,
    inner: provider,
    ...(provider.warmup ? { warmup: () => provider.warmup?.() ?? Promise.resolve() } : {}),
    ...(provider.close ? { close: () => provider.close?.() ?? Promise.resolve() } : {}),
    async embed(texts, embedOpts) {
      embedOpts?.signal?.throwIfAborted();
      const keys = texts.map((t) => embeddingCacheKey(provider.id, t));
      const out = new Array<Float32Array | undefined>(texts.length);
      // Distinct missing texts, each with the positions waiting for it.
      const missing = new Map<string, { text: string; at: number[] }>();
      keys.forEach((key, i) => {
        const cached = lru.get(key);
        if (cached) {
          hits += 1;
          out[i] = cached.slice();
          return;
        }
        misses += 1;
        const entry = missing.get(key);
        if (entry) entry.at.push(i);
        else missing.set(key, { text: texts[i] as string, at: [i] });
      });
      if (missing.size > 0) {
        const entries = [...missing.entries()];
        const vectors = await provider.embed(entries.map(([, e]) => e.text), embedOpts);
        entries.forEach(([key, e], j) => {
          const v = vectors[j];
          if (!v) throw new Error(`${provider.id} returned ${vectors.length} vectors for ${entries.length} texts`);
          lru.set(key, v.slice());
          for (const i of e.at) out[i] = v.slice();
        });
      }
      return out as Float32Array[];
    },
    stats: () => ({ hits, misses, size: lru.size, maxEntries: lru.maxEntries }),
    clear: () => lru.clear(),
  };
}
