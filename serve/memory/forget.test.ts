import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../config';
import { createRepos, type Repos } from '../db/repos';
import { createStaticEmbedder } from '../embeddings/static';
import type { EmbeddingProvider } from '../embeddings/types';
import { createLogger } from '../logger';
import { backends, openTestDb, type TestDb } from '../testing/db';
import { createMemoryService, type FullMemoryService } from './service';
import { createPgvectorStore } from './store/pgvector';
import type { VectorStore } from './store/types';

/**
 * Forgetting wins over indexing in flight: a forget (memories cleared, or the session deleted) that
 * lands while the indexer embeds a turn leaves nothing of it in the store, and nothing forgotten is
 * indexed by a later sweep or a full re-index. The chat tables are on each backend; the store is
 * pgvector on PGlite (the test PostgreSQL has no pgvector), its own database when the chat's is PostgreSQL.
 */
describe.each(backends)('forgetting wins over the indexer (chat tables on %s)', (backend) => {
  let chat: TestDb;
  let storeDb: TestDb;
  let repos: Repos;
  let dataDir: string;
  let store: VectorStore;
  let base: EmbeddingProvider;

  beforeAll(async () => {
    chat = await openTestDb(backend);
    storeDb = backend === 'pglite' ? chat : await openTestDb('pglite');
    repos = createRepos(chat.db.knex);
    dataDir = await mkdtemp(path.join(tmpdir(), 'memocha-forget-'));
    base = createStaticEmbedder({
      dataDir,
      build: async () => ({ pieces: 8000, dims: 512, data: Float32Array.from({ length: 8000 * 512 }, (_, i) => Math.sin(i * 0.37)) }),
    });
    store = createPgvectorStore({ knex: storeDb.db.knex, backend: storeDb.db.backend });
    await store.ensure(512);
  });
  afterAll(async () => {
    await chat?.cleanup();
    if (storeDb !== chat) await storeDb?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The real embedder, held at its next call until released (to land a forget mid-embedding). */
  function gated() {
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    let release!: () => void;
    const open = new Promise<void>((r) => (release = r));
    let armed = true;
    const embedder: EmbeddingProvider = {
      id: base.id,
      dimensions: base.dimensions,
      async embed(texts, opts) {
        if (armed) {
          armed = false;
          arrived();
          await open;
        }
        return base.embed(texts, opts);
      },
    };
    return { embedder, reached, release };
  }

  function service(embedder: EmbeddingProvider): FullMemoryService {
    const config = testConfig({ MEMORY_SWEEP_MS: '3600000', MEMORY_CHUNKING: 'turn' });
    return createMemoryService({ config, repos, store, embedder, logger: createLogger('silent') });
  }

  async function turn(userId: string, sessionId?: string) {
    const s = sessionId ?? (await repos.sessions.create({ userId })).id;
    const u = await repos.messages.insert({ sessionId: s, userId, role: 'user', content: `My locker code is 4711 and I live in Braga (${userId}).`, status: 'complete' });
    const a = await repos.messages.insert({ sessionId: s, userId, role: 'assistant', content: 'Noted: locker 4711, Braga.', status: 'complete' });
    return { sessionId: s, messages: [u, a] };
  }

  it('control: a turn nobody forgets is indexed', async () => {
    const m = service(base);
    const t = await turn('keeper');
    m.afterTurn({ userId: 'keeper', sessionId: t.sessionId, messages: t.messages });
    await m.idle();
    expect(await m.count('keeper')).toBeGreaterThan(0);
    await m.close();
  });

  it('DELETE /v1/memories while the turn is being embedded: its upsert is deleted again, and a sweep and a re-index never bring it back', async () => {
    const g = gated();
    const m = service(g.embedder);
    const t = await turn('forgets-all');
    m.afterTurn({ userId: 'forgets-all', sessionId: t.sessionId, messages: t.messages });
    await g.reached; // the job read the messages (not forgotten then) and is embedding them
    await m.clear('forgets-all');
    g.release();
    await m.idle();
    expect(await m.count('forgets-all')).toBe(0);
    expect(m.stats().indexer.forgottenInFlight).toBeGreaterThan(0);

    await m.sweep({ minAgeMs: 0 });
    await m.idle();
    expect(await m.count('forgets-all')).toBe(0);
    await repos.memoryIndex.reset({ userId: 'forgets-all' }); // what npm run memory:reindex does first
    await m.sweep({ minAgeMs: 0 });
    await m.idle();
    expect(await m.count('forgets-all')).toBe(0);

    // The session goes on: a new turn is remembered, without the forgotten one as its context.
    const next = await repos.messages.insert({ sessionId: t.sessionId, userId: 'forgets-all', role: 'assistant', content: 'By the way, the gym reopens on Monday.', status: 'complete' });
    m.afterTurn({ userId: 'forgets-all', sessionId: t.sessionId, messages: [next] });
    await m.idle();
    const texts = (await storeDb.db.knex('memories').where('user_id', 'forgets-all').select('text')) as { text: string }[];
    expect(texts.map((r) => r.text).join(' ')).toContain('gym');
    expect(texts.map((r) => r.text).join(' ')).not.toMatch(/4711|Braga/);
    await m.close();
  });

  it('the session deleted while its turn is being embedded: nothing of it is left in the store', async () => {
    const g = gated();
    const m = service(g.embedder);
    const t = await turn('deletes-session');
    m.afterTurn({ userId: 'deletes-session', sessionId: t.sessionId, messages: t.messages });
    await g.reached;
    expect(await repos.sessions.remove('deletes-session', t.sessionId)).toBe(true); // the route: remove, then clear
    await m.clear('deletes-session', t.sessionId);
    g.release();
    await m.idle();
    expect(await m.count('deletes-session')).toBe(0);
    expect(m.stats().indexer.forgottenInFlight).toBeGreaterThan(0);
    await m.close();
  });

  it('a session’s memories cleared while another session of the user is embedded: only the cleared one is forgotten', async () => {
    const g = gated();
    const m = service(g.embedder);
    const kept = await turn('two-sessions');
    const gone = await turn('two-sessions');
    m.afterTurn({ userId: 'two-sessions', sessionId: gone.sessionId, messages: gone.messages });
    m.afterTurn({ userId: 'two-sessions', sessionId: kept.sessionId, messages: kept.messages });
    await g.reached;
    await m.clear('two-sessions', gone.sessionId);
    g.release();
    await m.idle();
    const rows = (await storeDb.db.knex('memories').where('user_id', 'two-sessions').select('session_id')) as { session_id: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.session_id))).toEqual(new Set([kept.sessionId]));
    await m.close();
  });

  it('a failed turn’s user message (never indexed) is not swept in after the user’s memories are cleared', async () => {
    const m = service(base);
    const s = (await repos.sessions.create({ userId: 'failed-turn' })).id;
    await repos.messages.insert({ sessionId: s, userId: 'failed-turn', role: 'user', content: 'My passport number is X1234567.', status: 'complete' });
    await repos.messages.insert({ sessionId: s, userId: 'failed-turn', role: 'assistant', content: '', status: 'error', errorCode: 'llm_error' });
    expect(await m.clear('failed-turn')).toBe(0);
    await m.sweep({ minAgeMs: 0 });
    await m.idle();
    expect(await m.count('failed-turn')).toBe(0);
    expect(await repos.memoryIndex.pending({ limit: 100, userId: 'failed-turn' })).toEqual([]);
    await m.close();
  });
});
