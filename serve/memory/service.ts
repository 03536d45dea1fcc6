import type { Logger } from 'pino';
import type { MemoryService, UsedMemory } from '../chat/memory-seam';
import type { Config } from '../config';
import type { Repos } from '../db/repos';
import { isCached, type CacheStats } from '../embeddings/cache';
import type { EmbeddingProvider } from '../embeddings/types';
import type { ChunkingConfig, Summariser } from './chunking';
import { createIndexer, type IndexerStats } from './indexer';
import { retrieveMemories, type RetrievalConfig, type RetrievalQuery } from './retrieve';
import type { ListOptions, StoredMemory, VectorStore } from './store/types';

export interface MemoryStats {
  retrievals: number;
  unavailable: number;
  lastError?: string;
  sweeps: number;
  retentionDeleted: number;
  indexer: IndexerStats;
  /** The embedder's LRU (absent when EMBEDDINGS_CACHE_SIZE=0). */
  embeddingCache?: CacheStats;
}

export interface FullMemoryService extends MemoryService {
  search(q: RetrievalQuery & { k?: number }): Promise<UsedMemory[]>;
  /**
   * Forget the user's memories (of one session): their messages are marked forgotten first, so nothing
   * queued, in flight or swept later indexes them again, then the store's records are deleted.
   */
  clear(userId: string, sessionId?: string): Promise<number>;
  /** Forget one memory of the user (its messages are marked forgotten too); false when it is not theirs or gone. */
  forgetOne(userId: string, id: string): Promise<boolean>;
  count(userId: string): Promise<number>;
  /** The user's memories (of one session), newest first, a page at a time (the memory manager). */
  list(q: { userId: string; sessionId?: string; from?: Date; to?: Date } & ListOptions): Promise<StoredMemory[]>;
  /** Index pending messages and apply retention now (the periodic sweep does the same). */
  sweep(opts?: { minAgeMs?: number }): Promise<void>;
  /** Resolves when queued indexing has run (tests and the eval harness). */
  idle(): Promise<void>;
  stats(): MemoryStats;
  close(): Promise<void>;
}

export function retrievalConfig(c: Config): RetrievalConfig {
  return {
    k: c.MEMORY_TOP_K,
    candidates: Math.max(c.MEMORY_CANDIDATES, c.MEMORY_TOP_K),
    scope: c.MEMORY_SCOPE,
    minScore: c.MEMORY_MIN_SCORE,
    recency: { halfLifeDays: c.MEMORY_RECENCY_HALF_LIFE_DAYS, weight: c.MEMORY_RECENCY_WEIGHT, when: c.MEMORY_RECENCY_WHEN },
    mmrLambda: c.MEMORY_MMR_LAMBDA,
    dedupeWindow: c.MEMORY_DEDUPE_WINDOW,
    dedupeNear: c.MEMORY_DEDUPE_NEAR,
    hybrid: c.MEMORY_HYBRID,
    fusion: { method: c.MEMORY_FUSION, lexicalWeight: c.MEMORY_LEXICAL_WEIGHT },
    ...(c.MEMORY_TIME_BOOST > 0 ? { time: { boost: c.MEMORY_TIME_BOOST, afterDays: c.MEMORY_TIME_AFTER_DAYS } } : {}),
    ...(c.MEMORY_NEWER_FIRST_BAND > 0 ? { newerFirst: { band: c.MEMORY_NEWER_FIRST_BAND } } : {}),
    ...(c.MEMORY_NEIGHBOURS > 0 ? { neighbours: { n: c.MEMORY_NEIGHBOURS, discount: c.MEMORY_NEIGHBOUR_DISCOUNT } } : {}),
  };
}

export function chunkingConfig(c: Config): ChunkingConfig {
  return { strategy: c.MEMORY_CHUNKING, windowTurns: c.MEMORY_WINDOW_TURNS, windowStride: Math.min(c.MEMORY_WINDOW_STRIDE, c.MEMORY_WINDOW_TURNS) };
}

const toUsed = (m: { record: { id: string; text: string; sessionId: string | null; createdAt: Date }; score: number }): UsedMemory => ({
  id: m.record.id,
  text: m.record.text,
  score: Math.round(m.score * 10_000) / 10_000,
  sessionId: m.record.sessionId,
  createdAt: m.record.createdAt.toISOString(),
});

/** `work`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Long-term memory behind the chat's MemoryService seam: retrieval on the chat's path with a timeout
 * (a failure answers without memories), indexing and retention in the background.
 */
