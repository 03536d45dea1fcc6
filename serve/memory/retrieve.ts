import type { EmbeddingProvider } from '../embeddings/types';
import { rankMemoriesDetailed, reciprocalRankFusion, type MemoryCandidate, type RankOptions, type Ranked, type WindowMessageLike } from './ranking';
import type { MemoryFilter, SearchHit, VectorStore } from './store/types';

export interface RetrievalConfig {
  k: number;
  /** Fetched from the store before ranking. */
  candidates: number;
  scope: 'user' | 'session';
  minScore?: number;
  recency?: { halfLifeDays: number; weight: number };
  /** MMR trade-off; 1 (or undefined) = off. */
  mmrLambda?: number;
  dedupeWindow: boolean;
  /** Cosine above which a candidate is a near-duplicate of a better one; undefined = identical text only. */
  dedupeNear?: number;
  /** Fuse full-text search with vector search by reciprocal rank fusion (stores that support it). */
  hybrid: boolean;
}

export interface RetrievalQuery {
  userId: string;
  sessionId?: string;
  query: string;
  from?: Date;
  to?: Date;
  window?: readonly WindowMessageLike[];
  now?: Date;
}

export interface RetrievalResult {
  memories: Ranked<MemoryCandidate>[];
  timings: { embedMs: number; searchMs: number; rankMs: number };
  dropped: Record<string, number>;
}

const RRF_K = 60;

/** Embed the query, search the store filtered by user (always) and session/time, then rank. */
export async function retrieveMemories(
  deps: { store: VectorStore; embedder: EmbeddingProvider },
  q: RetrievalQuery,
  cfg: RetrievalConfig,
): Promise<RetrievalResult> {
  const t0 = performance.now();
  const [vector] = await deps.embedder.embed([q.query]);
  if (!vector) throw new Error('the embedder returned no vector');
  const t1 = performance.now();

  const filter: MemoryFilter = {
    userId: q.userId,
    ...(cfg.scope === 'session' && q.sessionId ? { sessionId: q.sessionId } : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
  };
  const needVectors = (cfg.mmrLambda !== undefined && cfg.mmrLambda < 1) || cfg.dedupeNear !== undefined;
  let hits: SearchHit[] = await deps.store.search(vector, { k: cfg.candidates, filter, withVectors: needVectors });
  let scoreThreshold = cfg.minScore;
  if (cfg.hybrid && deps.store.textSearch) {
    const above = scoreThreshold === undefined ? hits : hits.filter((h) => h.score >= scoreThreshold!);
    const text = await deps.store.textSearch(q.query, vector, { k: cfg.candidates, filter, withVectors: needVectors });
    hits = fuse(above, text);
    scoreThreshold = undefined; // applied to the vector list before fusion; lexical matches stand on their own
  }
  const t2 = performance.now();

  const opts: RankOptions = {
    k: cfg.k,
    ...(scoreThreshold !== undefined ? { scoreThreshold } : {}),
    ...(cfg.recency && cfg.recency.halfLifeDays > 0 ? { recency: cfg.recency } : {}),
    dedupeAgainstWindow: cfg.dedupeWindow,
    dedupeNearDuplicates: cfg.dedupeNear !== undefined ? { threshold: cfg.dedupeNear } : {},
    ...(cfg.mmrLambda !== undefined && cfg.mmrLambda < 1 ? { mmr: { lambda: cfg.mmrLambda } } : {}),
  };
  const candidates: MemoryCandidate[] = hits.map((h) => ({ record: h.record, score: h.score, ...(h.vector ? { vector: h.vector } : {}) }));
  const ranked = rankMemoriesDetailed(candidates, opts, { now: q.now ?? new Date(), window: q.window ?? [] });
  const t3 = performance.now();
  return { memories: ranked.memories, dropped: ranked.dropped, timings: { embedMs: t1 - t0, searchMs: t2 - t1, rankMs: t3 - t2 } };
}

/** Reciprocal rank fusion of the vector and full-text lists; the fused score is scaled to [0, 1]. */
function fuse(vectorHits: SearchHit[], textHits: SearchHit[]): SearchHit[] {
  const byId = new Map<string, SearchHit>();
  for (const h of [...vectorHits, ...textHits]) if (!byId.has(h.record.id)) byId.set(h.record.id, h);
  const fused = reciprocalRankFusion([vectorHits.map((h) => h.record.id), textHits.map((h) => h.record.id)], RRF_K);
  const best = 2 / (RRF_K + 1);
  return fused.flatMap((f) => {
    const hit = byId.get(f.id);
    return hit ? [{ ...hit, score: f.score / best }] : [];
  });
}
