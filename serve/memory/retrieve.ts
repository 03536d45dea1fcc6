import type { EmbeddingProvider } from '../embeddings/types';
import { dedupeAgainstWindow, rankMemoriesDetailed, reciprocalRankFusion, type MemoryCandidate, type RankOptions, type Ranked, type WindowMessageLike } from './ranking';
import type { MemoryFilter, SearchHit, StoreCallOptions, VectorStore } from './store/types';
import { asksAboutPresent, questionTimeRange, type TimeRange } from './time-range';

export interface RetrievalConfig {
  k: number;
  /** Fetched from the store before ranking. */
  candidates: number;
  scope: 'user' | 'session';
  minScore?: number;
  /** `when: 'present'` (default 'always'): only for questions about the current state (asksAboutPresent). */
  recency?: { halfLifeDays: number; weight: number; when?: 'always' | 'present' };
  /** MMR trade-off; 1 (or undefined) = off. */
  mmrLambda?: number;
  dedupeWindow: boolean;
  /** Cosine above which a candidate is a near-duplicate of a better one; undefined = identical text only. */
  dedupeNear?: number;
  /** Fuse full-text (BM25) search with vector search (stores that support it). */
  hybrid: boolean;
  /** Search the vectors (default true); false with hybrid = lexical search alone (a BM25 baseline). */
  vector?: boolean;
  /** How the lists are fused (default rrf); see fuseLists. */
  fusion?: FusionOptions;
  /** Dates named in the query ("last May", "in 2022") boost memories of that time (default off). */
  time?: TimeOptions;
  /**
   * For a question about the current state (asksAboutPresent: "where do I live now?"), each candidate
   * gains `band` × its place in time among the candidates (the newest + band, the oldest + 0), so of two
   * similarly relevant memories the newer wins whatever their ages, and a memory more than `band` better
   * keeps its place: a newer fact beats a stale one without burying old memories. Default off.
   */
  newerFirst?: { band: number };
  /**
   * Context expansion: the `n` memories before and after each hit in its session join the candidates at
   * the hit's score × `discount`, so they take prompt budget only where they beat weaker hits (default off).
   */
  neighbours?: { n: number; discount: number };
}

export type FusionOptions = {
  /**
   * rrf: Σ w / (rrfK + rank) (reciprocal rank fusion), scaled so a memory first in every list scores 1.
   * relative: Σ w · min-max-normalised score over each list, divided by Σ w (relative score fusion):
   * keeps how much better one memory matches than the next, so recency and time boosts act on near-ties.
   */
  method: 'rrf' | 'relative';
  /** weight of the lexical list; the vector list weighs 1 (default 1) */
  lexicalWeight?: number;
  rrfK?: number;
};

export type TimeOptions = {
  /** added to the fused score of a memory dated inside the range the query names */
  boost: number;
  /** the range is widened by this many days after its end: people talk about events after them */
  afterDays: number;
};

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
  /** embedMs: until the query's vector (0 without vector search); searchMs: from then until the lists are fused (BM25 overlaps the embedding) */
  timings: { embedMs: number; searchMs: number; rankMs: number };
  dropped: Record<string, number>;
  /** the time range the query named, when time awareness is on and it named one */
  timeRange?: TimeRange;
}

const RRF_K = 60;

