import { describe, expect, it } from 'vitest';
import { flatness, olsSlope, ratioLastFirst, relativeChange } from './slope';

describe('olsSlope', () => {
  it('is Σ(x−x̄)(y−ȳ)/Σ(x−x̄)² (hand-computed)', () => {
    // x̄ = 2, ȳ = 3; Σ(x−x̄)(y−ȳ) = (−1)(−1) + 0·(−1) + 1·2 = 3; Σ(x−x̄)² = 2 → 1.5
    expect(olsSlope([1, 2, 3], [2, 2, 5])).toBeCloseTo(1.5, 12);
    expect(olsSlope([10, 100, 500, 1000], [2, 2, 2, 2])).toBe(0);
    expect(olsSlope([0, 1000], [1, 3])).toBeCloseTo(0.002, 12);
  });

  it('leaves out non-finite pairs; NaN with < 2 points or constant x', () => {
    expect(olsSlope([1, 2, 3], [1, Number.NaN, 3])).toBeCloseTo(1, 12);
    expect(olsSlope([1], [1])).toBeNaN();
    expect(olsSlope([2, 2], [1, 5])).toBeNaN();
    expect(() => olsSlope([1, 2], [1])).toThrow(RangeError);
  });
});

describe('ratioLastFirst and relativeChange', () => {
  it('last / first', () => {
    expect(ratioLastFirst([2, 9, 3])).toBe(1.5);
    expect(ratioLastFirst([4])).toBeNaN();
    expect(ratioLastFirst([0, 3])).toBeNaN();
  });

  it('(b − a) / a', () => {
    expect(relativeChange(0.0002, 0.00025)).toBeCloseTo(0.25, 12);
    expect(relativeChange(4, 3)).toBe(-0.25);
    expect(relativeChange(0, 1)).toBeNaN();
    expect(relativeChange(null, 1)).toBeNaN();
  });
});

describe('flatness', () => {
  it('ratio, increase and slope per 1000 of x; flat by ratio or by absolute tolerance', () => {
    // 1.0 → 1.5 ms from 10 to 1000 messages: ratio 1.5, +0.5 ms
    const f = flatness([10, 1000], [1, 1.5], { maxRatio: 2, toleranceAbs: 1, per: 1000 });
    expect(f.ratio).toBe(1.5);
    expect(f.increase).toBe(0.5);
    expect(f.slope).toBeCloseTo((0.5 / 990) * 1000, 9);
    expect(f.flat).toBe(true);
    // 0.2 → 0.9 ms: ratio 4.5 > 2 but only +0.7 ms ≤ 1 ms → flat
    expect(flatness([1, 2], [0.2, 0.9], { maxRatio: 2, toleranceAbs: 1 }).flat).toBe(true);
    // 2 → 10 ms: ratio 5 and +8 ms → not flat
    expect(flatness([1, 2], [2, 10], { maxRatio: 2, toleranceAbs: 1 }).flat).toBe(false);
  });
});
