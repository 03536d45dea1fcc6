/**
 * Ranking of retrieved memories. Every step is a plain option so the eval harness can A/B it.
 * Pure functions; `now` is always passed in. Pipeline order: see rankMemoriesDetailed.
 */
import { comparisonKey } from './normalise';

export type Vector = ArrayLike<number>;

/** Compatible with the vector store's records (serve/memory/store), kept local to stay decoupled. */
export interface MemoryRecordLike {
  id: string;
  userId: string;
  sessionId: string | null;
  messageIds: string[];
  role: string;
  text: string;
  createdAt: Date;
}

export interface MemoryCandidate {
  record: MemoryRecordLike;
  /** Cosine similarity to the query, higher is better. */
  score: number;
  /** The record's embedding; needed by MMR and by cosine near-duplicate detection. */
  vector?: Vector;
}

/** A ranked candidate: `score` is the adjusted score, `similarity` the store's original one. */
export type Ranked<T extends MemoryCandidate> = T & { similarity: number };

export interface RecencyOptions {
  halfLifeDays: number;
  /** Floor w in [0, 1]: the share of the score that never decays. Default 0 (pure exponential decay). */
  weight?: number;
}

export interface RankOptions {
  /** Maximum number of memories returned. */
  k: number;
  /** Drop candidates whose similarity is below this (applied to the raw cosine, before recency). */
  scoreThreshold?: number;
  recency?: RecencyOptions;
  /** Drop memories already present in the recent window (see dedupeAgainstWindow). */
  dedupeAgainstWindow?: boolean;
  /** Drop near-duplicates; without a threshold only identical normalised text counts. */
  dedupeNearDuplicates?: { threshold?: number };
  /** Maximal marginal relevance for the final k picks; needs every candidate's vector. */
  mmr?: { lambda: number };
}

export interface WindowMessageLike {
  id?: string;
  content: string;
}

export interface RankContext {
  now: Date;
  /** The recent window of the conversation (for dedupeAgainstWindow). */
  window?: readonly WindowMessageLike[];
}

export interface RankResult<T extends MemoryCandidate> {
  memories: Ranked<T>[];
  dropped: { belowThreshold: number; inWindow: number; duplicates: number; beyondK: number };
}

const DAY_MS = 86_400_000;

export function cosine(a: Vector, b: Vector): number {
  if (a.length !== b.length) throw new RangeError(`vector dimensions differ: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export function applyScoreThreshold<T extends { score: number }>(items: readonly T[], threshold: number): T[] {
  return items.filter((c) => c.score >= threshold);
}

/** f = w + (1 − w) · 0.5^(ageDays / halfLifeDays), age clamped at 0 (future dates get no boost). */
export function recencyFactor(createdAt: Date, now: Date, opts: RecencyOptions): number {
  const w = opts.weight ?? 0;
  if (!(opts.halfLifeDays > 0)) throw new RangeError(`recency halfLifeDays must be > 0, got ${opts.halfLifeDays}`);
  if (!(w >= 0 && w <= 1)) throw new RangeError(`recency weight must be in [0, 1], got ${w}`);
  const ageDays = Math.max(0, (now.getTime() - createdAt.getTime()) / DAY_MS);
  return w + (1 - w) * 0.5 ** (ageDays / opts.halfLifeDays);
}

/**
 * score' = score · f for score ≥ 0, and score / f for a negative score, so that an older memory never
 * outranks a newer one of equal similarity. Returns copies, in input order.
 */
export function applyRecency<T extends MemoryCandidate>(items: readonly T[], opts: RecencyOptions, now: Date): T[] {
  return items.map((c) => {
    const f = recencyFactor(c.record.createdAt, now, opts);
    return { ...c, score: c.score >= 0 ? c.score * f : c.score / f };
  });
}

/**
 * Drop a memory when the window already holds it: every one of its source message ids is in the window
 * (a digest covering other messages too is kept), or its normalised text is contained, as whole words, in a
 * window message. A memory whose text normalises to nothing is dropped too.
 */
export function dedupeAgainstWindow<T extends MemoryCandidate>(items: readonly T[], window: readonly WindowMessageLike[]): T[] {
  const ids = new Set(window.flatMap((m) => (m.id === undefined ? [] : [m.id])));
  const keys = window.map((m) => ` ${comparisonKey(m.content)} `);
  return items.filter((c) => {
    const ownIds = c.record.messageIds;
    if (ownIds.length > 0 && ownIds.every((id) => ids.has(id))) return false;
    const bare = comparisonKey(c.record.text);
    if (bare === '') return false; // nothing left to add
    const key = ` ${bare} `; // whole words: "tea" is not in "steak"
    return !keys.some((k) => k.includes(key));
  });
}

/**
 * Greedy, in input order: keep a candidate unless its normalised text equals a kept one's, or (with a
 * threshold, when both have vectors) its cosine to a kept one is ≥ threshold. Sort best-first before.
 */
export function dedupeNearDuplicates<T extends MemoryCandidate>(items: readonly T[], threshold?: number): T[] {
  if (threshold !== undefined && !(threshold >= -1 && threshold <= 1)) {
    throw new RangeError(`near-duplicate threshold must be in [-1, 1], got ${threshold}`);
  }
  const kept: T[] = [];
  const keys = new Set<string>();
  for (const c of items) {
    const key = comparisonKey(c.record.text);
    if (keys.has(key)) continue;
    const v = c.vector;
    if (threshold !== undefined && v && kept.some((k) => k.vector !== undefined && cosine(v, k.vector) >= threshold)) continue;
    keys.add(key);
    kept.push(c);
  }
  return kept;
}

/**
 * Maximal marginal relevance: repeatedly pick argmax λ·rel(d) − (1 − λ)·max_{s ∈ picked} cos(d, s)
 * (the max is 0 while nothing is picked; ties → earlier input). rel(d) defaults to cos(query, d);
 * pass `relevance` to use another score (rankMemories passes the recency-adjusted score).
 */
export function mmr<T extends { vector?: Vector }>(
  items: readonly T[],
  queryVector: Vector | null,
  k: number,
  lambda: number,
  relevance?: (item: T) => number,
): T[] {
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`mmr lambda must be in [0, 1], got ${lambda}`);
  const vectors = items.map((item, i) => {
    if (!item.vector) throw new Error(`mmr needs every candidate's vector (candidate ${i} has none)`);
    return item.vector;
  });
  const rel = items.map((item, i) => {
    if (relevance) return relevance(item);
    if (!queryVector) throw new Error('mmr needs a query vector or a relevance function');
    return cosine(queryVector, vectors[i] as Vector);
  });
  const remaining = items.map((_, i) => i);
  const maxSim = items.map(() => Number.NEGATIVE_INFINITY);
  const picked: T[] = [];
  while (picked.length < k && remaining.length > 0) {
    let best = 0;
    let bestValue = Number.NEGATIVE_INFINITY;
    remaining.forEach((idx, pos) => {
      const redundancy = picked.length === 0 ? 0 : (maxSim[idx] as number);
      const value = lambda * (rel[idx] as number) - (1 - lambda) * redundancy;
      if (value > bestValue) [best, bestValue] = [pos, value];
    });
    const [chosen] = remaining.splice(best, 1) as [number];
    picked.push(items[chosen] as T);
    for (const idx of remaining) maxSim[idx] = Math.max(maxSim[idx] as number, cosine(vectors[idx] as Vector, vectors[chosen] as Vector));
  }
  return picked;
}