/** Embed the query, search the store filtered by user (always) and session/time, then rank. `call.signal` stops the embedder and the store. */
export async function retrieveMemories(
  deps: { store: VectorStore; embedder: EmbeddingProvider },
  q: RetrievalQuery,
  cfg: RetrievalConfig,
  call: StoreCallOptions = {},
): Promise<RetrievalResult> {
  const t0 = performance.now();
  const lexical = cfg.hybrid && deps.store.textSearch !== undefined;
  const useVector = cfg.vector !== false || !lexical;
  // The query's vector is only needed by the vector search (lexical-only retrieval never embeds).
  let t1 = t0;
  const embedding = useVector
    ? deps.embedder.embed([queryEmbeddingText(q.query)], call).then(([v]) => {
        t1 = performance.now();
        if (!v) throw new Error('the embedder returned no vector');
        return v;
      })
    : null;
  embedding?.catch(() => undefined); // awaited below; a rejection before then is not unhandled

  const filter: MemoryFilter = {
    userId: q.userId,
    ...(cfg.scope === 'session' && q.sessionId ? { sessionId: q.sessionId } : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
  };
  const needVectors = (cfg.mmrLambda !== undefined && cfg.mmrLambda < 1) || cfg.dedupeNear !== undefined;
  const now = q.now ?? new Date();
  const timeRange = cfg.time ? (questionTimeRange(q.query, now) ?? undefined) : undefined;
  const inRange = timeRange && cfg.time ? widen(timeRange, cfg.time.afterDays) : undefined;
  // the named time range gets its own searches too, so an old memory of that time is a candidate even
  // when newer ones crowd it out of the unfiltered top
  const filters = [filter, ...(inRange ? [intersect(filter, inRange)].filter((f): f is MemoryFilter => f !== null) : [])];
  // never fewer candidates than memories asked for (the eval suites rank deeper than the server's k)
  const fetch = Math.max(cfg.candidates, cfg.k);
  // BM25 needs no query vector (fusion reads its order and BM25 scores, not its cosines): it runs while
  // the query is being embedded — the embedder and PGlite work on threads of their own.
  const textListsP = lexical ? Promise.all(filters.map((f) => deps.store.textSearch!(q.query, null, { k: fetch, filter: f, withVectors: needVectors }, call))) : Promise.resolve([]);
  textListsP.catch(() => undefined);
  let vectorLists: SearchHit[][] = [];
  if (embedding) {
    const vector = await embedding;
    call.signal?.throwIfAborted();
    vectorLists = await Promise.all(filters.map((f) => deps.store.search(vector, { k: fetch, filter: f, withVectors: needVectors }, call)));
  }
  const textLists = await textListsP;
  let vectorHits = mergeByScore(vectorLists, (h) => h.score);
  const textHits = mergeByScore(textLists, lexicalScore);
  let scoreThreshold = cfg.minScore;
  let hits: SearchHit[];
  if (lexical) {
    if (scoreThreshold !== undefined) vectorHits = vectorHits.filter((h) => h.score >= scoreThreshold!);
    hits = fuseLists(useVector ? vectorHits : [], textHits, cfg.fusion ?? { method: 'rrf' });
    scoreThreshold = undefined; // applied to the vector list before fusion; lexical matches stand on their own
  } else hits = vectorHits;
  if (inRange && cfg.time) hits = hits.map((h) => (within(h.record.createdAt, inRange) ? { ...h, score: h.score + cfg.time!.boost } : h));
  if (cfg.newerFirst && cfg.newerFirst.band > 0 && hits.length > 1 && asksAboutPresent(q.query)) hits = newerFirst(hits, cfg.newerFirst.band);
  const t2 = performance.now();

  const opts: RankOptions = {
    k: cfg.k,
    ...(scoreThreshold !== undefined ? { scoreThreshold } : {}),
    ...(cfg.recency && cfg.recency.halfLifeDays > 0 && (cfg.recency.when !== 'present' || asksAboutPresent(q.query)) ? { recency: { halfLifeDays: cfg.recency.halfLifeDays, weight: cfg.recency.weight } } : {}),
    dedupeAgainstWindow: cfg.dedupeWindow,
    dedupeNearDuplicates: cfg.dedupeNear !== undefined ? { threshold: cfg.dedupeNear } : {},
    ...(cfg.mmrLambda !== undefined && cfg.mmrLambda < 1 ? { mmr: { lambda: cfg.mmrLambda } } : {}),
  };
  const candidates: MemoryCandidate[] = hits.map((h) => ({ record: h.record, score: h.score, ...(h.vector ? { vector: h.vector } : {}) }));
  const ranked = rankMemoriesDetailed(candidates, opts, { now, window: q.window ?? [] });
  if (cfg.neighbours && cfg.neighbours.n > 0 && deps.store.neighbours && neighboursCanEnter(ranked.memories, cfg.neighbours.discount, cfg.k)) {
    ranked.memories = await expand(deps.store, q.userId, ranked.memories, cfg.neighbours, cfg.dedupeWindow ? (q.window ?? []) : [], cfg.k);
  }
  const t3 = performance.now();
  return { memories: ranked.memories, dropped: ranked.dropped, timings: { embedMs: t1 - t0, searchMs: t2 - t1, rankMs: t3 - t2 }, ...(timeRange ? { timeRange } : {}) };
}

/**
 * The text embedded for a query: whitespace runs collapsed and trimmed, so the same question typed with
 * other spacing is one embedding-cache entry (and newlines, which USE-lite's tokenizer does not treat as
 * spaces, do not reach the model). Case and punctuation stay: the models see them.
 */
export function queryEmbeddingText(query: string): string {
  return query.replace(/\s+/g, ' ').trim();
}

/**
 * Whether a session neighbour could join the top k: each joins at its hit's score × discount and a hit
 * wins a tie, so with k memories already kept and the best one × discount not above the k-th, the
 * neighbour query cannot change the result.
 */
export function neighboursCanEnter(hits: readonly { score: number }[], discount: number, k: number): boolean {
  if (hits.length === 0) return false;
  if (hits.length < k) return true;
  const best = Math.max(...hits.map((h) => h.score));
  const kth = [...hits].sort((a, b) => b.score - a.score)[k - 1]!.score;
  return best * discount > kth;
}

/** The BM25 score of a lexical hit (stores report it as lexicalScore); a store without one ranks by position. */
function lexicalScore(h: SearchHit, i = 0): number {
  const x = (h as SearchHit & { lexicalScore?: number }).lexicalScore;
  return typeof x === 'number' && Number.isFinite(x) ? x : 1 / (1 + i);
}

/** One list from several searches of the same kind: best score per id, sorted by it. */
function mergeByScore(lists: readonly SearchHit[][], score: (h: SearchHit, i: number) => number): SearchHit[] {
  if (lists.length === 1) return lists[0]!;
  const best = new Map<string, { hit: SearchHit; s: number }>();
  for (const list of lists) list.forEach((h, i) => {
    const s = score(h, i);
    const prev = best.get(h.record.id);
    if (!prev || s > prev.s) best.set(h.record.id, { hit: h, s });
  });
  return [...best.values()].sort((a, b) => b.s - a.s).map((x) => x.hit);
}

/**
 * Fuse the vector list (cosine) and the lexical list (BM25) into one, scored in [0, 1] (before any
 * time boost): see FusionOptions. Each hit keeps its record (and vector) from whichever list had it.
 */
export function fuseLists(vectorHits: readonly SearchHit[], textHits: readonly SearchHit[], opts: FusionOptions): SearchHit[] {
  const wl = opts.lexicalWeight ?? 1;
  const wv = vectorHits.length > 0 ? 1 : 0;
  const byId = new Map<string, SearchHit>();
  for (const h of [...vectorHits, ...textHits]) if (!byId.has(h.record.id)) byId.set(h.record.id, h);
  const fused = new Map<string, number>();
  if (opts.method === 'rrf') {
    const k = opts.rrfK ?? RRF_K;
    for (const f of reciprocalRankFusion([vectorHits.map((h) => h.record.id), textHits.map((h) => h.record.id)], k, [wv, wl])) {
      fused.set(f.id, f.score / ((wv + wl) / (k + 1) || 1));
    }
  } else {
    const add = (list: readonly SearchHit[], w: number, score: (h: SearchHit, i: number) => number) => {
      if (list.length === 0 || w === 0) return;
      const xs = list.map(score);
      const hi = Math.max(...xs);
      const lo = Math.min(...xs);
      list.forEach((h, i) => fused.set(h.record.id, (fused.get(h.record.id) ?? 0) + (w * (hi > lo ? (xs[i]! - lo) / (hi - lo) : 1))));
    };
    add(vectorHits, wv, (h) => h.score);
    add(textHits, wl, lexicalScore);
    const total = wv + wl || 1;
    for (const [id, x] of fused) fused.set(id, x / total);
  }
  return [...fused].flatMap(([id, score]) => {
    const hit = byId.get(id);
    return hit ? [{ ...hit, score }] : [];
  });
}

/** Add each hit's session neighbours at a discounted score, keep the best k (a hit wins a tie). */
async function expand(store: VectorStore, userId: string, hits: Ranked<MemoryCandidate>[], opts: { n: number; discount: number }, window: readonly WindowMessageLike[], k: number): Promise<Ranked<MemoryCandidate>[]> {
  const around = await store.neighbours!(hits.map((h) => h.record.id), userId, opts.n);
  const seen = new Set(hits.map((h) => h.record.id));
  const added: Ranked<MemoryCandidate>[] = [];
  for (const h of hits) {
    const nb = around.get(h.record.id);
    if (!nb) continue;
    for (const record of [...nb.before, ...nb.after]) {
      if (seen.has(record.id)) continue;
      seen.add(record.id);
      added.push({ record, score: h.score * opts.discount, similarity: h.similarity * opts.discount });
    }
  }
  const fresh = window.length > 0 ? dedupeAgainstWindow(added, window) : added;
  return [...hits, ...fresh].sort((a, b) => b.score - a.score).slice(0, k);
}

/** score + band × (place in time among the hits, 0 = oldest, 1 = newest); equal dates share a place. */
function newerFirst(hits: SearchHit[], band: number): SearchHit[] {
  const times = [...new Set(hits.map((h) => h.record.createdAt.getTime()))].sort((a, b) => a - b);
  if (times.length < 2) return hits;
  const place = new Map(times.map((t, i) => [t, i / (times.length - 1)]));
  return hits.map((h) => ({ ...h, score: h.score + band * place.get(h.record.createdAt.getTime())! }));
}

const DAY_MS = 86_400_000;

function widen(r: TimeRange, afterDays: number): { from: Date; to: Date } {
  return { from: r.from, to: new Date(r.to.getTime() + afterDays * DAY_MS) };
}

const within = (d: Date, r: { from: Date; to: Date }) => d >= r.from && d < r.to;

/** The query's filter narrowed to the range (its `to` is inclusive: one ms before the range's end); null if empty. */
function intersect(f: MemoryFilter, r: { from: Date; to: Date }): MemoryFilter | null {
  const from = f.from && f.from > r.from ? f.from : r.from;
  const end = new Date(r.to.getTime() - 1);
  const to = f.to && f.to < end ? f.to : end;
  return from > to ? null : { ...f, from, to };
}
