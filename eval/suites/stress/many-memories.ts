/**
 * (b) Retrieval at scale: N memories (random unit vectors, seeded; only the scale is real) in a pgvector
 * store (a table of its own in the in-process target's database, else a fresh in-memory PGlite), half for one heavy user and the rest spread over light users, plus a few
 * real, embedded facts planted for the heavy user. Timed: the store's own search (heavy and light
 * user) and the memory service's retrieve (embed → search → rank, with its timeout), which must still
 * find the planted facts. (c) at scale: a light user asking about something they never said gets none.
 */
import { createLogger, createMemoryService, createPgvectorStore, createRepos, type Db, embedderFromConfig, loadConfig, type MemoryRecord, openDb } from '../../../serve';
import { LatencyHistogram } from '../../metrics/histogram';
import { createRng } from '../../metrics/random';
import { randomUnitVector } from './vectors';

export const PLANTED = [
  { fact: 'User: My dog is called Biscuit and he is a beagle.\nAssistant: Biscuit sounds lovely.', query: "What's my dog's name?", needle: 'Biscuit' },
  { fact: 'User: I work as a nurse at the city hospital.\nAssistant: That is demanding work.', query: 'What do I do for a living?', needle: 'nurse' },
  { fact: 'User: My sister lives in Lisbon.\nAssistant: Lisbon is a beautiful city.', query: 'Where does my sister live?', needle: 'Lisbon' },
  { fact: 'User: I am allergic to peanuts.\nAssistant: I will keep that in mind.', query: 'What am I allergic to?', needle: 'peanuts' },
] as const;

export interface ScaleOptions {
  memories: number;
  lightUsers: number;
  queries: number;
  index: 'exact' | 'hnsw';
  seed: number;
  signal: AbortSignal;
  onFill?: (done: number) => void;
  /** a database to borrow (the in-process target's): the memories go to a table of their own, dropped after */
  db?: Db;
}

export interface ScaleResult {
  memories: number;
  dims: number;
  storeId: string;
  fillMs: number;
  indexMs: number;
  heavyCount: number;
  lightCount: number;
  storeHeavy: LatencyHistogram;
  /** the same search asking for the stored vectors too, as retrieve does for near-duplicate dedupe and MMR */
  storeHeavyVectors: LatencyHistogram;
  storeLight: LatencyHistogram;
  retrieveHeavy: LatencyHistogram;
  /** planted queries whose fact came back from retrieve */
  plantedHits: number;
  plantedQueries: number;
  retrieveUnavailable: number;
  irrelevant: LatencyHistogram;
  /** memories returned to the light user's unrelated question (should be 0) */
  irrelevantMemories: number;
  irrelevantQueries: number;
  minScore: number;
  timeoutMs: number;
}

const BATCH = 1000;
const HEAVY = 'stress-heavy';
const light = (i: number) => `stress-light-${i + 1}`;

