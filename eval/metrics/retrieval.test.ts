import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  dedupeRanking,
  evaluateRun,
  hitRateAtK,
  meanAveragePrecision,
  meanReciprocalRank,
  ndcgAtK,
  precisionAtK,
  recallAllAtK,
  recallAtK,
  reciprocalRank,
  vectorRecallAtK,
} from './retrieval';

const TOL = 1e-9;
const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(TOL);

describe('hand-computed example', () => {
  // relevant = b (2), d (1), f (3, never retrieved); c is judged non-relevant; a and e unjudged
  const ranking = ['a', 'b', 'c', 'd', 'e'];
  const judgments = { b: 2, d: 1, f: 3, c: 0 };

  it('precision@k divides by k, also past the end of the list', () => {
    expect(precisionAtK(ranking, judgments, 1)).toBe(0);
    close(precisionAtK(ranking, judgments, 3), 1 / 3);
    close(precisionAtK(ranking, judgments, 5), 2 / 5);
    close(precisionAtK(ranking, judgments, 10), 2 / 10);
  });

  it('recall, hit rate and recall_all', () => {
    close(recallAtK(ranking, judgments, 3), 1 / 3);
    close(recallAtK(ranking, judgments, 5), 2 / 3);
    expect(hitRateAtK(ranking, judgments, 1)).toBe(0);
    expect(hitRateAtK(ranking, judgments, 2)).toBe(1);
    expect(recallAllAtK(ranking, judgments, 10)).toBe(0);
    expect(recallAllAtK(ranking, { b: 1, d: 2 }, 4)).toBe(1);
    expect(recallAllAtK(ranking, { b: 1, d: 2 }, 3)).toBe(0);
  });

  it('reciprocal rank and average precision', () => {
    expect(reciprocalRank(ranking, judgments)).toBe(1 / 2);
    // relevant retrieved at ranks 2 and 4: (1/2 + 2/4) / 3 relevant
    close(averagePrecision(ranking, judgments), (1 / 2 + 2 / 4) / 3);
    // cut at 3: only rank 2 counts, still over 3 relevant (trec_eval map_cut)
    close(averagePrecision(ranking, judgments, 3), 1 / 2 / 3);
  });

  it('NDCG with linear and exponential gain, IDCG over all judged items', () => {
    const dcg = 2 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 3 + 2 / Math.log2(3) + 1 / 2; // ideal [3, 2, 1, 0]
    close(ndcgAtK(ranking, judgments, 5), dcg / idcg);
    expect(ndcgAtK(ranking, judgments, 5)).toBeCloseTo(1.69253607 / 4.76185951, 8); // ≈ 0.355436
    const dcgExp = 3 / Math.log2(3) + 1 / Math.log2(5);
    const idcgExp = 7 + 3 / Math.log2(3) + 1 / 2;
    close(ndcgAtK(ranking, judgments, 5, 'exponential'), dcgExp / idcgExp);
    // k = 1: nothing at rank 1, IDCG@1 = 3
    expect(ndcgAtK(ranking, judgments, 1)).toBe(0);
    // whole ranking
    close(ndcgAtK(ranking, judgments, Number.POSITIVE_INFINITY), dcg / idcg);
  });

  it('accepts a Map as well as a record', () => {
    const m = new Map(Object.entries(judgments));
    expect(ndcgAtK(ranking, m, 5)).toBe(ndcgAtK(ranking, judgments, 5));
  });
});

