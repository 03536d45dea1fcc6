import { describe, expect, it } from 'vitest';
import type { RetrievalConfig } from '../../../serve';
import type { JsonValue } from '../../report/schema';
import { DEFAULT_VARIANTS, resolveVariant } from './config';
import memory from './index';

// the config as the harness resolves it: defaults ← quick ← --config file, validated
const readMemoryConfig = (raw: JsonValue, quick: boolean) => memory.resolveConfig(raw, quick).value;

const base: { retrieval: RetrievalConfig; chunking: { strategy: 'turn'; windowTurns: number; windowStride: number } } = {
  retrieval: { k: 5, candidates: 30, scope: 'user', minScore: 0.3, mmrLambda: 1, dedupeWindow: true, dedupeNear: 0.97, hybrid: false },
  chunking: { strategy: 'turn', windowTurns: 3, windowStride: 1 },
};

describe('memory suite config', () => {
  it('defaults: every retrieval and chunking option once, quick runs a subset', () => {
    const full = readMemoryConfig({}, false);
    expect(full.variants).toEqual(DEFAULT_VARIANTS);
    expect(full.variants.map((v) => v.name)).toEqual([
      'default', 'no-threshold', 'no-recency', 'recency-always', 'rrf', 'lexical-weight-1', 'bm25-only', 'vector-only',
      'no-time', 'no-newer-first', 'neighbours', 'mmr', 'no-dedupe-near', 'chunk-message', 'chunk-window', 'chunk-daily',
    ]);
    const quick = readMemoryConfig({}, true);
    expect(quick.conversations).toBe(3);
    expect(quick.variants.length).toBeLessThan(full.variants.length);
  });

  it('rejects unknown keys, bad values, duplicate and reserved names with the path', () => {
    expect(() => readMemoryConfig({ variants: [{ name: 'x', retrieval: { hybird: true } }] }, false)).toThrow(/variants\.0\.retrieval/);
    expect(() => readMemoryConfig({ depth: 0 }, false)).toThrow(/depth/);
    expect(() => readMemoryConfig({ variants: [{ name: 'a' }, { name: 'a' }] }, false)).toThrow(/used twice/);
    expect(() => readMemoryConfig({ variants: [{ name: 'memory-off' }] }, false)).toThrow(/reserved/);
    expect(readMemoryConfig({ ks: [10, 1, 50, 1], depth: 10 }, false).ks).toEqual([1, 10]);
  });

  it('a variant changes only what it names; null turns a filter off', () => {
    const v = resolveVariant({ name: 'v', retrieval: { minScore: null, hybrid: true, k: 40 } }, base);
    expect(v.retrieval).toEqual({ ...base.retrieval, hybrid: true, k: 40, candidates: 40, minScore: undefined });
    expect('minScore' in v.retrieval).toBe(false);
    expect(v.chunkingKey).toBe('turn');
    const w = resolveVariant({ name: 'w', chunking: { strategy: 'window', windowTurns: 2, windowStride: 5 } }, base);
    expect(w.chunking).toMatchObject({ strategy: 'window', windowTurns: 2, windowStride: 2 });
    expect(w.chunkingKey).toBe('window-2-2');
    expect(base.retrieval.minScore).toBe(0.3);
  });
});
