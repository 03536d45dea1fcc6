/**
 * The vector suite's --config (zod, strict; every key has a default; quick values in brackets):
 *   {"sizes": [1000, 10000, 100000] [[1000, 5000]], "users": 10, "k": 10, "queries": 200 [50],
 *    "batchSizes": [1, 8, 32, 128], "embedSeconds": 3 [0.6], "uniform": false,
 *    "embedders": ["use-lite", "use-lite+worker", "static", "static?dtype=int8"] [[]], "freshTables": false,
 *    "textSearch": {"sizes": [1000, 10000] [[1000]], "queries": 200 [50], "k": 30, "vocabulary": 20000},
 *    "hnsw": {"m": 16, "efConstruction": 64, "efSearch": [40, 100] [[40]],
 *             "largeM": 8, "largeEfConstruction": 32, "largeFrom": 50000}}
 * The first efSearch value is the primary one (metric names without an `_ef<n>` suffix).
 */
import { z } from 'zod';
import type { ConfigSpec } from '../../harness/config';
import type { EmbedderBenchOptions } from './embedders';
import type { EmbedOptions, StoreOptions } from './measure';
import type { TextSearchOptions } from './text-search';

const posInt = z.number().int().min(1);
const posIntList = z.array(posInt).min(1);

const hnswSchema = z.strictObject({
  m: z.number().int().min(2).max(100),
  efConstruction: z.number().int().min(4).max(1000),
  efSearch: z.array(z.number().int().min(1).max(1000)).min(1),
  largeM: z.number().int().min(2).max(100),
  largeEfConstruction: z.number().int().min(4).max(1000),
  largeFrom: posInt,
});

const textSearchSchema = z.strictObject({
  sizes: z.array(posInt),
  queries: posInt,
  k: z.number().int().min(1).max(1000),
  vocabulary: z.number().int().min(100),
});

const ascending = (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => a - b);

const vectorSchema = z
  .strictObject({
    sizes: posIntList,
    users: posInt,
    k: z.number().int().min(1).max(1000),
    queries: posInt,
    batchSizes: posIntList,
    embedSeconds: z.number().positive(),
    uniform: z.boolean(),
    hnsw: hnswSchema,
    embedders: z.array(z.string().min(1)).max(12),
    freshTables: z.boolean(),
    textSearch: textSearchSchema,
  })
  .transform(({ hnsw, textSearch, ...c }): Omit<VectorConfig, 'seed'> => ({
    ...c,
    sizes: ascending(c.sizes),
    ...hnsw,
    efSearch: [...new Set(hnsw.efSearch)],
    textSearch: { ...textSearch, sizes: ascending(textSearch.sizes) },
  }));

/** The options of the measurements; `seed` is the run's --seed. */
export type VectorConfig = EmbedOptions & StoreOptions & EmbedderBenchOptions & { textSearch: Omit<TextSearchOptions, 'seed'> };

export const vectorConfig: ConfigSpec<typeof vectorSchema> = {
  config: vectorSchema,
  defaults: {
    sizes: [1000, 10_000, 100_000],
    users: 10,
    k: 10,
    queries: 200,
    batchSizes: [1, 8, 32, 128],
    embedSeconds: 3,
    uniform: false,
    hnsw: { m: 16, efConstruction: 64, efSearch: [40, 100], largeM: 8, largeEfConstruction: 32, largeFrom: 50_000 },
    embedders: ['use-lite', 'use-lite+worker', 'static', 'static?dtype=int8'],
    freshTables: false,
    textSearch: { sizes: [1000, 10_000], queries: 200, k: 30, vocabulary: 20_000 },
  },
  quick: { sizes: [1000, 5000], queries: 50, embedSeconds: 0.6, hnsw: { efSearch: [40] }, embedders: [], textSearch: { sizes: [1000], queries: 50 } },
};

/** The measurements' options: the resolved config and the run's seed. */
export const vectorOptions = (cfg: Omit<VectorConfig, 'seed'>, seed: number): VectorConfig => ({ ...cfg, seed });
