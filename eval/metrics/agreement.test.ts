import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { averageRanks, cohenKappa, pearson, quadraticWeightedKappa, spearman } from './agreement';

const TOL = 1e-9;
const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(TOL);

describe('cohenKappa, hand-computed', () => {
  it('2×2 table: both yes 20, yes/no 5, no/yes 10, both no 15', () => {
    const a = [...Array<string>(25).fill('yes'), ...Array<string>(25).fill('no')];
    const b = [...Array<string>(20).fill('yes'), ...Array<string>(5).fill('no'), ...Array<string>(10).fill('yes'), ...Array<string>(15).fill('no')];
    // pₒ = 35/50 = 0.7; pₑ = (25·30 + 25·20) / 50² = 0.5; κ = 0.2 / 0.5
    close(cohenKappa(a, b), 0.4);
  });

  it('ordinal 1–3: unweighted, linear and quadratic', () => {
    const a = [1, 2, 3];
    const b = [1, 3, 3];
    // O: (1,1), (2,3), (3,3); row totals [1,1,1], column totals [1,0,2], n = 3
    // unweighted: Σ wO = 1, Σ wE = (2·1 + 2·2)/3 = 2 → 1 − 1/2
    close(cohenKappa(a, b), 0.5);
    // linear: Σ wO = 1, Σ wE = ((0+1+2)·1 + (2+1+0)·2)/3 = 3 → 1 − 1/3
    close(cohenKappa(a, b, { weights: 'linear' }), 2 / 3);
    // quadratic: Σ wO = 1, Σ wE = ((0+1+4)·1 + (4+1+0)·2)/3 = 5 → 1 − 1/5
    close(quadraticWeightedKappa(a, b), 0.8);
    close(quadraticWeightedKappa(a, b, [1, 2, 3]), 0.8);
  });

  it('an unused category changes weighted kappa only through the labels', () => {
    const a = [1, 1, 5, 5];
    const b = [1, 5, 5, 5];
    // default labels [1, 5]: one step apart; with the full scale, four steps: same κ, since the scale cancels
    close(quadraticWeightedKappa(a, b), quadraticWeightedKappa(a, b, [1, 2, 3, 4, 5]));
    const c = [1, 2, 5];
    const d = [1, 5, 5];
    // default labels [1, 2, 5] (positions 0, 1, 2): Σ wO = 1, Σ wE = (5·1 + 5·2)/3 = 5 → 0.8
    close(quadraticWeightedKappa(c, d), 0.8);
    // full scale (positions 0, 1, 4): Σ wO = 9, Σ wE = (17·1 + 25·2)/3 = 67/3 → 1 − 27/67
    close(quadraticWeightedKappa(c, d, [1, 2, 3, 4, 5]), 40 / 67);
  });

  it('perfect agreement is 1, undefined chance agreement is NaN', () => {
    expect(cohenKappa(['x', 'y'], ['x', 'y'])).toBe(1);
    expect(cohenKappa(['x', 'x'], ['x', 'x'])).toBeNaN();
    expect(cohenKappa([], [])).toBeNaN();
  });

  it('rejects mismatched lengths and ratings outside the labels', () => {
    expect(() => cohenKappa([1], [1, 2])).toThrow(RangeError);
    expect(() => cohenKappa([1, 6], [1, 2], { labels: [1, 2, 3, 4, 5] })).toThrow(RangeError);
    expect(() => cohenKappa([1], [1], { labels: [1, 1] })).toThrow(RangeError);
  });
});

describe('ranks and correlations, hand-computed', () => {
  it('average ranks for ties', () => {
    expect(averageRanks([10, 20, 10, 30, 20, 20])).toEqual([1.5, 4, 1.5, 6, 4, 4]);
    expect(averageRanks([])).toEqual([]);
  });

  it('pearson', () => {
    // dx = [−1, 0, 1], dy = [−7/3, −1/3, 8/3]: Σdxdy = 5, Σdx² = 2, Σdy² = 114/9
    close(pearson([1, 2, 3], [2, 4, 7]), 15 / Math.sqrt(228));
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
    expect(pearson([1], [2])).toBeNaN();
  });

  it('spearman with ties', () => {
    // ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4]: r = 4.5 / sqrt(4.5 · 5) = 3 / sqrt(10)
    close(spearman([1, 2, 2, 3], [1, 3, 2, 4]), 3 / Math.sqrt(10));
    close(spearman([1, 2, 3, 4], [10, 20, 30, 400]), 1);
    close(spearman([1, 2, 3], [3, 2, 1]), -1);
    expect(() => spearman([1, 2], [1])).toThrow(RangeError);
  });
});

interface KappaCase {
  a: Array<string | number>;
  b: Array<string | number>;
  labels: number[] | null;
  kappa: number;
  linear?: number;
  quadratic?: number;
  linearWithLabels?: number;
  quadraticWithLabels?: number;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/sklearn-reference.json', import.meta.url), 'utf8')) as {
  versions: Record<string, string>;
  kappa: KappaCase[];
  correlation: Array<{ x: number[]; y: number[]; spearman: number; pearson: number }>;
};

describe(`scikit-learn ${fixture.versions.sklearn} / scipy ${fixture.versions.scipy} reference`, () => {
  it.each(fixture.kappa.map((c, i) => [i, c] as const))('kappa case %i: cohen_kappa_score, unweighted and weighted', (_i, c) => {
    close(cohenKappa(c.a, c.b), c.kappa);
    if (c.labels === null) return;
    const a = c.a as number[];
    const b = c.b as number[];
    close(cohenKappa(a, b, { weights: 'linear' }), c.linear as number);
    close(quadraticWeightedKappa(a, b), c.quadratic as number);
    close(cohenKappa(a, b, { weights: 'linear', labels: c.labels }), c.linearWithLabels as number);
    close(quadraticWeightedKappa(a, b, c.labels), c.quadraticWithLabels as number);
  });

  it('one kappa case leaves a category unused, so the labels matter', () => {
    expect(fixture.kappa.some((c) => c.quadratic !== undefined && Math.abs(c.quadratic - (c.quadraticWithLabels as number)) > 1e-3)).toBe(true);
  });

  it.each(fixture.correlation.map((c, i) => [i, c] as const))('correlation case %i: spearmanr and pearsonr', (_i, c) => {
    close(spearman(c.x, c.y), c.spearman);
    close(pearson(c.x, c.y), c.pearson);
  });
});
