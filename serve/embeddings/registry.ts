/**
 * Embedding providers by config string:
 *   use-lite                 Universal Sentence Encoder lite, offline (default); in a worker thread with `worker: true`
 *   openai:<model>           any OpenAI-compatible /v1/embeddings (baseUrl, apiKey, dimensions from opts)
 *   transformers:<dir>       a local Hugging Face model folder via @xenova/transformers
 */
import { withCache } from './cache';
import { createOpenAiEmbedder } from './openai';
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
}

export const EMBEDDER_SPECS = ['use-lite', 'openai:<model>', 'transformers:<dir>'] as const;

export function createEmbedder(spec: string, opts: CreateEmbedderOptions = {}): EmbeddingProvider {
  const provider = createBare(spec.trim(), opts);
  return opts.cacheEntries && opts.cacheEntries > 0 ? withCache(provider, { maxEntries: opts.cacheEntries }) : provider;
}

function createBare(spec: string, opts: CreateEmbedderOptions): EmbeddingProvider {
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
