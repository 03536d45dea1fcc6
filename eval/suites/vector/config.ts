/**
 * The vector suite's --config (zod, strict; all optional; quick values in brackets):
 *   {"sizes": [1000, 10000, 100000] [[1000, 5000]], "users": 10, "k": 10, "queries": 200 [50],
 *    "batchSizes": [1, 8, 32, 128], "embedSeconds": 3 [0.6], "uniform": false,
 *    "hnsw": {"m": 16, "efConstruction": 64, "efSearch": [40, 100] [[40]],
 *             "largeM": 8, "largeEfConstruction": 32, "largeFrom": 50000}}
 * The first efSearch value is the primary one (metric names without an `_ef<n>` suffix).
 */
import { z } from 'zod';
import type { JsonValue } from '../../report/schema';
import type { EmbedOptions, StoreOptions } from './measure';

const posInt = z.number().int().min(1);
const posIntList = z.array(posInt).min(1);

const hnswSchema = z
  .object({
    m: z.number().int().min(2).max(100).optional(),
    efConstruction: z.number().int().min(4).max(1000).optional(),
    efSearch: z.array(z.number().int().min(1).max(1000)).min(1).optional(),
    largeM: z.number().int().min(2).max(100).optional(),
    largeEfConstruction: z.number().int().min(4).max(1000).optional(),
    largeFrom: posInt.optional(),
  })
  .strict();

const vectorSchema = z
  .object({
    sizes: posIntList.optional(),
    users: posInt.optional(),
    k: z.number().int().min(1).max(1000).optional(),
    queries: posInt.optional(),
    batchSizes: posIntList.optional(),
    embedSeconds: z.number().positive().optional(),
    uniform: z.boolean().optional(),
    hnsw: hnswSchema.optional(),
  })
  .strict();

export type VectorConfig = EmbedOptions & StoreOptions;

const ascending = (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => a - b);

export function readVectorConfig(c: JsonValue, quick: boolean, seed: number): VectorConfig {
  const parsed = vectorSchema.safeParse(c ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`vector --config: ${issues}`);
  }
  const o = parsed.data;
  const h = o.hnsw ?? {};
  return {
    sizes: ascending(o.sizes ?? (quick ? [1000, 5000] : [1000, 10_000, 100_000])),
    users: o.users ?? 10,
    k: o.k ?? 10,
    queries: o.queries ?? (quick ? 50 : 200),
    batchSizes: o.batchSizes ?? [1, 8, 32, 128],
    embedSeconds: o.embedSeconds ?? (quick ? 0.6 : 3),
    uniform: o.uniform ?? false,
    efSearch: [...new Set(h.efSearch ?? (quick ? [40] : [40, 100]))],
    m: h.m ?? 16,
    efConstruction: h.efConstruction ?? 64,
    largeM: h.largeM ?? 8,
    largeEfConstruction: h.largeEfConstruction ?? 32,
    largeFrom: h.largeFrom ?? 50_000,
    seed,
  };
}