export async function manyMemories(o: ScaleOptions): Promise<ScaleResult> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', MEMORY_SWEEP_MS: '3600000' });
  const db = o.db ?? (await openDb({ inMemory: true }));
  const table = o.db ? `stress_memories_${Date.now().toString(36)}` : 'memories';
  // in-thread and uncached, as measured so far (the server's default runs the model in a worker)
  const embedder = embedderFromConfig(config, { cacheEntries: 0, worker: false });
  const logger = createLogger('silent');
  try {
    // exact first: bulk loading a table is far faster without the HNSW graph, which is built once after
    const store = createPgvectorStore({ knex: db.knex, backend: db.backend, table, index: { type: 'exact' } });
    await store.ensure(embedder.dimensions);
    const rng = createRng(o.seed);
    const heavyCount = Math.round(o.memories / 2);
    const base = Date.now() - 365 * 86_400_000;
    const t0 = performance.now();
    for (let start = 0; start < o.memories && !o.signal.aborted; start += BATCH) {
      const batch: MemoryRecord[] = [];
      for (let i = start; i < Math.min(o.memories, start + BATCH); i++) {
        const userId = i < heavyCount ? HEAVY : light((i - heavyCount) % Math.max(1, o.lightUsers));
        batch.push({ id: `mem-${i}`, userId, sessionId: null, messageIds: [], role: 'turn', text: `synthetic memory ${i}`, createdAt: new Date(base + (i % 365) * 86_400_000), vector: randomUnitVector(rng, embedder.dimensions) });
      }
      await store.upsert(batch);
      o.onFill?.(Math.min(o.memories, start + BATCH));
    }
    const planted = await embedder.embed(PLANTED.map((p) => p.fact));
    await store.upsert(PLANTED.map((p, i) => ({ id: `planted-${i}`, userId: HEAVY, sessionId: null, messageIds: [], role: 'turn', text: p.fact, createdAt: new Date(), vector: planted[i] as Float32Array })));
    const fillMs = performance.now() - t0;
    const t1 = performance.now();
    const searchStore =
      o.index === 'hnsw'
        ? createPgvectorStore({ knex: db.knex, backend: db.backend, table, index: { type: 'hnsw', m: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION, efSearch: config.HNSW_EF_SEARCH, maintenanceWorkMem: '512MB' } })
        : store;
    if (searchStore !== store) await searchStore.ensure(embedder.dimensions);
    await db.knex.raw('analyze ??', [table]);
    const indexMs = performance.now() - t1;

    const service = createMemoryService({ config, repos: createRepos(db.knex), store: searchStore, embedder, logger });
    const k = config.MEMORY_CANDIDATES;
    const storeHeavy = new LatencyHistogram();
    const storeLight = new LatencyHistogram();
    const storeHeavyVectors = new LatencyHistogram();
    for (let q = 0; q < o.queries && !o.signal.aborted; q++) {
      const v = randomUnitVector(rng, embedder.dimensions);
      let t = performance.now();
      await searchStore.search(v, { k, filter: { userId: HEAVY } });
      storeHeavy.record(performance.now() - t);
      t = performance.now();
      await searchStore.search(v, { k, filter: { userId: HEAVY }, withVectors: true });
      storeHeavyVectors.record(performance.now() - t);
      t = performance.now();
      await searchStore.search(v, { k, filter: { userId: light(q % Math.max(1, o.lightUsers)) } });
      storeLight.record(performance.now() - t);
    }
    const retrieveHeavy = new LatencyHistogram();
    const irrelevant = new LatencyHistogram();
    let plantedHits = 0;
    let plantedQueries = 0;
    let unavailable = 0;
    let irrelevantMemories = 0;
    let irrelevantQueries = 0;
    for (let q = 0; q < o.queries && !o.signal.aborted; q++) {
      const p = PLANTED[q % PLANTED.length] as (typeof PLANTED)[number];
      let t = performance.now();
      const r = await service.retrieve({ userId: HEAVY, sessionId: '00000000-0000-4000-8000-000000000000', query: p.query, recent: [] });
      retrieveHeavy.record(performance.now() - t);
      if (r.status !== 'ok') unavailable++;
      plantedQueries++;
      if (r.memories.some((m) => m.text.includes(p.needle))) plantedHits++;
      t = performance.now();
      const none = await service.retrieve({ userId: light(q % Math.max(1, o.lightUsers)), sessionId: '00000000-0000-4000-8000-000000000000', query: 'How far is the Moon from the Earth?', recent: [] });
      irrelevant.record(performance.now() - t);
      if (none.status !== 'ok') unavailable++;
      irrelevantQueries++;
      irrelevantMemories += none.memories.length;
    }
    await service.close();
    const lightCount = await searchStore.count({ userId: light(0) });
    return {
      memories: await searchStore.count(),
      dims: embedder.dimensions,
      storeId: searchStore.id,
      fillMs,
      indexMs,
      heavyCount: heavyCount + PLANTED.length,
      lightCount,
      storeHeavy,
      storeHeavyVectors,
      storeLight,
      retrieveHeavy,
      plantedHits,
      plantedQueries,
      retrieveUnavailable: unavailable,
      irrelevant,
      irrelevantMemories,
      irrelevantQueries,
      minScore: config.MEMORY_MIN_SCORE,
      timeoutMs: config.MEMORY_TIMEOUT_MS,
    };
  } finally {
    if (o.db) await db.knex.raw('drop table if exists ??', [table]);
    else await db.close();
  }
}
