import { describe, expect, it } from 'vitest';
import { createEmbedder } from './registry';

describe('createEmbedder', () => {
  it('builds providers from config strings', () => {
    expect(createEmbedder('use-lite').id).toBe('use-lite');
    const openai = createEmbedder('openai:text-embedding-3-small', { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k' });
    expect(openai.id).toBe('openai:text-embedding-3-small');
    expect(openai.dimensions).toBe(1536);
    expect(createEmbedder('openai:local', { dimensions: 384, apiKey: 'k' }).dimensions).toBe(384);
  });

  it('wraps in a cache when asked', () => {
    const e = createEmbedder('use-lite', { cacheEntries: 100 }) as ReturnType<typeof createEmbedder> & { stats?: () => unknown };
    expect(e.stats?.()).toEqual({ hits: 0, misses: 0, size: 0, maxEntries: 100, queries: { hits: 0, misses: 0 } });
  });

  it('rejects unknown or incomplete specs with the list of valid ones', () => {
    expect(() => createEmbedder('word2vec')).toThrow(/use one of use-lite, openai:<model>, transformers:<dir>/);
    expect(() => createEmbedder('openai:')).toThrow(/unknown embedding provider/);
    expect(() => createEmbedder('use-lite:big')).toThrow(/unknown embedding provider/);
  });
});
