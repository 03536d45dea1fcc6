/**
 * The server's retrieval pieces, driven over a retrieval dataset: the configured embedder and
 * VectorStore (serve/memory/store/registry.ts on a fresh in-memory PGlite with pgvector), every
 * corpus doc stored as a memory of one synthetic user, and each query answered by
 * serve/memory/retrieve.ts retrieveMemories.
 */
import { createVectorStore, type EmbeddingProvider, type MemoryRecord, type RetrievalConfig, retrieveMemories, type VectorStore } from '../../../serve';
import { openPgliteKnex } from '../../../serve/testing';
import type { RetrievalDoc, RetrievalQuery } from '../../datasets/types';

/** The one memory owner every doc is stored under. */
export const EVAL_USER = 'retrieval-eval';
/** Every doc's createdAt (one date: recency never reorders docs); queries are asked a day later. */
export const DOC_DATE = new Date('2024-01-01T00:00:00.000Z');
export const QUERY_DATE = new Date('2024-01-02T00:00:00.000Z');

const EMBED_BATCH = 64;
const UPSERT_BATCH = 500;

/** What gets embedded and stored for a doc: its title and text, one line each (the text alone without a title). */
export function docText(doc: RetrievalDoc): string {
  const title = doc.title?.trim();
  return title ? `${title}\n${doc.text}` : doc.text;
}

export interface OpenStore {
  store: VectorStore;
  close(): Promise<void>;
}

export async function openStore(spec: string, dimensions: number): Promise<OpenStore> {
  const db = await openPgliteKnex();
  try {
    const store = await createVectorStore(spec, { knex: db.knex, backend: 'pglite' });
    await store.ensure(dimensions);
    return { store, close: () => db.close() };
  } catch (err) {
    await db.close();
    throw err;
  }
}

export interface IndexStats {
  docs: number;
  /** wall time of the embedder calls (batches of 64) */
  embedMs: number;
  /** wall time of store.upsert (batches of 500) */
  upsertMs: number;
}

/** Embed every doc (title + text) and upsert it as a memory record of EVAL_USER. */
export async function indexCorpus(
  deps: { store: VectorStore; embedder: EmbeddingProvider },
  corpus: readonly RetrievalDoc[],
  hooks: { signal?: AbortSignal; onBatch?: (done: number) => void } = {},
): Promise<IndexStats> {
  let embedMs = 0;
  let upsertMs = 0;
  let pending: MemoryRecord[] = [];
  let done = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const t0 = performance.now();
    await deps.store.upsert(pending);
    upsertMs += performance.now() - t0;
    pending = [];
  };
  for (let i = 0; i < corpus.length; i += EMBED_BATCH) {
    if (hooks.signal?.aborted) break;
    const docs = corpus.slice(i, i + EMBED_BATCH);
    const t0 = performance.now();
    const vectors = await deps.embedder.embed(docs.map(docText));
    embedMs += performance.now() - t0;
    docs.forEach((doc, j) => {
      const vector = vectors[j];
      if (!vector) throw new Error(`the embedder returned ${vectors.length} vectors for ${docs.length} texts`);
      pending.push({ id: doc.id, userId: EVAL_USER, sessionId: null, messageIds: [], role: 'turn', text: docText(doc), createdAt: DOC_DATE, vector });
    });
    if (pending.length >= UPSERT_BATCH) await flush();
    done += docs.length;
    hooks.onBatch?.(done);
  }
  await flush();
  return { docs: done, embedMs, upsertMs };
}

export interface QueryResult {
  qid: string;
  /** retrieved doc ids, best first (or in MMR pick order), at most the config's k */
  ranking: string[];
  /** the ranked memories' adjusted scores, same order */
  scores: number[];
  /** the store's cosine of each ranked memory (for hybrid: of the hit, not the fused score) */
  similarities: number[];
  embedMs: number;
  searchMs: number;
  rankMs: number;
  dropped: Record<string, number>;
}

/** One query through retrieveMemories, as the server runs it for EVAL_USER. */
export async function runQuery(deps: { store: VectorStore; embedder: EmbeddingProvider }, q: RetrievalQuery, cfg: RetrievalConfig): Promise<QueryResult> {
  const r = await retrieveMemories(deps, { userId: EVAL_USER, query: q.text, now: QUERY_DATE }, cfg);
  return {
    qid: q.id,
    ranking: r.memories.map((m) => m.record.id),
    scores: r.memories.map((m) => m.score),
    similarities: r.memories.map((m) => m.similarity),
    embedMs: r.timings.embedMs,
    searchMs: r.timings.searchMs,
    rankMs: r.timings.rankMs,
    dropped: r.dropped,
  };
}
