import { describe, expect, it } from 'vitest';
import { studentTTwoSidedP } from './distributions';
import { createRng } from './random';
import { bootstrapCi, mean, pairedPermutationTest, percentile, permutationTest, stddev, welchT } from './stats';

describe('mean and stddev', () => {
  it('match the hand-computed values of [2,4,4,4,5,5,7,9]', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    // Σ = 40, n = 8 → mean 5; Σ(x − 5)² = 9+1+1+1+0+0+4+16 = 32; sample sd = sqrt(32 / 7) = 2.13809
    expect(mean(xs)).toBe(5);
    expect(stddev(xs)).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(stddev(xs)).toBeCloseTo(2.138, 3);
  });

  it('are NaN when undefined', () => {
    expect(mean([])).toBeNaN();
    expect(stddev([3])).toBeNaN();
  });
});

describe('percentile', () => {
  const xs = [15, 20, 35, 40, 50];
  it('nearest-rank: sorted[ceil(p/100·n) − 1]', () => {
    // n = 5: p30 → rank ceil(1.5) = 2 → 20; p40 → rank 2 → 20; p50 → rank 3 → 35; p100 → 50; p0 → min
    expect(percentile(xs, 30, 'nearest-rank')).toBe(20);
    expect(percentile(xs, 40, 'nearest-rank')).toBe(20);
    expect(percentile(xs, 50, 'nearest-rank')).toBe(35);
    expect(percentile(xs, 100, 'nearest-rank')).toBe(50);
    expect(percentile(xs, 0, 'nearest-rank')).toBe(15);
  });

  it('linear (type 7, numpy default): h = (n − 1)·p/100', () => {
    // p40: h = 1.6 → 20 + 0.6·(35 − 20) = 29; p90: h = 3.6 → 40 + 0.6·10 = 46
    expect(percentile(xs, 40)).toBeCloseTo(29, 12);
    expect(percentile(xs, 90, 'linear')).toBeCloseTo(46, 12);
    expect(percentile([40, 15, 50, 20, 35], 50)).toBe(35);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('bootstrapCi', () => {
  it('is deterministic under its seed and names its method', () => {
    const rng = createRng(7);
    const xs = Array.from({ length: 50 }, () => rng() * 10);
    const a = bootstrapCi(xs, mean, { seed: 3 });
    expect(bootstrapCi(xs, mean, { seed: 3 })).toEqual(a);
    expect(bootstrapCi(xs, mean, { seed: 4 })).not.toEqual(a);
    expect(a).toMatchObject({ confidence: 0.95, iterations: 2000, method: 'percentile bootstrap' });
    expect(a.estimate).toBe(mean(xs));
    expect(a.low).toBeLessThan(a.estimate);
    expect(a.high).toBeGreaterThan(a.estimate);
  });

  it('gives the hand-derived interval for [0, 1]', () => {
    // resampled means are 0, 0.5, 1 with probability 1/4, 1/2, 1/4: the 2.5 % and 97.5 %
    // quantiles of 2000 draws are 0 and 1
    const ci = bootstrapCi([0, 1], mean, { seed: 11 });
    expect(ci.estimate).toBe(0.5);
    expect(ci.low).toBe(0);
    expect(ci.high).toBe(1);
  });

  it('collapses for constant data and accepts another statistic', () => {
    expect(bootstrapCi([4, 4, 4], mean, { iterations: 100 })).toMatchObject({ estimate: 4, low: 4, high: 4 });
    const med = bootstrapCi([1, 2, 3, 100], (s) => percentile(s, 50), { seed: 1 });
    expect(med.estimate).toBe(2.5);
  });
});

describe('welchT', () => {
  it('matches a hand computation with equal variances', () => {
    // a = 1..5, b = 3..7: means 3 and 5, s² = 2.5 each; se = sqrt(2.5/5 + 2.5/5) = 1 → t = −2
    // df = (0.5 + 0.5)² / (0.5²/4 + 0.5²/4) = 1 / 0.125 = 8; two-sided p(|T8| ≥ 2) = 0.080516
    // (scipy.stats.ttest_ind(a, b, equal_var=False) → t −2.0, p 0.0805162, df 8.0)
    const r = welchT([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]);
    expect(r.meanDiff).toBe(2);
    expect(r.t).toBeCloseTo(-2, 12);
    expect(r.df).toBeCloseTo(8, 12);
    expect(r.pValue).toBeCloseTo(0.0805162, 6);
  });

  it('matches a hand computation with unequal variances and sizes', () => {
    // a = [1,2,3,4]: mean 2.5, s² = 5/3, s²/n = 0.416667; b = [2,4,…,12]: mean 7, s² = 14, s²/n = 2.333333
    // se² = 2.75 → t = −4.5 / 1.658312 = −2.713602
    // df = 2.75² / (0.416667²/3 + 2.333333²/5) = 7.5625 / 1.146759 = 6.594671
    // scipy: p = 0.0318244
    const r = welchT([1, 2, 3, 4], [2, 4, 6, 8, 10, 12]);
    expect(r.t).toBeCloseTo(-2.713602, 5);
    expect(r.df).toBeCloseTo(6.594671, 5);
    expect(r.pValue).toBeCloseTo(0.0318244, 6);
  });

  it('handles degenerate samples', () => {
    expect(welchT([1], [2, 3]).pValue).toBeNaN();
    expect(welchT([2, 2], [2, 2]).pValue).toBe(1);
    expect(welchT([2, 2], [3, 3]).pValue).toBe(0);
  });

  it('uses a t distribution that reproduces table critical values', () => {
    // t(0.975; 8) = 2.306004, t(0.975; 1) = 12.7062, t(0.975; 30) = 2.042272
    expect(studentTTwoSidedP(2.306004, 8)).toBeCloseTo(0.05, 6);
    expect(studentTTwoSidedP(12.7062, 1)).toBeCloseTo(0.05, 5);
    expect(studentTTwoSidedP(-2.042272, 30)).toBeCloseTo(0.05, 6);
    expect(studentTTwoSidedP(0, 5)).toBeCloseTo(1, 12);
  });
});

describe('permutationTest', () => {
  it('approaches the exact permutation p-value', () => {
    // a = [1,2], b = [3,4]: of the C(4,2) = 6 relabellings only {1,2}|{3,4} and {3,4}|{1,2} reach |diff| = 2 → p = 1/3
    const r = permutationTest([1, 2], [3, 4], { iterations: 20_000, seed: 5 });
    expect(r.meanDiff).toBe(2);
    expect(r.pValue).toBeCloseTo(1 / 3, 2);
    expect(permutationTest([1, 2], [3, 4], { iterations: 500, seed: 5 })).toEqual(
      permutationTest([1, 2], [3, 4], { iterations: 500, seed: 5 }),
    );
  });

  it('finds clearly separated samples significant', () => {
    const a = Array.from({ length: 20 }, (_, i) => i);
    const b = a.map((x) => x + 30);
    expect(permutationTest(a, b, { iterations: 2000 }).pValue).toBeLessThan(0.01);
  });
});

describe('pairedPermutationTest', () => {
  /** The exact sign-flip p-value by enumerating all 2^n sign patterns (the test's own definition). */
  function exactP(d: number[]): number {
    const obs = Math.abs(d.reduce((s, x) => s + x, 0) / d.length);
    let extreme = 0;
    for (let mask = 0; mask < 2 ** d.length; mask++) {
      const s = d.reduce((acc, x, i) => acc + ((mask >> i) & 1 ? -x : x), 0);
      if (Math.abs(s / d.length) >= obs - 1e-12) extreme++;
    }
    return extreme / 2 ** d.length;
  }

  it('approaches the exact enumeration of sign flips', () => {
    const a = [0.1, 0.4, 0.35, 0.8, 0.5, 0.2, 0.9, 0.3];
    const b = [0.3, 0.5, 0.3, 0.9, 0.7, 0.45, 0.95, 0.3];
    const r = pairedPermutationTest(a, b, { iterations: 20_000, seed: 3 });
    expect(r.meanDiff).toBeCloseTo((0.2 + 0.1 - 0.05 + 0.1 + 0.2 + 0.25 + 0.05 + 0) / 8, 12);
    expect(r.pValue).toBeCloseTo(exactP(b.map((x, i) => x - (a[i] as number))), 1);
    expect(Math.abs(r.pValue - exactP(b.map((x, i) => x - (a[i] as number))))).toBeLessThan(0.01);
  });

  it('identical measurements → p = 1; unequal lengths → NaN', () => {
    expect(pairedPermutationTest([1, 2, 3], [1, 2, 3]).pValue).toBe(1);
    expect(pairedPermutationTest([1, 2], [1]).pValue).toBeNaN();
    expect(pairedPermutationTest([], []).pValue).toBeNaN();
  });

  it('a consistent improvement on every item is significant', () => {
    const a = Array.from({ length: 20 }, (_, i) => i / 20);
    const r = pairedPermutationTest(a, a.map((x) => x + 0.1));
    // exact p = 2 / 2^20; the estimate is (count + 1) / (iterations + 1)
    expect(r.pValue).toBeLessThan(0.001);
  });
});
