/**
 * Retrieval quality over a ranked list of ids and graded judgments (relevant = rel > 0),
 * as docs/METRICS.md defines them (trec_eval / scikit-learn conventions).
 *
 * Conventions shared by every function here:
 * - k is a positive integer. When k exceeds the ranked list the missing positions are empty:
 *   they retrieve nothing, and precision@k still divides by k (trec_eval's P_k).
 * - Ids absent from the judgments have rel 0 (not relevant, no gain). A negative grade (some TREC
 *   and BEIR qrels mark junk or spam so) is judged not relevant and has no gain, as trec_eval reads
 *   it: it neither counts in |relevant| nor lowers DCG or IDCG.
 * - Duplicates in a ranking: only the first occurrence counts. A repeated id keeps its slot
 *   (ranks are positions in the list as given) but is never relevant again and adds no gain,
 *   so a duplicate costs a place in the top k. Use `dedupeRanking` first to close the gaps.
 * - Empty ranking: nothing retrieved (all scores 0 for a query with relevant items).
 * - A query with no relevant item: recall, recall_all, AP and NDCG are 0/0 and return NaN;
 *   hit rate and reciprocal rank are 0. `evaluateRun` reports such queries apart (a count and
 *   the ids) and leaves them out of every mean.
 */

export type Judgments = ReadonlyMap<string, number> | Readonly<Record<string, number>>;
export type Gain = 'linear' | 'exponential';

function toMap(j: Judgments): ReadonlyMap<string, number> {
  const m: ReadonlyMap<string, number> = j instanceof Map ? j : new Map(Object.entries(j));
  for (const [id, rel] of m) {
    if (!Number.isFinite(rel)) throw new RangeError(`relevance of "${id}" must be a finite number, got ${rel}`);
  }
  return m;
}

