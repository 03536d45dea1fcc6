import { describe, expect, it } from 'vitest';
import { dot } from './normalise';
import { createUseLiteEmbedder } from './use-lite';

const norm = (v: Float32Array) => Math.sqrt(dot(v, v));

describe('use-lite embedder (real model, offline)', () => {
  it('returns 512-d unit vectors, similar sentences closer than unrelated ones', async () => {
    const e = createUseLiteEmbedder();
    expect(e.id).toBe('use-lite');
    expect(e.dimensions).toBe(512);
    const [cat, kitten, tax] = await e.embed(['My cat sleeps on the sofa.', 'The kitten is napping on the couch.', 'I filed my tax return late.']);
    for (const v of [cat!, kitten!, tax!]) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(512);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(dot(cat!, kitten!)).toBeGreaterThan(dot(cat!, tax!) + 0.2);
  });

  it('micro-batches concurrent calls into one model run', async () => {
    const e = createUseLiteEmbedder({ batchWaitMs: 30, maxBatch: 64 });
    await e.warmup?.();
    const results = await Promise.all([e.embed(['a', 'b']), e.embed(['c']), e.embed(['d', 'e', 'f'])]);
    expect(results.map((r) => r.length)).toEqual([2, 1, 3]);
    expect(e.stats()).toEqual({ batches: 1, texts: 6 });
    // Same text, same vector, whichever batch it was in.
    const [alone] = await e.embed(['c']);
    expect(dot(alone!, results[1]![0]!)).toBeCloseTo(1, 4);
  });

  it('splits large requests into maxBatch runs and handles empty strings', async () => {
    const e = createUseLiteEmbedder({ maxBatch: 4, batchWaitMs: 0 });
    const out = await e.embed(['', ...Array.from({ length: 8 }, (_, i) => `sentence ${i}`)]);
    expect(out).toHaveLength(9);
    expect(e.stats().batches).toBe(3);
    expect(norm(out[0]!)).toBeCloseTo(1, 5);
  });
});