export function createMemoryService(deps: {
  config: Config;
  repos: Repos;
  store: VectorStore;
  embedder: EmbeddingProvider;
  logger: Logger;
  summarise?: Summariser;
  retrieval?: RetrievalConfig;
  chunking?: ChunkingConfig;
  /** "Now" for recency ranking; the eval harness replays dated conversations on the dataset's clock. */
  clock?: () => Date;
}): FullMemoryService {
  const { config, repos, store, embedder, logger } = deps;
  const cfg = deps.retrieval ?? retrievalConfig(config);
  const clock = deps.clock ?? (() => new Date());
  const indexer = createIndexer({
    repos,
    store,
    embedder,
    logger,
    chunking: deps.chunking ?? chunkingConfig(config),
    summarise: deps.summarise,
    claims: { leaseMs: config.MEMORY_INDEX_LEASE_MS },
  });
  const stats = { retrievals: 0, unavailable: 0, sweeps: 0, retentionDeleted: 0, lastError: undefined as string | undefined };
  // Messages younger than this may still be getting their answer; the sweep leaves them to afterTurn.
  const sweepMinAgeMs = config.LLM_DEADLINE_MS + 5_000;

  async function retention() {
    const ttlMs = config.MEMORY_TTL_DAYS * 86_400_000;
    if (ttlMs <= 0 && config.MEMORY_MAX_PER_USER <= 0) return;
    for (const userId of await repos.users.list()) {
      if (ttlMs > 0) stats.retentionDeleted += await store.delete({ userId, to: new Date(Date.now() - ttlMs) });
      if (config.MEMORY_MAX_PER_USER > 0 && store.deleteOldest) stats.retentionDeleted += await store.deleteOldest(userId, config.MEMORY_MAX_PER_USER);
    }
  }

  async function sweep(opts: { minAgeMs?: number } = {}) {
    stats.sweeps++;
    await indexer.sweep({ minAgeMs: opts.minAgeMs ?? sweepMinAgeMs });
    await retention().catch((err: unknown) => logger.warn({ err }, 'memory retention sweep failed'));
  }

  const timer = setInterval(() => void sweep(), config.MEMORY_SWEEP_MS);
  timer.unref();

  return {
    async retrieve({ userId, sessionId, query, recent }, requestSignal) {
      stats.retrievals++;
      // One signal for the request going away and MEMORY_TIMEOUT_MS: the embedder and the store stop on it.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new Error(`memory retrieval took over ${config.MEMORY_TIMEOUT_MS} ms`)), config.MEMORY_TIMEOUT_MS);
      const signal = requestSignal ? AbortSignal.any([requestSignal, timeout.signal]) : timeout.signal;
      try {
        const window = recent.map((m) => ({ id: m.id, content: m.content }));
        // The race answers on time even when a step cannot stop at once (a query already running).
        const result = await untilAborted(retrieveMemories({ store, embedder }, { userId, sessionId, query, window, now: clock() }, cfg, { signal }), signal);
        return { status: 'ok', memories: result.memories.map(toUsed) };
      } catch (err) {
        if (requestSignal?.aborted && !timeout.signal.aborted) return { status: 'unavailable', memories: [] }; // the client left
        stats.unavailable++;
        stats.lastError = err instanceof Error ? err.message : String(err);
        logger.warn({ err, userId }, 'memory unavailable: answering without long-term memories');
        return { status: 'unavailable', memories: [] };
      } finally {
        clearTimeout(timer);
      }
    },
    afterTurn({ sessionId }) {
      void indexer.indexSession(sessionId);
    },
    async search(q) {
      const result = await retrieveMemories({ store, embedder }, { now: clock(), ...q }, { ...cfg, k: q.k ?? cfg.k, scope: q.sessionId ? 'session' : 'user', dedupeWindow: false });
      return result.memories.map(toUsed);
    },
    async clear(userId, sessionId) {
      // The order matters (see storeChunks in indexer.ts): mark, then delete.
      await repos.memoryIndex.forget(sessionId ? { userId, sessionId } : { userId });
      return store.delete(sessionId ? { userId, sessionId } : { userId });
    },
    async forgetOne(userId, id) {
      const records = store.get ? await store.get([id], userId) : [];
      if (store.get && records.length === 0) return false;
      const messageIds = records.flatMap((r) => r.messageIds);
      if (messageIds.length > 0) await repos.memoryIndex.forget({ userId, ids: messageIds });
      return (await store.delete({ userId, ids: [id] })) > 0;
    },
    count: (userId) => store.count({ userId }),
    async list({ limit, after, ...filter }) {
      if (!store.list) throw new Error(`vector store ${store.id} cannot list memories`);
      return store.list(filter, { limit, ...(after ? { after } : {}) });
    },
    sweep,
    idle: () => indexer.idle(),
    stats: () => ({ ...stats, indexer: indexer.stats(), ...(isCached(embedder) ? { embeddingCache: embedder.stats() } : {}) }),
    async close() {
      clearInterval(timer);
      await indexer.idle();
    },
  };
}
