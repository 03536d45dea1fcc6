/** Aggregates of the memory suite's per-question results: overall, per category, and paired comparisons. */
import { bootstrapCi, mean, pairedPermutationTest, type BootstrapCi } from '../../metrics/stats';
import { temporalCorrect } from './score';
import { TOKEN_BUDGETS, UTTERANCE_KS } from './utterance-score';
import type { QuestionResult } from './run';

export interface Aggregate {
  /** questions in the group */
  questions: number;
  /** questions with evidence (scored for retrieval) */
  withEvidence: number;
  recall: Record<number, number>;
  hit: Record<number, number>;
  mrr: number;
  ndcg: number;
  /** unit-fair: evidence utterances by utterance rank, and inside prompt-token budgets */
  utteranceRecall: Record<number, number>;
  utteranceMrr: number;
  budgetRecall: Record<number, number>;
  /** answerable questions answered */
  answered: number;
  f1: number;
  f1Squad: number;
  em: number;
  goldRecall: number;
  /** answerable questions the LLM declined to answer */
  falseAbstention: number;
  /** unanswerable questions */
  unanswerable: number;
  /** share of unanswerable questions with an abstaining answer */
  abstention: number;
  /** questions with a stale fact */
  temporalQuestions: number;
  /** share where the newer fact ranks above the stale one (or the stale one is not retrieved) */
  temporal: number;
  memoriesInPrompt: number;
  errors: number;
}

const avg = (xs: number[]) => (xs.length === 0 ? Number.NaN : mean(xs));

export function aggregate(results: readonly QuestionResult[], ks: readonly number[]): Aggregate {
  const ok = results.filter((r) => !r.error);
  const ret = ok.flatMap((r) => (r.retrieval ? [r.retrieval] : []));
  const ans = ok.flatMap((r) => (r.answerScores ? [{ s: r.answerScores, abstained: r.abstained ?? false }] : []));
  const unans = ok.filter((r) => r.question.answer === null && r.answer !== undefined);
  const temporal = ok.flatMap((r) => (r.temporal ? [r.temporal] : []));
  const utt = ok.flatMap((r) => (r.utterance ? [r.utterance] : []));
  const bud = ok.flatMap((r) => (r.budget ? [r.budget] : []));
  const utteranceRecall: Record<number, number> = {};
  for (const k of UTTERANCE_KS) utteranceRecall[k] = avg(utt.map((u) => u.recall[k] ?? 0));
  const budgetRecall: Record<number, number> = {};
  for (const b of TOKEN_BUDGETS) budgetRecall[b] = avg(bud.map((x) => x[b] ?? 0));
  const recall: Record<number, number> = {};
  const hit: Record<number, number> = {};
  for (const k of ks) {
    recall[k] = avg(ret.map((r) => r.recall[k] ?? 0));
    hit[k] = avg(ret.map((r) => r.hit[k] ?? 0));
  }
  return {
    questions: results.length,
    withEvidence: ret.length,
    recall,
    hit,
    mrr: avg(ret.map((r) => r.rr)),
    ndcg: avg(ret.map((r) => r.ndcg)),
    utteranceRecall,
    utteranceMrr: avg(utt.map((u) => u.rr)),
    budgetRecall,
    answered: ans.length,
    f1: avg(ans.map((a) => a.s.f1)),
    f1Squad: avg(ans.map((a) => a.s.f1Squad)),
    em: avg(ans.map((a) => a.s.em)),
    goldRecall: avg(ans.map((a) => a.s.goldRecall)),
    falseAbstention: avg(ans.map((a) => (a.abstained ? 1 : 0))),
    unanswerable: unans.length,
    abstention: avg(unans.map((r) => (r.abstained ? 1 : 0))),
    temporalQuestions: temporal.length,
    temporal: avg(temporal.map((t) => (temporalCorrect(t) ? 1 : 0))),
    memoriesInPrompt: avg(ok.filter((r) => r.answer !== undefined).map((r) => r.inPrompt)),
    errors: results.length - ok.length,
  };
}

export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) out.set(key(it), [...(out.get(key(it)) ?? []), it]);
  return out;
}

/** A per-question value of a result, or undefined when the question does not have it. */
export type Pick = (r: QuestionResult) => number | undefined;

export const PICKS: Record<string, { pick: Pick; label: string }> = {
  recall_at_5: { pick: (r) => r.retrieval?.recall[5], label: 'evidence recall@5' },
  mrr: { pick: (r) => r.retrieval?.rr, label: 'MRR' },
  utterance_recall_at_10: { pick: (r) => r.utterance?.recall[10], label: 'utterance recall@10' },
  utterance_mrr: { pick: (r) => r.utterance?.rr, label: 'utterance MRR' },
  budget_recall_2000: { pick: (r) => r.budget?.[2000], label: 'budget recall@2000 tokens' },
  ndcg: { pick: (r) => r.retrieval?.ndcg, label: 'NDCG@depth' },
  answer_f1: { pick: (r) => r.answerScores?.f1, label: 'answer F1' },
};

export interface Comparison {
  metric: string;
  baseline: string;
  variant: string;
  n: number;
  baselineMean: number;
  variantMean: number;
  diff: number;
  ci: BootstrapCi;
  pValue: number;
}

/** Paired comparison of `variant` with `baseline` over the questions both scored (sign-flip test, bootstrap CI of the mean difference). */
export function comparePaired(baseline: readonly QuestionResult[], variant: readonly QuestionResult[], metric: string, pick: Pick, seed: number): Comparison {
  const other = new Map(variant.filter((r) => !r.error).map((r) => [r.question.id, r]));
  const a: number[] = [];
  const b: number[] = [];
  for (const r of baseline) {
    if (r.error) continue;
    const va = pick(r);
    const o = other.get(r.question.id);
    const vb = o ? pick(o) : undefined;
    if (va === undefined || vb === undefined) continue;
    a.push(va);
    b.push(vb);
  }
  const test = pairedPermutationTest(a, b, { seed });
  return {
    metric,
    baseline: baseline[0]?.variant ?? '',
    variant: variant[0]?.variant ?? '',
    n: a.length,
    baselineMean: avg(a),
    variantMean: avg(b),
    diff: test.meanDiff,
    ci: bootstrapCi(
      b.map((x, i) => x - (a[i] as number)),
      mean,
      { seed },
    ),
    pValue: test.pValue,
  };
}
