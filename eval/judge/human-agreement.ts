/**
 * Agreement between the judge and people, and between people, on 1–5 rubric scores: Cohen's
 * kappa, quadratic-weighted kappa (both over the full 1–5 scale) and Spearman's rho, from
 * eval/metrics/agreement.ts. Per criterion and overall (all criteria pooled). Against the judge,
 * every human rating is one pair (judge score, that rater's score), so several raters add pairs.
 */
import { cohenKappa, quadraticWeightedKappa, spearman } from '../metrics/agreement';
import { unitKey, type HumanRating } from './human';
import { SCORE_LABELS } from './rubric';

export interface Agreement {
  n: number;
  /** unweighted Cohen's kappa; NaN when undefined (no pairs, or chance agreement already perfect) */
  kappa: number;
  quadraticKappa: number;
  spearman: number;
  /** share of pairs with the same score */
  exact: number;
}

export function agreement(a: readonly number[], b: readonly number[]): Agreement {
  const labels = [...SCORE_LABELS] as number[];
  return {
    n: a.length,
    kappa: cohenKappa(a, b, { labels }),
    quadraticKappa: quadraticWeightedKappa(a, b, labels),
    spearman: spearman(a, b),
    exact: a.length > 0 ? a.filter((x, i) => x === b[i]).length / a.length : Number.NaN,
  };
}

export interface AgreementReport {
  overall: Agreement;
  byCriterion: { criterion: string; agreement: Agreement }[];
}

function byCriterion(pairs: readonly { criterion: string; a: number; b: number }[]): AgreementReport {
  const criteria = [...new Set(pairs.map((p) => p.criterion))].sort();
  return {
    overall: agreement(pairs.map((p) => p.a), pairs.map((p) => p.b)),
    byCriterion: criteria.map((criterion) => {
      const ps = pairs.filter((p) => p.criterion === criterion);
      return { criterion, agreement: agreement(ps.map((p) => p.a), ps.map((p) => p.b)) };
    }),
  };
}

/**
 * `judge`: unitKey → the judge's score for that answer and criterion (one integer: the suite uses
 * the lower median of the samples). Ratings of answers the judge did not score are counted apart.
 */
export function judgeHumanAgreement(judge: ReadonlyMap<string, number>, ratings: readonly HumanRating[]): AgreementReport & { unmatched: number } {
  const pairs = ratings.flatMap((r) => {
    const j = judge.get(unitKey(r));
    return j === undefined ? [] : [{ criterion: r.criterion, a: j, b: r.score }];
  });
  return { ...byCriterion(pairs), unmatched: ratings.length - pairs.length };
}

export interface RaterPair extends AgreementReport {
  raterA: string;
  raterB: string;
}

/** Every pair of raters, on the answers both scored (pairs with none in common are left out). */
export function interRaterAgreement(ratings: readonly HumanRating[]): RaterPair[] {
  const byRater = new Map<string, Map<string, HumanRating>>();
  for (const r of ratings) {
    const m = byRater.get(r.rater) ?? new Map<string, HumanRating>();
    m.set(unitKey(r), r);
    byRater.set(r.rater, m);
  }
  const raters = [...byRater.keys()].sort();
  const out: RaterPair[] = [];
  for (let i = 0; i < raters.length; i++) {
    for (let j = i + 1; j < raters.length; j++) {
      const a = byRater.get(raters[i] as string) as Map<string, HumanRating>;
      const b = byRater.get(raters[j] as string) as Map<string, HumanRating>;
      const pairs = [...a.entries()].flatMap(([k, ra]) => {
        const rb = b.get(k);
        return rb ? [{ criterion: ra.criterion, a: ra.score, b: rb.score }] : [];
      });
      if (pairs.length > 0) out.push({ raterA: raters[i] as string, raterB: raters[j] as string, ...byCriterion(pairs) });
    }
  }
  return out;
}
