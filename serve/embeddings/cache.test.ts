import { describe, expect, it } from 'vitest';
import { embeddingCacheKey, isCached, withCache } from './cache';
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
    expect(cached.stats()).toEqual({ hits: 1, misses: 4, size: 3, maxEntries: 10, queries: { hits: 1, misses: 4 } });
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

  it('counts query texts apart from background (indexing) ones', async () => {
    const { provider } = lengthEmbedder();
    const cached = withCache(provider, { maxEntries: 10 });
    await cached.embed(['User: a fact\nAssistant: ok'], { priority: 'background' });
    await cached.embed(['what is my fact?']);
    await cached.embed(['what is my fact?'], { priority: 'query' });
    await cached.embed(['User: a fact\nAssistant: ok'], { priority: 'background' });
    expect(cached.stats()).toMatchObject({ hits: 2, misses: 2, queries: { hits: 1, misses: 1 } });
    expect(isCached(cached)).toBe(true);
    expect(isCached(provider)).toBe(false);
  });

  it('embeds a text once when callers ask for it at the same time', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const calls: string[][] = [];
    const slow: EmbeddingProvider = {
      id: 'slow',
      dimensions: 2,
      embed: async (texts) => {
        calls.push(texts);
        await gate;
        return texts.map((t) => Float32Array.from([t.length, 2]));
      },
    };
    const cached = withCache(slow, { maxEntries: 10 });
    const a = cached.embed(['same question', 'x']);
    const b = cached.embed(['same question']);
    const c = cached.embed(['yz', 'same question']);
    release();
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(calls).toEqual([['same question', 'x'], ['yz']]);
    expect(ra.map((v) => v[0])).toEqual([13, 1]);
    expect(rb.map((v) => v[0])).toEqual([13]);
    expect(rc.map((v) => v[0])).toEqual([2, 13]);
    rb[0]![0] = -1; // each caller has its own copy
    expect(rc[1]![0]).toBe(13);
    expect(cached.stats()).toMatchObject({ hits: 2, misses: 3 });
  });

  it('a waiting caller embeds the text itself when the call it waited for is aborted', async () => {
    const calls: string[][] = [];
    const abortable: EmbeddingProvider = {
      id: 'abortable',
      dimensions: 2,
      embed: (texts, opts) =>
        new Promise((resolve, reject) => {
          calls.push(texts);
          const signal = opts?.signal;
          if (!signal) return resolve(texts.map((t) => Float32Array.from([t.length, 3])));
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        }),
    };
    const cached = withCache(abortable, { maxEntries: 10 });
    const first = new AbortController();
    const a = cached.embed(['hello?'], { signal: first.signal });
    const b = cached.embed(['hello?']);
    first.abort(new Error('client left'));
    await expect(a).rejects.toThrow('client left');
    expect((await b).map((v) => v[0])).toEqual([6]);
    expect(calls).toEqual([['hello?'], ['hello?']]);
  });

  it('a call that fails leaves no unhandled rejection from a text it was waiting for', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const flaky: EmbeddingProvider = {
      id: 'flaky',
      dimensions: 2,
      embed: async (texts) => {
        if (texts.includes('bad')) throw new Error('bad text');
        await gate;
        throw new Error('model crashed');
      },
    };
    const cached = withCache(flaky, { maxEntries: 10 });
    const first = cached.embed(['x']);
    const second = cached.embed(['bad', 'x']); // 'x' waits for the first call
    await expect(second).rejects.toThrow('bad text');
    release();
    await expect(first).rejects.toThrow('model crashed');
    await new Promise((r) => setTimeout(r, 20)); // the waiter's own retry fails too, and is handled
    expect(cached.stats().size).toBe(0);
  });
});