export interface FusedId {
  id: string;
  score: number;
}

/**
 * Reciprocal rank fusion: score(d) = Σ_lists weight_l / (k + rank_l(d)), rank 1-based, a list that lacks
 * d adds nothing, a repeated id counts at its first rank. Sorted by score, ties by first appearance.
 */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = 60, weights?: readonly number[]): FusedId[] {
  if (!(k >= 0)) throw new RangeError(`rrf k must be ≥ 0, got ${k}`);
  if (weights && weights.length !== lists.length) throw new RangeError('rrf needs one weight per list');
  const scores = new Map<string, number>();
  lists.forEach((list, l) => {
    const seen = new Set<string>();
    list.forEach((id, i) => {
      if (seen.has(id)) return;
      seen.add(id);
      scores.set(id, (scores.get(id) ?? 0) + (weights?.[l] ?? 1) / (k + i + 1));
    });
  });
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

/** Best first; ties → newer first, then id, so the order never depends on the store's. */
function byScore(a: MemoryCandidate, b: MemoryCandidate): number {
  return b.score - a.score || b.record.createdAt.getTime() - a.record.createdAt.getTime() || (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0);
}

/**
 * The pipeline, each step only when enabled:
 * 1. scoreThreshold on the raw similarity  2. dedupeAgainstWindow  3. recency adjustment
 * 4. sort by adjusted score  5. near-duplicate removal (the better — with recency, usually the newer — stays)
 * 6. MMR picks k (relevance = adjusted score), else the top k.
 */
export function rankMemoriesDetailed<T extends MemoryCandidate>(candidates: readonly T[], opts: RankOptions, ctx: RankContext): RankResult<T> {
  if (!Number.isInteger(opts.k) || opts.k < 0) throw new RangeError(`k must be a non-negative integer, got ${opts.k}`);
  let items: Ranked<T>[] = candidates.map((c) => ({ ...c, similarity: c.score }));
  const dropped = { belowThreshold: 0, inWindow: 0, duplicates: 0, beyondK: 0 };
  const step = (next: Ranked<T>[], key: keyof typeof dropped): void => {
    dropped[key] += items.length - next.length;
    items = next;
  };
  if (opts.scoreThreshold !== undefined) step(applyScoreThreshold(items, opts.scoreThreshold), 'belowThreshold');
  if (opts.dedupeAgainstWindow) step(dedupeAgainstWindow(items, ctx.window ?? []), 'inWindow');
  if (opts.recency) items = applyRecency(items, opts.recency, ctx.now);
  items = [...items].sort(byScore);
  if (opts.dedupeNearDuplicates) step(dedupeNearDuplicates(items, opts.dedupeNearDuplicates.threshold), 'duplicates');
  const picked = opts.mmr ? mmr(items, null, opts.k, opts.mmr.lambda, (c) => c.score) : items.slice(0, opts.k);
  dropped.beyondK = items.length - picked.length;
  return { memories: picked, dropped };
}

/** At most `opts.k` memories, best first (or in MMR pick order). */
export function rankMemories<T extends MemoryCandidate>(candidates: readonly T[], opts: RankOptions, ctx: RankContext): Ranked<T>[] {
  return rankMemoriesDetailed(candidates, opts, ctx).memories;
}
