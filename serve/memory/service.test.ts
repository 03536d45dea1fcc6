import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../config';
import { createRepos } from '../db/repos';
import { withCache } from '../embeddings/cache';
import { createUseLiteEmbedder, USE_LITE_DIMENSIONS } from '../embeddings/use-lite';
import type { EmbeddingProvider } from '../embeddings/types';
import { createLogger } from '../logger';
import { openTestDb, type TestDb } from '../testing/db';
import { createMemoryService } from './service';
import { createPgvectorStore } from './store/pgvector';

/**
 * MEMORY_TIMEOUT_MS and the request's signal reach the embedder and the store: a retrieval that is cut
 * off leaves no work behind (no model run for its query, no vector query). Real use-lite, real PGlite.
 */
describe('memory retrieval stops its work when it times out or the request goes away', () => {
  let t: TestDb;
  const userId = 'u-timeout';
  const query = 'Where does my sister live?';

  beforeAll(async () => {
    t = await openTestDb('pglite');
  });
  afterAll(async () => t?.cleanup());

  async function service(embedder: EmbeddingProvider, env: Record<string, string>) {
    const store = createPgvectorStore({ knex: t.db.knex, backend: t.db.backend });
    await store.ensure(USE_LITE_DIMENSIONS);
    const config = testConfig({ MEMORY_SWEEP_MS: '3600000', ...env });
    const memory = createMemoryService({ config, repos: createRepos(t.db.knex), store, embedder, logger: createLogger('silent') });
    return { store, memory };
  }

  it('a query still waiting for its micro-batch at the timeout is dropped: the model never embeds it', async () => {
    // The batch waits 10 minutes for company, so only a full batch (2 texts) runs the model.
    const embedder = createUseLiteEmbedder({ batchWaitMs: 600_000, maxBatch: 2 });
    const { memory } = await service(embedder, { MEMORY_TIMEOUT_MS: '20' });
    const r = await memory.retrieve({ userId, sessionId: randomUUID(), query, recent: [] });
    expect(r).toEqual({ status: 'unavailable', memories: [] });
    expect(memory.stats()).toMatchObject({ unavailable: 1, lastError: 'memory retrieval took over 20 ms' });
    // Had the query stayed queued, these two would have run as [query, a] then [b].
    await embedder.embed(['a', 'b']);
    expect(embedder.stats()).toEqual({ batches: 1, texts: 2 });
    await memory.close();
  });

  it('the request going away stops the retrieval at once (not counted as memory unavailable)', async () => {
    const embedder = createUseLiteEmbedder({ batchWaitMs: 600_000, maxBatch: 2 });
    const { memory } = await service(embedder, { MEMORY_TIMEOUT_MS: '600000' });
    const request = new AbortController();
    const pending = memory.retrieve({ userId, sessionId: randomUUID(), query, recent: [] }, request.signal);
    request.abort();
    expect(await pending).toEqual({ status: 'unavailable', memories: [] });
    expect(memory.stats().unavailable).toBe(0);
    await embedder.embed(['a', 'b']);
    expect(embedder.stats()).toEqual({ batches: 1, texts: 2 });
    await memory.close();
  });

  it('a search still waiting for the database at the timeout never runs its vector query', async () => {
    const embedder = withCache(createUseLiteEmbedder(), { maxEntries: 10 });
    const [vector] = await embedder.embed([query]); // the retrieval's embed is then a cache hit
    const { store, memory } = await service(embedder, { MEMORY_TIMEOUT_MS: '50' });
    await store.upsert([{ id: 'm1', userId, sessionId: null, messageIds: [], role: 'turn', text: 'My sister lives in Porto.', createdAt: new Date(), vector: vector! }]);
    const sql: string[] = [];
    const record = (q: { sql: string }) => sql.push(q.sql);
    t.db.knex.on('query', record);
    // PGlite has one connection: holding it in a transaction makes the search wait past the timeout.
    const blocker = await t.db.knex.transaction();
    try {
      const r = await memory.retrieve({ userId, sessionId: randomUUID(), query, recent: [] });
      expect(r).toEqual({ status: 'unavailable', memories: [] });
      expect(memory.stats().lastError).toBe('memory retrieval took over 50 ms');
    } finally {
      await blocker.commit();
    }
    // The pool hands the connection over in order: the abandoned search's transaction ends before this count.
    expect(await store.count({ userId })).toBe(1);
    t.db.knex.off('query', record);
    expect(sql.filter((s) => s.includes('<=>'))).toEqual([]);
    await memory.close();
    // The same retrieval with the database free finds the memory (a timeout no loaded machine reaches).
    const { memory: unhurried } = await service(embedder, { MEMORY_TIMEOUT_MS: '30000' });
    const ok = await unhurried.retrieve({ userId, sessionId: randomUUID(), query, recent: [] });
    expect(ok.memories.map((m) => m.text)).toEqual(['My sister lives in Porto.']);
    // stats() carries the embedder cache's counts: the embeds above were one miss, then hits
    expect(unhurried.stats().embeddingCache).toMatchObject({ size: 1, maxEntries: 10, queries: { misses: 1 } });
    expect(unhurried.stats().embeddingCache!.queries.hits).toBeGreaterThanOrEqual(1);
    await unhurried.close();
  });
});
