import { describe, expect, it } from 'vitest';
import { embeddingCacheKey, withCache } from './cache';
import { Lru } from './lru';
import type { EmbeddingProvider } from './types';

/** A deterministic provider that records what it was asked (a real implementation, not a mock). */
function lengthEmbedder(id = 'len') {
  const seen: string[][] = [];
  const provider: EmbeddingProvider = {
    id,
    dimensions: 2,
    embed: async (texts) => {
      seen.push(texts);
      return texts.map((t) => Float32Array.from([t.length, 1]));
    },
  };
  return { provider, seen };
}

describe('Lru', () => {
  it('evicts the least recently used entry', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now newest
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
    expect(() => new Lru(0)).toThrow(/positive integer/);
  });
});

describe('withCache', () => {
  it('serves repeated texts from the cache and counts hits and misses', async () => {
    const { provider, seen } = lengthEmbedder();
    const cached = withCache(provider, { maxEntries: 10 });
    const first = await cached.embed(['hello', 'hi', 'hello']);
    expect(first.map((v) => v[0])).toEqual([5, 2, 5]);
    expect(seen).toEqual([['hello', 'hi']]);
    const second = await cached.embed(['hi', 'new']);
    expect(second.map((v) => v[0])).toEqual([2, 3]);
    expect(seen).toEqual([['hello', 'hi'], ['new']]);
    expect(cached.stats()).toEqual({ hits: 1, misses: 4, size: 3, maxEntries: 10 });
  });

  it('returns copies, so callers cannot corrupt the cache', async () => {
    const { provider } = lengthEmbedder();
    const cached = withCache(provider, { maxEntries: 10 });
    const [v] = await cached.embed(['abc']);
    v![0] = 999;
    const [again] = await cached.embed(['abc']);
    expect(again![0]).toBe(3);
  });

  it('evicts beyond maxEntries and keys by provider id', async () => {
    const { provider, seen } = lengthEmbedder();
    const cached = withCache(provider, { maxEntries: 2 });
    await cached.embed(['a', 'b', 'c']);
    await cached.embed(['a']);
    expect(seen.at(-1)).toEqual(['a']);
    expect(cached.stats().size).toBe(2);
    expect(embeddingCacheKey('m1', 'x')).not.toBe(embeddingCacheKey('m2', 'x'));
    expect(embeddingCacheKey('ab', 'c')).not.toBe(embeddingCacheKey('a', 'bc'));
    cached.clear();
    expect(cached.stats().size).toBe(0);
  });
});
