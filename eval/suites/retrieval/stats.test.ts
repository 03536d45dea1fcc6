import { describe, expect, it } from 'vitest';
import { best, comparePaired, pairedPermutationTest, pickSubset } from './stats';

describe('pairedPermutationTest (sign flip)', () => {
  it('gives p = 1 when every difference is 0, NaN when empty or unpaired', () => {
    expect(pairedPermutationTest([0.5, 1], [0.5, 1]).pValue).toBe(1);
    expect(pairedPermutationTest([], []).pValue).toBeNaN();
    expect(pairedPermutationTest([1, 2], [1]).pValue).toBeNaN();
  });

  it('approaches the exact sign-flip p-value', () => {
    // d = [1, 1]: the 4 sign patterns have means 1, 0, 0, −1 → exactly 2 of 4 reach |1|: p = 0.5
    const two = pairedPermutationTest([0, 0], [1, 1], { iterations: 20_000, seed: 3 });
    expect(two.meanDiff).toBe(1);
    expect(two.pValue).toBeGreaterThan(0.48);
    expect(two.pValue).toBeLessThan(0.52);
    // d = [1, 1, 1, 1, 1]: only all-plus or all-minus reach |1|: p = 2 / 32 = 0.0625
    const five = pairedPermutationTest([0, 0, 0, 0, 0], [1, 1, 1, 1, 1], { iterations: 20_000, seed: 3 });
    expect(five.pValue).toBeGreaterThan(0.055);
    expect(five.pValue).toBeLessThan(0.07);
    // d = [2, −1, 0]: mean 1/3; patterns (±2, ±1) have |sum| 3, 1, 1, 3 → |mean| ≥ 1/3 in all: p = 1
    expect(pairedPermutationTest([0, 1, 5], [2, 0, 5], { iterations: 2000 }).pValue).toBe(1);
  });

  it('is deterministic under its seed', () => {
    const a = [0.1, 0.4, 0.3, 0.9, 0.2, 0.5];
    const b = [0.3, 0.5, 0.2, 1, 0.6, 0.7];
    expect(pairedPermutationTest(a, b, { seed: 9 })).toEqual(pairedPermutationTest(a, b, { seed: 9 }));
  });
});

describe('comparePaired', () => {
  it('reports the mean difference, its bootstrap CI and both p-values', () => {
    const c = comparePaired([0, 0.5, 1], [0.5, 0.5, 1], { bootstrapIterations: 500, permutationIterations: 500, seed: 1 });
    expect(c.meanDiff).toBeCloseTo(1 / 6, 12);
    expect(c.n).toBe(3);
    expect(c.ci.low).toBeGreaterThanOrEqual(0);
    expect(c.ci.high).toBeLessThanOrEqual(0.5);
    expect(c.pPaired).toBe(1); // d = [0.5, 0, 0]: every sign pattern has |mean| = 1/6
    expect(c.pUnpaired).toBeGreaterThan(0);
    expect(() => comparePaired([1], [1, 2], { bootstrapIterations: 100, permutationIterations: 100, seed: 1 })).toThrow(RangeError);
  });
});

describe('pickSubset', () => {
  it('keeps everything when n covers the list', () => {
    expect(pickSubset(['a', 'b', 'c'], 3, 1)).toEqual(['a', 'b', 'c']);
    expect(pickSubset(['a', 'b'], 10, 1)).toEqual(['a', 'b']);
  });

  it('picks n distinct items in their original order, the same for the same seed', () => {
    const items = Array.from({ length: 42 }, (_, i) => i);
    const s = pickSubset(items, 12, 42);
    expect(s).toHaveLength(12);
    expect(new Set(s).size).toBe(12);
    expect([...s].sort((x, y) => x - y)).toEqual(s);
    expect(pickSubset(items, 12, 42)).toEqual(s);
    expect(pickSubset(items, 12, 43)).not.toEqual(s);
  });
});

describe('best', () => {
  it('takes the highest finite value, the earlier one on a tie', () => {
    const e = [
      { n: 'a', value: 0.5 },
      { n: 'b', value: Number.NaN },
      { n: 'c', value: 0.7 },
      { n: 'd', value: 0.7 },
    ];
    expect(best(e)?.n).toBe('c');
    expect(best([{ value: Number.NaN }])).toBeUndefined();
  });
});
