/**
 * Embedding providers by config string:
 *   use-lite                 Universal Sentence Encoder lite, offline (default); in a worker thread with `worker: true`
 *   openai:<model>           any OpenAI-compatible /v1/embeddings (baseUrl, apiKey, dimensions from opts)
 *   transformers:<dir>       a local Hugging Face model folder via @xenova/transformers
 *   static[:use-lite][?dtype=int8&a=1e-3]  a static table distilled from use-lite (static.ts), cached under dataDir
 */
import type { RetryPolicy } from '../llm/retry';
import { withCache } from './cache';
import { createOpenAiEmbedder } from './openai';
import { withRedisCache, type RedisEmbeddingCacheOptions } from './redis-cache';
import { createStaticEmbedder, parseStaticSpec } from './static';
import { createTransformersEmbedder } from './transformers';
import type { EmbeddingProvider } from './types';
import { createUseLiteEmbedder } from './use-lite';
import { createWorkerEmbedder } from './worker-embedder';

export interface CreateEmbedderOptions {
  /** OpenAI-compatible endpoint for `openai:` specs. */
  baseUrl?: string;
  apiKey?: string;
  /** Vector size override (`openai:` models not in the known list, `transformers:` without config.json). */
  dimensions?: number;
  /** Texts per model call. */
  maxBatch?: number;
  /** use-lite: micro-batch wait. */
  batchWaitMs?: number;
  /** use-lite: run the model in a worker thread (EMBEDDINGS_WORKER) instead of on the event loop. */
  worker?: boolean;
  /** Wrap in an LRU of this many vectors; 0 or undefined = no cache. */
  cacheEntries?: number;
  /** `openai:` retries, the LLM's policy (LLM_MAX_RETRIES, LLM_RETRY_BASE_MS, LLM_RETRY_MAX_MS); default its defaults. */
  retry?: RetryPolicy;
  /** `static`: its table is cached in <dataDir>/embeddings/ (DATA_DIR; default ./data). */
  dataDir?: string;
  /**
   * Query embeddings shared across instances in Redis, under the LRU. Not for `static`: it embeds a
   * query in ~0.05 ms, less than a Redis round trip (reports/baselines/redis-cache/).
   */
  redis?: RedisEmbeddingCacheOptions;
}

export const EMBEDDER_SPECS = ['use-lite', 'openai:<model>', 'transformers:<dir>', 'static[:use-lite][?dtype=int8&a=<n>]'] as const;

export function createEmbedder(spec: string, opts: CreateEmbedderOptions = {}): EmbeddingProvider {
  const bare = createBare(spec.trim(), opts);
  const provider = opts.redis && !isStaticSpec(spec.trim()) ? withRedisCache(bare, opts.redis) : bare;
  return opts.cacheEntries && opts.cacheEntries > 0 ? withCache(provider, { maxEntries: opts.cacheEntries }) : provider;
}

const isStaticSpec = (spec: string) => /^static(?=$|[:?])/.test(spec);

function createBare(spec: string, opts: CreateEmbedderOptions): EmbeddingProvider {
  if (isStaticSpec(spec)) return createStaticEmbedder({ dataDir: opts.dataDir ?? './data', ...parseStaticSpec(spec.slice('static'.length).replace(/^:/, '')) });
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1).trim();
  switch (kind) {
    case 'use-lite':
      if (arg) break;
      return (opts.worker ? createWorkerEmbedder : createUseLiteEmbedder)({
        ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
        ...(opts.batchWaitMs !== undefined ? { batchWaitMs: opts.batchWaitMs } : {}),
      });
    case 'openai':
      if (!arg) break;
      return createOpenAiEmbedder({
        model: arg,
        ...(opts.baseUrl !== undefined ? { baseUrl: opts.baseUrl } : {}),
        ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}),
        ...(opts.dimensions !== undefined ? { dimensions: opts.dimensions } : {}),
        ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
        ...opts.retry,
      });
    case 'transformers':
      if (!arg) break;
      return createTransformersEmbedder({
        modelDir: arg,
        ...(opts.dimensions !== undefined ? { dimensions: opts.dimensions } : {}),
        ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
      });
  }
  throw new Error(`unknown embedding provider ${JSON.stringify(spec)}: use one of ${EMBEDDER_SPECS.join(', ')}`);
}
