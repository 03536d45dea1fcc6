import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../db';
import type { Repos } from '../db/repos';
import type { CacheResult } from '../embeddings/redis-cache';
import { createEmbedder } from '../embeddings/registry';
import type { EmbeddingProvider } from '../embeddings/types';
import type { LlmProvider } from '../llm/types';
import { throttledWarn } from '../redis/throttled-warn';
import type { Summariser } from './chunking';
import { createMemoryService, type FullMemoryService } from './service';
import { createVectorStore } from './store/registry';
import type { VectorStore } from './store/types';

export interface MemoryWiring {
  service: FullMemoryService;
  store: VectorStore;
  embedder: EmbeddingProvider;
  /** Set when the store could not be prepared at start (the chat then answers without memories). */
  startupError?: string;
}

/** Config strings → embedder, vector store and the memory service. Null when MEMORY_ENABLED=false. */
export async function createMemoryFromConfig(p: {
  config: Config;
  db: Db;
  repos: Repos;
  logger: Logger;
  llm?: LlmProvider;
  /** The process's Redis (REDIS_URL): query embeddings are shared through it. */
  redis?: Redis;
  /** Each lookup in a shared cache (memocha_cache_requests_total). */
  onCacheRequest?: (cache: string, result: CacheResult, n: number) => void;
}): Promise<MemoryWiring | null> {
  const { config, db, repos, logger } = p;
  if (!config.MEMORY_ENABLED) return null;
  const embedder = embedderFromConfig(config, p.redis ? { redis: p.redis, logger, ...(p.onCacheRequest ? { onCacheRequest: p.onCacheRequest } : {}) } : {});
  const store = await createStore(config, db);
  let startupError: string | undefined;
  try {
    await store.ensure(embedder.dimensions);
  } catch (err) {
    startupError = err instanceof Error ? err.message : String(err);
    logger.error({ err, store: store.id }, `long-term memory is unavailable: ${startupError}`);
  }
  const summarise: Summariser | undefined =
    config.llmMode === 'openai' && p.llm
      ? async (texts) =>
          (
            await p.llm!.complete({
              messages: [
                { role: 'system', content: 'Summarise the facts the user shared in this conversation day as short, dated-free bullet points. Keep names, numbers and preferences. No commentary.' },
                { role: 'user', content: texts.join('\n') },
              ],
              temperature: 0,
              maxTokens: 300,
            })
          ).text
      : undefined;
  const service = createMemoryService({ config, repos, store, embedder, logger, summarise });
  logger.info({ embedder: embedder.id, dimensions: embedder.dimensions, store: store.id, chunking: config.MEMORY_CHUNKING }, 'long-term memory ready');
  return { service, store, embedder, startupError };
}

/** The configured embedder (EMBEDDINGS*, falling back to the LLM endpoint and key); `overrides` win. */
export function embedderFromConfig(
  config: Config,
  overrides: { cacheEntries?: number; worker?: boolean; redis?: Redis; logger?: Logger; onCacheRequest?: (cache: string, result: CacheResult, n: number) => void } = {},
): EmbeddingProvider {
  const { redis, logger } = overrides;
  const warn = logger ? throttledWarn(logger, 'redis embedding cache failing: queries go straight to the embedder') : () => undefined;
  return createEmbedder(config.EMBEDDINGS, {
    ...(redis && config.REDIS_CACHE_EMBEDDINGS_TTL_S > 0
      ? {
          redis: {
            redis,
            prefix: config.REDIS_CACHE_PREFIX,
            ttlSeconds: config.REDIS_CACHE_EMBEDDINGS_TTL_S,
            onResult: (result: CacheResult, n: number) => overrides.onCacheRequest?.('embeddings', result, n),
            onError: (err: Error, op: 'get' | 'set') => warn(err, { op }),
          },
        }
      : {}),
    baseUrl: config.EMBEDDINGS_BASE_URL ?? config.LLM_BASE_URL,
    apiKey: config.EMBEDDINGS_API_KEY ?? config.LLM_API_KEY,
    cacheEntries: overrides.cacheEntries ?? config.EMBEDDINGS_CACHE_SIZE,
    worker: overrides.worker ?? config.EMBEDDINGS_WORKER,
    dataDir: config.DATA_DIR,
    retry: { maxRetries: config.LLM_MAX_RETRIES, retryBaseMs: config.LLM_RETRY_BASE_MS, retryMaxMs: config.LLM_RETRY_MAX_MS },
    ...(config.EMBEDDINGS_DIMENSIONS ? { dimensions: config.EMBEDDINGS_DIMENSIONS } : {}),
  });
}

function createStore(config: Config, db: Db): Promise<VectorStore> {
  const index = config.VECTOR_INDEX;
  const pgIndex = index.toLowerCase() === 'hnsw' ? 'hnsw' : 'exact';
  return createVectorStore(config.VECTOR_STORE, {
    knex: db.knex,
    backend: db.backend,
    bm25: { k1: config.MEMORY_BM25_K1, b: config.MEMORY_BM25_B },
    pgvector: { index: { type: pgIndex, m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION, efSearch: config.HNSW_EF_SEARCH } },
    milvus: {
      ...(config.MILVUS_TOKEN ? { token: config.MILVUS_TOKEN } : {}),
      ...(index === index.toUpperCase() && index !== 'exact' ? { index: index as 'FLAT' | 'HNSW' | 'IVF_FLAT' | 'IVF_SQ8' | 'DISKANN' } : {}),
      metric: config.MILVUS_METRIC,
    },
  });
}