describe('edge cases', () => {
  it('a duplicate keeps its slot but counts once', () => {
    const r = ['b', 'b', 'd'];
    const j = { b: 1, d: 1 };
    expect(precisionAtK(r, j, 2)).toBe(1 / 2);
    expect(recallAtK(r, j, 2)).toBe(1 / 2);
    expect(reciprocalRank(r, j)).toBe(1);
    close(averagePrecision(r, j), (1 + 2 / 3) / 2);
    close(ndcgAtK(r, j, 3), (1 + 1 / 2) / (1 + 1 / Math.log2(3)));
    expect(dedupeRanking(r)).toEqual(['b', 'd']);
    expect(averagePrecision(dedupeRanking(r), j)).toBe(1);
  });

  it('an empty run retrieves nothing', () => {
    const j = { x: 2 };
    expect(precisionAtK([], j, 3)).toBe(0);
    expect(recallAtK([], j, 3)).toBe(0);
    expect(hitRateAtK([], j, 3)).toBe(0);
    expect(recallAllAtK([], j, 3)).toBe(0);
    expect(reciprocalRank([], j)).toBe(0);
    expect(averagePrecision([], j)).toBe(0);
    expect(ndcgAtK([], j, 3)).toBe(0);
  });

  it('a query with no relevant item is undefined where the denominator is |relevant| or IDCG', () => {
    const j = { a: 0, b: 0 };
    expect(recallAtK(['a'], j, 1)).toBeNaN();
    expect(recallAllAtK(['a'], j, 1)).toBeNaN();
    expect(averagePrecision(['a'], j)).toBeNaN();
    expect(ndcgAtK(['a'], j, 1)).toBeNaN();
    expect(precisionAtK(['a'], j, 1)).toBe(0);
    expect(hitRateAtK(['a'], {}, 1)).toBe(0);
    expect(reciprocalRank(['a'], {})).toBe(0);
  });

  it('rejects bad k and non-finite relevance', () => {
    expect(() => precisionAtK(['a'], {}, 0)).toThrow(RangeError);
    expect(() => recallAtK(['a'], { a: 1 }, 2.5)).toThrow(RangeError);
    expect(() => precisionAtK(['a'], {}, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => ndcgAtK(['a'], { a: Number.NaN }, 1)).toThrow(RangeError);
  });

  it('reads a negative grade as judged not relevant with no gain (trec_eval), never a penalty', () => {
    // b is junk (-2): same scores as if it were graded 0
    const withJunk = { a: 2, b: -2, c: 1 };
    const asZero = { a: 2, b: 0, c: 1 };
    const ranking = ['b', 'c', 'a'];
    for (const gain of ['linear', 'exponential'] as const) expect(ndcgAtK(ranking, withJunk, 3, gain)).toBe(ndcgAtK(ranking, asZero, 3, gain));
    // DCG = 0 + 1/log2(3) + 2/log2(4) = 0.6309 + 1; IDCG = 2 + 1/log2(3) = 2.6309
    close(ndcgAtK(ranking, withJunk, 3), (1 / Math.log2(3) + 1) / (2 + 1 / Math.log2(3)));
    expect(recallAtK(ranking, withJunk, 1)).toBe(0);
    expect(recallAtK(ranking, withJunk, 3)).toBe(1);
    expect(precisionAtK(ranking, withJunk, 3)).toBe(2 / 3);
    expect(reciprocalRank(ranking, withJunk)).toBe(1 / 2);
    close(averagePrecision(ranking, withJunk), (1 / 2 + 2 / 3) / 2);
    // a query whose only judgments are negative has no relevant item
    expect(ndcgAtK(['x'], { x: -1 }, 1)).toBeNaN();
    const run = evaluateRun({ q1: ranking, q2: ['x'] }, { q1: withJunk, q2: { x: -1 } }, [3]);
    expect(run.noRelevant.ids).toEqual(['q2']);
    expect(run.queries.map((q) => q.relevant)).toEqual([2]);
  });

  it('MRR and MAP leave out queries without a relevant item', () => {
    close(meanReciprocalRank([['a', 'b'], ['c'], ['x']], [{ b: 1 }, { c: 1 }, { y: 0 }]), (1 / 2 + 1) / 2);
    close(meanAveragePrecision([['a', 'b'], ['c']], [{ a: 1, b: 1, z: 1 }, { c: 1 }]), ((1 + 1) / 3 + 1) / 2);
    expect(meanReciprocalRank([['a']], [{}])).toBeNaN();
  });
});

describe('vectorRecallAtK', () => {
  it('is |ANN top k ∩ exact top k| / k', () => {
    expect(vectorRecallAtK(['1', '2', '3', '9'], ['1', '2', '3', '4'], 3)).toBe(1);
    expect(vectorRecallAtK(['1', '2', '3', '9'], ['1', '2', '3', '4'], 4)).toBe(3 / 4);
    expect(vectorRecallAtK(['3', '2', '1'], ['1', '2', '3'], 3)).toBe(1);
    expect(vectorRecallAtK(['1', '1', '5'], ['1', '2', '3'], 3)).toBe(1 / 3);
    // the denominator stays k when the exact list is shorter
    expect(vectorRecallAtK(['a', 'b'], ['a'], 2)).toBe(1 / 2);
    expect(vectorRecallAtK([], ['a'], 1)).toBe(0);
  });
});

describe('evaluateRun', () => {
  it('scores judged queries, reports the rest apart', () => {
    const run = { q1: ['a', 'b'], q2: ['x'], q9: ['z'] };
    const qrels = { q1: { b: 1 }, q2: { x: 0 }, q3: { c: 2 } };
    const ev = evaluateRun(run, qrels, [1, 2]);
    expect(ev.queries.map((q) => q.qid)).toEqual(['q1', 'q3']);
    expect(ev.noRelevant).toEqual({ count: 1, ids: ['q2'] });
    expect(ev.missingFromRun).toEqual(['q3']);
    expect(ev.notInQrels).toEqual(['q9']);
    expect(ev.means.queries).toBe(2);
    expect(ev.means.mrr).toBe((1 / 2 + 0) / 2);
    expect(ev.means.atK[2]?.hitRate).toBe(1 / 2);
    expect(ev.means.atK[1]?.precision).toBe(0);
    expect(ev.queries[0]?.atK[2]?.ndcg).toBeCloseTo(1 / Math.log2(3), 12);
  });

  it('counts duplicates and has NaN means with no judged query', () => {
    const ev = evaluateRun(new Map([['q', ['a', 'a']]]), new Map([['q', new Map([['a', 1]])]]), [2]);
    expect(ev.queries[0]?.duplicates).toBe(1);
    expect(evaluateRun({}, { q: {} }, [1]).means.map).toBeNaN();
  });
});

interface RetrievalCase {
  qid: string;
  judgments: Record<string, number>;
  run: string[];
  excluded: boolean;
  apExact: boolean;
  sklearn: {
    ndcg: Record<string, number>;
    ndcgExp: Record<string, number>;
    ndcgFull?: number;
    averagePrecision?: number;
    lrap?: number;
  };
  hand: {
    reciprocalRank: number;
    atK: Record<string, { precision: number; recall: number | null; hitRate: number; recallAll: number | null }>;
  };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/sklearn-reference.json', import.meta.url), 'utf8')) as {
  versions: Record<string, string>;
  ks: number[];
  retrieval: RetrievalCase[];
};

describe(`scikit-learn ${fixture.versions.sklearn} reference (fixtures/sklearn-reference.json)`, () => {
  const cases = fixture.retrieval;
  const scored = cases.filter((c) => !c.excluded);

  it('has the documented shape', () => {
    expect(cases).toHaveLength(20);
    expect(cases.filter((c) => c.excluded)).toHaveLength(1);
    expect(cases.filter((c) => c.apExact).length).toBeGreaterThanOrEqual(10);
  });

  it.each(scored.map((c) => [c.qid, c] as const))('%s: ndcg_score (linear and 2^rel − 1), AP, LRAP, hand values', (_qid, c) => {
    for (const k of fixture.ks) {
      close(ndcgAtK(c.run, c.judgments, k), c.sklearn.ndcg[k] as number);
      close(ndcgAtK(c.run, c.judgments, k, 'exponential'), c.sklearn.ndcgExp[k] as number);
      const h = c.hand.atK[k];
      if (h === undefined) throw new Error(`no hand values at ${k}`);
      close(precisionAtK(c.run, c.judgments, k), h.precision);
      close(recallAtK(c.run, c.judgments, k), h.recall as number);
      expect(hitRateAtK(c.run, c.judgments, k)).toBe(h.hitRate);
      expect(recallAllAtK(c.run, c.judgments, k)).toBe(h.recallAll);
    }
    close(reciprocalRank(c.run, c.judgments), c.hand.reciprocalRank);
    if (c.apExact) {
      close(averagePrecision(c.run, c.judgments), c.sklearn.averagePrecision as number);
      close(averagePrecision(c.run, c.judgments), c.sklearn.lrap as number);
      close(ndcgAtK(c.run, c.judgments, Number.POSITIVE_INFINITY), c.sklearn.ndcgFull as number);
    }
  });

  it('the excluded all-zero query: sklearn says 0, we say NaN and evaluateRun reports it apart', () => {
    const c = cases.find((x) => x.excluded) as RetrievalCase;
    expect(c.sklearn.ndcg['10']).toBe(0);
    expect(ndcgAtK(c.run, c.judgments, 10)).toBeNaN();
  });

  it('evaluateRun over all cases: means equal the means of the reference values over non-excluded queries', () => {
    const run = Object.fromEntries(cases.map((c) => [c.qid, c.run]));
    const qrels = Object.fromEntries(cases.map((c) => [c.qid, c.judgments]));
    const ev = evaluateRun(run, qrels, fixture.ks);
    expect(ev.noRelevant.ids).toEqual(cases.filter((c) => c.excluded).map((c) => c.qid));
    expect(ev.means.queries).toBe(scored.length);
    const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    for (const k of fixture.ks) {
      close(ev.means.atK[k]?.ndcg as number, avg(scored.map((c) => c.sklearn.ndcg[k] as number)));
      close(ev.means.atK[k]?.precision as number, avg(scored.map((c) => c.hand.atK[k]?.precision as number)));
    }
    close(ev.means.mrr, avg(scored.map((c) => c.hand.reciprocalRank)));
    const apCases = ev.queries.filter((q) => cases.find((c) => c.qid === q.qid)?.apExact);
    for (const q of apCases) close(q.averagePrecision, cases.find((c) => c.qid === q.qid)?.sklearn.averagePrecision as number);
    const expGain = evaluateRun(run, qrels, [10], { gain: 'exponential' });
    close(expGain.means.atK[10]?.ndcg as number, avg(scored.map((c) => c.sklearn.ndcgExp['10'] as number)));
  });
});
