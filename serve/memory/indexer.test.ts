import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRepos, type Repos } from '../db/repos';
import { createStaticEmbedder } from '../embeddings/static';
import { createLogger } from '../logger';
import { openTestDb, type TestDb } from '../testing/db';
import { createIndexer } from './indexer';
import type { ChunkingConfig } from './chunking';
import { createPgvectorStore } from './store/pgvector';
import type { VectorStore } from './store/types';

/**
 * The sweep (the periodic one and `npm run memory:reindex`) stores every session's chunks of a page
 * together: one embed call, one upsert, one markIndexed. Real PGlite + pgvector, the static embedder
 * on a synthetic table (the real table's build is static.test.ts's job).
 */
describe('indexer sweep over many sessions', () => {
  let t: TestDb;
  let repos: Repos;
  let dataDir: string;
  const embedder = () =>
    createStaticEmbedder({
      dataDir,
      build: async () => ({ pieces: 8000, dims: 512, data: Float32Array.from({ length: 8000 * 512 }, (_, i) => Math.sin(i * 0.37)) }),
    });

  beforeAll(async () => {
    t = await openTestDb('pglite');
    repos = createRepos(t.db.knex);
    dataDir = await mkdtemp(path.join(tmpdir(), 'memocha-indexer-'));
  });
  afterAll(async () => {
    await t?.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await t.db.knex.schema.dropTableIfExists('memories');
  });

  async function seed(userId: string, sessions: string[][], at = new Date('2024-03-01T10:00:00Z')) {
    await repos.users.ensure(userId);
    const ids: string[][] = [];
    for (const contents of sessions) {
      const s = await repos.sessions.create({ userId });
      const row: string[] = [];
      for (const [i, content] of contents.entries()) {
        const m = await repos.messages.insert({ sessionId: s.id, userId, role: i % 2 === 0 ? 'user' : 'assistant', content, status: 'complete', createdAt: new Date(at.getTime() + i * 1000) });
        row.push(m.id);
      }
      ids.push(row);
    }
    return ids;
  }

  async function indexer(chunking: ChunkingConfig) {
    const store = createPgvectorStore({ knex: t.db.knex, backend: t.db.backend });
    await store.ensure(512);
    let upserts = 0;
    const counted: VectorStore = Object.assign(Object.create(store) as VectorStore, {
      upsert: (records: Parameters<VectorStore['upsert']>[0]) => {
        upserts += 1;
        return store.upsert(records);
      },
    });
    const ix = createIndexer({ repos, store: counted, embedder: embedder(), chunking, logger: createLogger('silent') });
    return { ix, upserts: () => upserts };
  }

  const texts = async (userId: string) => ((await t.db.knex('memories').where('user_id', userId).orderBy('text').select('text')) as { text: string }[]).map((r) => r.text);

  it('indexes three sessions’ turns with one upsert and marks every message', async () => {
    const userId = 'u-sweep';
    await seed(userId, [
      ['I keep bees on my roof.', 'How many hives?', 'Three hives now.', 'Lovely!'],
      ['My car is a green Volvo.', 'Nice car.'],
      ['I am learning Portuguese.', 'Boa sorte!'],
    ]);
    const { ix, upserts } = await indexer({ strategy: 'turn' });
    await ix.sweep({ minAgeMs: 0 });
    await ix.idle();
    expect(ix.stats()).toMatchObject({ messagesIndexed: 8, chunksUpserted: 4, failures: 0 });
    expect(upserts()).toBe(1);
    expect(await texts(userId)).toEqual([
      'User: I am learning Portuguese.\nAssistant: Boa sorte!',
      'User: I keep bees on my roof.\nAssistant: How many hives?',
      'User: My car is a green Volvo.\nAssistant: Nice car.',
      'User: Three hives now.\nAssistant: Lovely!',
    ]);
    expect(await repos.memoryIndex.pending({ limit: 100, userId })).toEqual([]);
  });

  it('still joins a late reply to its already indexed user message', async () => {
    const userId = 'u-late';
    const [[question, answer]] = (await seed(userId, [['Where do I park at the office?', 'In bay 12.']])) as [[string, string]];
    await repos.memoryIndex.markIndexed([question]);
    const { ix } = await indexer({ strategy: 'turn' });
    await ix.sweep({ minAgeMs: 0 });
    await ix.idle();
    expect(ix.stats()).toMatchObject({ messagesIndexed: 1, chunksUpserted: 1, failures: 0 });
    expect(await texts(userId)).toEqual(['User: Where do I park at the office?\nAssistant: In bay 12.']);
    expect(answer).toBeDefined();
  });

  it('keeps one daily digest when two sessions of the same user and day are swept together', async () => {
    const userId = 'u-daily';
    await seed(userId, [
      ['I adopted a cat called Miso.', 'Congratulations!'],
      ['My sister lives in Porto.', 'Nice city.'],
    ]);
    const { ix, upserts } = await indexer({ strategy: 'daily' });
    await ix.sweep({ minAgeMs: 0 });
    await ix.idle();
    expect(ix.stats()).toMatchObject({ messagesIndexed: 4, chunksUpserted: 1, failures: 0 });
    expect(upserts()).toBe(1);
    const [digest] = await texts(userId);
    expect(digest).toContain('Miso');
    expect(digest).toContain('Porto');
  });
});
