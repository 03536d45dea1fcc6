/**
 * Scoring one configuration's run with eval/metrics/retrieval.ts evaluateRun (linear and
 * exponential gain), flattened into one value per (query, measure) so the suite can write rows,
 * bootstrap the means and pair configurations query by query.
 */
import { evaluateRun } from '../../metrics/retrieval';
import type { RunEvaluation } from '../../metrics/retrieval';

export interface Measure {
  /** the row field, and the metric name before `/<config>` */
  key: string;
  label: string;
  definition: string;
}

/** The measures reported per configuration, in table order. */
export function measures(ks: readonly number[], mainK: number): Measure[] {
  const out: Measure[] = [];
  const at = (key: string, label: string, def: (k: number) => string) => {
    for (const k of ks) out.push({ key: `${key}@${k}`, label: `${label}@${k}`, definition: def(k) });
  };
  at('p', 'P', (k) => `precision@${k} = |relevant ∩ top ${k}| / ${k} (trec_eval P_${k})`);
  at('r', 'R', (k) => `recall@${k} = |relevant ∩ top ${k}| / |relevant|`);
  at('hit', 'hit', (k) => `hit rate@${k} = 1 if any relevant doc is in the top ${k} (LongMemEval recall_any@${k})`);
  at('recall_all', 'recall_all', (k) => `recall_all@${k} = 1 if every relevant doc is in the top ${k} (LongMemEval)`);
  out.push({ key: 'mrr', label: 'MRR', definition: `mean of 1 / rank of the first relevant doc in the top ${Math.max(...ks)} (0 if none)` });
  out.push({ key: 'map', label: 'MAP', definition: `mean average precision over the top ${Math.max(...ks)} (trec_eval map on this run), / |relevant|` });
  at('ndcg', 'NDCG', (k) => `NDCG@${k}, linear gain rel / log2(i + 1), IDCG from all judged docs of the query (trec_eval ndcg_cut_${k})`);
  out.push({ key: `ndcg_exp@${mainK}`, label: `NDCG_exp@${mainK}`, definition: `NDCG@${mainK} with exponential gain 2^rel − 1` });
  return out;
}

export interface ConfigEvaluation {
  linear: RunEvaluation;
  exponential: RunEvaluation;
  /** judged queries (with a relevant doc), in qrels order */
  qids: string[];
  /** measure key → per-query values, aligned with qids */
  values: Map<string, number[]>;
  /** qid → measure key → value, for the rows */
  byQuery: Map<string, Record<string, number>>;
}

/**
 * Throws (RangeError) on judgments the metrics cannot score, by scoring an empty run: the suite
 * calls it before embedding anything, so a bad qrels file fails at once, not after the corpus.
 */
export function checkJudgments(qrels: ReadonlyMap<string, ReadonlyMap<string, number>>, ks: readonly number[], mainK: number): void {
  evaluateConfig(new Map(), qrels, ks, mainK);
}

/**
 * Scores a run (qid → ranked doc ids) against qrels (qid → doc → grade); every qid of `qrels` is
 * a query of the run (a qid with no relevant doc is reported apart by evaluateRun).
 */
export function evaluateConfig(
  run: ReadonlyMap<string, readonly string[]>,
  qrels: ReadonlyMap<string, ReadonlyMap<string, number>>,
  ks: readonly number[],
  mainK: number,
): ConfigEvaluation {
  const linear = evaluateRun(run, qrels, ks, { gain: 'linear' });
  const exponential = evaluateRun(run, qrels, [mainK], { gain: 'exponential' });
  const expByQid = new Map(exponential.queries.map((q) => [q.qid, q]));
  const byQuery = new Map<string, Record<string, number>>();
  for (const q of linear.queries) {
    const v: Record<string, number> = {};
    for (const k of ks) {
      const a = q.atK[k];
      if (!a) continue;
      v[`p@${k}`] = a.precision;
      v[`r@${k}`] = a.recall;
      v[`hit@${k}`] = a.hitRate;
      v[`recall_all@${k}`] = a.recallAll;
      v[`ndcg@${k}`] = a.ndcg;
    }
    v.mrr = q.reciprocalRank;
    v.map = q.averagePrecision;
    v[`ndcg_exp@${mainK}`] = expByQid.get(q.qid)?.atK[mainK]?.ndcg ?? Number.NaN;
    byQuery.set(q.qid, v);
  }
  const qids = linear.queries.map((q) => q.qid);
  const values = new Map<string, number[]>();
  for (const m of measures(ks, mainK)) values.set(m.key, qids.map((qid) => byQuery.get(qid)?.[m.key] ?? Number.NaN));
  return { linear, exponential, qids, values, byQuery };
}
