import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../metrics/histogram';
import { overheadAt, quantile, quantileDiffCi } from './overhead';

describe('overheadAt', () => {
  it('is the difference of the two percentiles (hand-computed)', () => {
    const memocha = new LatencyHistogram().recordAll([30, 10, 20, 40]); // nearest-rank p50 = 20, p99 = 40
    const direct = new LatencyHistogram().recordAll([5, 7, 6, 8]); // p50 = 6, p99 = 8
    // HdrHistogram reports the highest equivalent value (3 significant digits): within 0.1 % of each side
    expect(Math.abs(overheadAt(memocha, direct, 50) - 14)).toBeLessThan(0.02 + 0.006);
    expect(Math.abs(overheadAt(memocha, direct, 99) - 32)).toBeLessThan(0.04 + 0.008);
  });

  it('is NaN when a side has no data', () => {
    expect(overheadAt(new LatencyHistogram(), new LatencyHistogram().record(1), 50)).toBeNaN();
  });
});

describe('quantile', () => {
  it('uses the nearest rank', () => {
    expect(quantile(50)([4, 1, 3, 2])).toBe(2);
    expect(quantile(99)([4, 1, 3, 2])).toBe(4);
    expect(quantile(0)([4, 1, 3, 2])).toBe(1);
  });
});

describe('quantileDiffCi', () => {
  it('estimates quantile(a) − quantile(b) and brackets it', () => {
    const a = [10, 11, 12, 13, 14];
    const b = [1, 2, 3, 4, 5];
    const ci = quantileDiffCi(a, b, 50, { seed: 3 });
    expect(ci.estimate).toBe(9); // 12 − 3
    expect(ci.low).toBeLessThanOrEqual(9);
    expect(ci.high).toBeGreaterThanOrEqual(9);
    // every resampled difference lies within [min a − max b, max a − min b] = [5, 13]
    expect(ci.low).toBeGreaterThanOrEqual(5);
    expect(ci.high).toBeLessThanOrEqual(13);
  });

  it('is a point for constant samples, deterministic under the seed, NaN when empty', () => {
    expect(quantileDiffCi([3, 3, 3], [1, 1], 50)).toMatchObject({ estimate: 2, low: 2, high: 2 });
    expect(quantileDiffCi([1, 5, 9], [2, 4], 50, { seed: 7 })).toEqual(quantileDiffCi([1, 5, 9], [2, 4], 50, { seed: 7 }));
    expect(quantileDiffCi([], [1], 50).estimate).toBeNaN();
  });
});
