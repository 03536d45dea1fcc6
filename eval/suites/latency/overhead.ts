/**
 * Memocha's overhead: the same percentile of a latency measured through Memocha and straight at the
 * provider, subtracted (overhead at p = Memocha p-th percentile − direct p-th percentile). The two
 * samples are independent runs of the same workload, so the overhead is a difference of percentiles,
 * not a percentile of per-request differences; its CI is a two-sample percentile bootstrap.
 */
import type { LatencyHistogram } from '../../metrics/histogram';
import { createRng, randomInt } from '../../metrics/random';
import { percentileOfSorted } from '../../metrics/stats';

/** memocha.percentile(q) − direct.percentile(q), from the HdrHistograms (NaN when either is empty). */
export function overheadAt(memocha: LatencyHistogram, direct: LatencyHistogram, q: number): number {
  return memocha.percentile(q) - direct.percentile(q);
}

/** A statistic: the nearest-rank q-th percentile of a sample (HdrHistogram's rule), for bootstrapCi. */
export function quantile(q: number): (sample: readonly number[]) => number {
  return (sample) => percentileOfSorted([...sample].sort((x, y) => x - y), q, 'nearest-rank');
}

export interface DiffCi {
  estimate: number;
  low: number;
  high: number;
  confidence: number;
  iterations: number;
}

/**
 * Percentile-bootstrap CI of quantile_q(a) − quantile_q(b) (nearest rank): resample a and b
 * independently with replacement `iterations` times. Deterministic under `seed`; NaNs when either is empty.
 */
export function quantileDiffCi(
  a: readonly number[],
  b: readonly number[],
  q: number,
  { iterations = 2000, confidence = 0.95, seed = 1 }: { iterations?: number; confidence?: number; seed?: number } = {},
): DiffCi {
  const stat = quantile(q);
  const base = { confidence, iterations };
  if (a.length === 0 || b.length === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, ...base };
  const rng = createRng(seed);
  const diffs = new Array<number>(iterations);
  const ra = new Array<number>(a.length);
  const rb = new Array<number>(b.length);
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < a.length; j++) ra[j] = a[randomInt(rng, a.length)] as number;
    for (let j = 0; j < b.length; j++) rb[j] = b[randomInt(rng, b.length)] as number;
    diffs[i] = stat(ra) - stat(rb);
  }
  diffs.sort((x, y) => x - y);
  const alpha = ((1 - confidence) / 2) * 100;
  return { estimate: stat(a) - stat(b), low: percentileOfSorted(diffs, alpha), high: percentileOfSorted(diffs, 100 - alpha), ...base };
}
