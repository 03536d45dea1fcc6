import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder, createPgvectorStore, openDb, type Db, type EmbeddingProvider, type PgvectorStore } from '../../../serve';
import { seedMemories, seededUser } from './seed';

describe('seedMemories', () => {
  let db: Db;
  let store: PgvectorStore;
  let embedder: EmbeddingProvider;
  beforeAll(async () => {
    db = await openDb({ inMemory: true });
    embedder = createEmbedder('static');
    store = createPgvectorStore({ knex: db.knex, backend: db.backend });
    await store.ensure(embedder.dimensions);
  }, 120_000);
  afterAll(async () => db?.close());

  it('stores N distinct memories for each seeded user, found by vector and by BM25 within that user only', { timeout: 300_000 }, async () => {
    const r = await seedMemories({ store, embedder }, { users: 2, perUser: 300, seed: 7 });
    expect(r).toMatchObject({ users: 2, perUser: 300, rows: 600 });
    for (const u of [0, 1]) expect(await store.count({ userId: seededUser(u) })).toBe(300);
    expect(await store.count({ userId: seededUser(2) })).toBe(0);

    const [q] = await embedder.embed(['anything at all']);
    const hits = await store.search(q!, { k: 50, filter: { userId: seededUser(0) }, withVectors: true });
    expect(hits).toHaveLength(50);
    expect(new Set(hits.map((h) => h.record.id)).size).toBe(50);
    expect(hits.every((h) => h.record.userId === seededUser(0))).toBe(true);
    for (const h of hits.slice(0, 5)) expect(Math.hypot(...h.vector!)).toBeCloseTo(1, 4); // re-normalised
    // the memories' own words are searchable: BM25 finds a memory by a word of its text
    const word = hits[0]!.record.text.split(' ').at(-1)!;
    const text = await store.textSearch!(word, q!, { k: 10, filter: { userId: seededUser(0) } });
    expect(text.length).toBeGreaterThan(0);
    expect(text.some((h) => h.record.text.split(' ').includes(word))).toBe(true);
  });

  it('is deterministic under the seed: seeding again writes the same rows', { timeout: 300_000 }, async () => {
    const snapshot = async () => {
      const hits = await store.search((await embedder.embed(['x']))[0]!, { k: 300, filter: { userId: seededUser(0) } });
      return new Map(hits.map((h) => [h.record.id, h.record.text]));
    };
    await seedMemories({ store, embedder }, { users: 1, perUser: 50, seed: 9 });
    const first = await snapshot();
    await seedMemories({ store, embedder }, { users: 1, perUser: 50, seed: 9 });
    expect(await snapshot()).toEqual(first);
    expect(await store.count({ userId: seededUser(0) })).toBe(300);
  });
});