function checkK(k: number, allowInfinity = false): void {
  if (allowInfinity && k === Number.POSITIVE_INFINITY) return;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be a positive integer, got ${k}`);
}

/** The ranking with later duplicates removed (first occurrence kept, order preserved). */
export function dedupeRanking(ranking: readonly string[]): string[] {
  return [...new Set(ranking)];
}

/**
 * The relevance grade at each of the first `depth` positions, 0 for unjudged ids, duplicates
 * and positions past the end of the list are not included (the array may be shorter than depth).
 */
function gradesAt(ranking: readonly string[], rels: ReadonlyMap<string, number>, depth: number): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  const n = Math.min(depth, ranking.length);
  for (let i = 0; i < n; i++) {
    const id = ranking[i] as string;
    out.push(seen.has(id) ? 0 : (rels.get(id) ?? 0));
    seen.add(id);
  }
  return out;
}

function relevantCount(rels: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const r of rels.values()) if (r > 0) n++;
  return n;
}

function hitsAtK(ranking: readonly string[], rels: ReadonlyMap<string, number>, k: number): number {
  return gradesAt(ranking, rels, k).filter((g) => g > 0).length;
}

/** |relevant ∩ top k| / k. */
export function precisionAtK(ranking: readonly string[], judgments: Judgments, k: number): number {
  checkK(k);
  return hitsAtK(ranking, toMap(judgments), k) / k;
}

/** |relevant ∩ top k| / |relevant|; NaN when the query has no relevant item. */
export function recallAtK(ranking: readonly string[], judgments: Judgments, k: number): number {
  checkK(k);
  const rels = toMap(judgments);
  const nRel = relevantCount(rels);
  return nRel === 0 ? Number.NaN : hitsAtK(ranking, rels, k) / nRel;
}

/** 1 if any relevant item is in the top k, else 0 (LongMemEval's recall_any@k). */
export function hitRateAtK(ranking: readonly string[], judgments: Judgments, k: number): number {
  checkK(k);
  return hitsAtK(ranking, toMap(judgments), k) > 0 ? 1 : 0;
}

/** 1 if every relevant item is in the top k, else 0 (LongMemEval's recall_all@k); NaN with no relevant item. */
export function recallAllAtK(ranking: readonly string[], judgments: Judgments, k: number): number {
  checkK(k);
  const rels = toMap(judgments);
  const nRel = relevantCount(rels);
  if (nRel === 0) return Number.NaN;
  return hitsAtK(ranking, rels, k) === nRel ? 1 : 0;
}

/** 1 / rank of the first relevant item (ranks from 1), 0 if none is retrieved. */
export function reciprocalRank(ranking: readonly string[], judgments: Judgments): number {
  const grades = gradesAt(ranking, toMap(judgments), ranking.length);
  const i = grades.findIndex((g) => g > 0);
  return i < 0 ? 0 : 1 / (i + 1);
}

/**
 * (Σ over relevant retrieved items of precision at their rank) / |relevant|, over the whole
 * ranking or its top k (trec_eval's map and map_cut). NaN when the query has no relevant item.
 */
export function averagePrecision(ranking: readonly string[], judgments: Judgments, k = Number.POSITIVE_INFINITY): number {
  checkK(k, true);
  const rels = toMap(judgments);
  const nRel = relevantCount(rels);
  if (nRel === 0) return Number.NaN;
  let hits = 0;
  let sum = 0;
  gradesAt(ranking, rels, k).forEach((g, i) => {
    if (g > 0) {
      hits++;
      sum += hits / (i + 1);
    }
  });
  return sum / nRel;
}

/** trec_eval adds a gain only for rel > 0: a negative grade is not relevant, never a penalty. */
function gainOf(rel: number, gain: Gain): number {
  if (rel <= 0) return 0;
  return gain === 'linear' ? rel : 2 ** rel - 1;
}

function dcg(grades: readonly number[], gain: Gain): number {
  let s = 0;
  grades.forEach((g, i) => {
    s += gainOf(g, gain) / Math.log2(i + 2);
  });
  return s;
}

/**
 * NDCG@k = DCG@k / IDCG@k, DCG@k = Σᵢ₌₁..k gain(relᵢ) / log₂(i + 1); gain is rel (linear, as
 * trec_eval's ndcg_cut and scikit-learn's ndcg_score) or 2^rel − 1 (exponential). IDCG@k is
 * the DCG of the ideal ordering of ALL judged items of the query, cut at k. k = Infinity gives
 * NDCG over the whole ranking. NaN when the query has no relevant item (IDCG = 0).
 */
export function ndcgAtK(ranking: readonly string[], judgments: Judgments, k: number, gain: Gain = 'linear'): number {
  checkK(k, true);
  const rels = toMap(judgments);
  const ideal = [...rels.values()].sort((a, b) => b - a).slice(0, k);
  const idcg = dcg(ideal, gain);
  if (idcg === 0) return Number.NaN;
  return dcg(gradesAt(ranking, rels, k), gain) / idcg;
}

/**
 * Vector-search recall against exact search: |ANN top k ∩ exact top k| / k (ids compared as a
 * set, duplicates counted once). The denominator is k even when the exact list is shorter, as
 * the definition says; choose k ≤ the collection size.
 */
export function vectorRecallAtK(ann: readonly string[], exact: readonly string[], k: number): number {
  checkK(k);
  const truth = new Set(exact.slice(0, k));
  let n = 0;
  for (const id of new Set(ann.slice(0, k))) if (truth.has(id)) n++;
  return n / k;
}

/** Mean of per-query reciprocal ranks over queries with at least one relevant item. */
export function meanReciprocalRank(rankings: readonly (readonly string[])[], judgments: readonly Judgments[]): number {
  return meanOverJudged(rankings, judgments, reciprocalRank);
}

/** Mean of per-query average precision over queries with at least one relevant item. */
export function meanAveragePrecision(rankings: readonly (readonly string[])[], judgments: readonly Judgments[]): number {
  return meanOverJudged(rankings, judgments, (r, j) => averagePrecision(r, j));
}

function meanOverJudged(
  rankings: readonly (readonly string[])[],
  judgments: readonly Judgments[],
  f: (r: readonly string[], j: Judgments) => number,
): number {
  if (rankings.length !== judgments.length) throw new RangeError('rankings and judgments differ in length');
  let sum = 0;
  let n = 0;
  rankings.forEach((r, i) => {
    const j = judgments[i] as Judgments;
    if (relevantCount(toMap(j)) === 0) return;
    sum += f(r, j);
    n++;
  });
  return n === 0 ? Number.NaN : sum / n;
}

export interface AtK {
  precision: number;
  recall: number;
  hitRate: number;
  recallAll: number;
  ndcg: number;
}

export interface QueryScores {
  qid: string;
  /** number of judged items with rel > 0 */
  relevant: number;
  /** length of the ranked list as given (duplicates included) */
  retrieved: number;
  /** repeated ids in the ranked list (later occurrences) */
  duplicates: number;
  reciprocalRank: number;
  averagePrecision: number;
  atK: { [k: number]: AtK };
}

export interface RunEvaluation {
  ks: number[];
  gain: Gain;
  /** one row per query of the qrels that has a relevant item, in qrels order */
  queries: QueryScores[];
  /** means over `queries` (NaN when there are none) */
  means: { queries: number; mrr: number; map: number; atK: { [k: number]: AtK } };
  /** queries of the qrels with no relevant item: not scored, not averaged */
  noRelevant: { count: number; ids: string[] };
  /** judged queries absent from the run: scored as an empty ranking (0), and listed here */
  missingFromRun: string[];
  /** queries of the run that the qrels do not judge: ignored, and listed here */
  notInQrels: string[];
}

type Keyed<T> = ReadonlyMap<string, T> | Readonly<Record<string, T>>;

function entries<T>(x: Keyed<T>): [string, T][] {
  return x instanceof Map ? [...(x as ReadonlyMap<string, T>)] : Object.entries(x as Readonly<Record<string, T>>);
}

/** Per-query scores at each k and their means; queries with no relevant item are reported apart. */
export function evaluateRun(
  run: Keyed<readonly string[]>,
  qrels: Keyed<Judgments>,
  ks: readonly number[],
  options: { gain?: Gain } = {},
): RunEvaluation {
  const gain = options.gain ?? 'linear';
  for (const k of ks) checkK(k);
  const runMap = new Map(entries(run));
  const judged = entries(qrels);
  const judgedIds = new Set(judged.map(([q]) => q));
  const queries: QueryScores[] = [];
  const noRelevant: string[] = [];
  const missingFromRun: string[] = [];
  for (const [qid, j] of judged) {
    const rels = toMap(j);
    const nRel = relevantCount(rels);
    if (nRel === 0) {
      noRelevant.push(qid);
      continue;
    }
    const ranking = runMap.get(qid);
    if (ranking === undefined) missingFromRun.push(qid);
    const r = ranking ?? [];
    const atK: { [k: number]: AtK } = {};
    for (const k of ks) {
      atK[k] = {
        precision: precisionAtK(r, rels, k),
        recall: recallAtK(r, rels, k),
        hitRate: hitRateAtK(r, rels, k),
        recallAll: recallAllAtK(r, rels, k),
        ndcg: ndcgAtK(r, rels, k, gain),
      };
    }
    queries.push({
      qid,
      relevant: nRel,
      retrieved: r.length,
      duplicates: r.length - new Set(r).size,
      reciprocalRank: reciprocalRank(r, rels),
      averagePrecision: averagePrecision(r, rels),
      atK,
    });
  }
  const avg = (f: (q: QueryScores) => number): number =>
    queries.length === 0 ? Number.NaN : queries.reduce((s, q) => s + f(q), 0) / queries.length;
  const meanAtK: { [k: number]: AtK } = {};
  for (const k of ks) {
    const pick = (m: keyof AtK) => avg((q) => (q.atK[k] as AtK)[m]);
    meanAtK[k] = { precision: pick('precision'), recall: pick('recall'), hitRate: pick('hitRate'), recallAll: pick('recallAll'), ndcg: pick('ndcg') };
  }
  return {
    ks: [...ks],
    gain,
    queries,
    means: { queries: queries.length, mrr: avg((q) => q.reciprocalRank), map: avg((q) => q.averagePrecision), atK: meanAtK },
    noRelevant: { count: noRelevant.length, ids: noRelevant },
    missingFromRun,
    notInQrels: [...runMap.keys()].filter((q) => !judgedIds.has(q)),
  };
}
