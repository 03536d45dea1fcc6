import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../eval/metrics/histogram';
import { histogramView, ninesOf } from './hist';

describe('histogramView', () => {
  it('bins every recorded value and gives HdrHistogram’s own percentiles', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1 + (i % 100) * 0.5); // 1 … 50.5 ms
    const h = new LatencyHistogram().recordAll(values);
    const v = await histogramView(h.encode(), 10);
    expect(v.count).toBe(1000);
    expect(v.logBins).toBe(true); // 50.5 / 1 > 20
    expect(v.bins).toHaveLength(10);
    expect(v.bins.reduce((s, b) => s + b.count, 0)).toBe(1000);
    expect(v.bins[0]!.lo).toBeCloseTo(h.percentile(0), 6);
    expect(v.bins[9]!.hi).toBeCloseTo(h.percentile(100), 6);
    // log bins: each spans the same ratio
    expect(v.bins[1]!.hi / v.bins[1]!.lo).toBeCloseTo(v.bins[5]!.hi / v.bins[5]!.lo, 9);
    for (const p of v.percentiles) expect(p.ms).toBe(h.percentile(p.q));
    expect(v.percentiles[0]!.q).toBe(0);
    // up to half a nine past the last rank: 10^-(3.5) of 1000 values
    expect(ninesOf(v.percentiles.at(-1)!.q)).toBeCloseTo(3.5, 1);
  });

  it('uses linear bins for a narrow spread and counts values into the right bin', async () => {
    const h = new LatencyHistogram().recordAll([10, 10, 10, 17, 30]);
    const v = await histogramView(h.encode(), 4);
    expect(v.logBins).toBe(false);
    expect(v.bins.map((b) => b.count)).toEqual([3, 1, 0, 1]);
  });

  it('gives an empty view for an empty histogram and fails loudly on garbage', async () => {
    expect(await histogramView(new LatencyHistogram().encode())).toEqual({ count: 0, logBins: false, bins: [], percentiles: [] });
    await expect(histogramView('bm90IGEgaGlzdG9ncmFt')).rejects.toThrow();
  });
});
