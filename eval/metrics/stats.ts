/** Descriptive statistics, a seeded percentile bootstrap, and two-sample tests of the difference of means. */
import { studentTTwoSidedP } from './distributions';
import { createRng, randomInt } from './random';

/** Arithmetic mean; NaN for an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance (divides by n − 1); NaN for fewer than 2 values. */
export function variance(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return ss / (values.length - 1);
}

/** Sample standard deviation (n − 1); NaN for fewer than 2 values. */
export function stddev(values: readonly number[]): number {
  return Math.sqrt(variance(values));
}

export type PercentileMethod = 'nearest-rank' | 'linear';

/**
 * The p-th percentile, p in [0, 100]; NaN for an empty list.
 * - 'nearest-rank': the smallest value with at least p % of the values at or below it,
 *   i.e. sorted[ceil(p/100 · n) − 1] (p = 0 gives the minimum). HdrHistogram uses this rule.
 * - 'linear' (default): linear interpolation between closest ranks at h = (n − 1) · p/100,
 *   Hyndman & Fan type 7, the default of numpy.percentile and of spreadsheets' PERCENTILE.
 */
export function percentile(values: readonly number[], p: number, method: PercentileMethod = 'linear'): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return percentileOfSorted(sorted, p, method);
}

export function percentileOfSorted(sorted: readonly number[], p: number, method: PercentileMethod = 'linear'): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (method === 'nearest-rank') {
    const rank = Math.max(1, Math.ceil((p / 100) * n));
    return sorted[rank - 1] as number;
  }
  const h = (n - 1) * (p / 100);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

export interface BootstrapOptions {
  iterations?: number;
  confidence?: number;
  seed?: number;
}

export interface BootstrapCi {
  estimate: number;
  low: number;
  high: number;
  confidence: number;
  iterations: number;
  method: 'percentile bootstrap';
}

/**
 * Percentile bootstrap confidence interval of `statistic` (default: the mean): resample the
 * values with replacement `iterations` times, and take the (1 − c)/2 and (1 + c)/2 quantiles
 * (linear) of the resampled statistics. Deterministic under `seed`. NaNs for an empty list.
 */
export function bootstrapCi(
  values: readonly number[],
  statistic: (sample: readonly number[]) => number = mean,
  { iterations = 2000, confidence = 0.95, seed = 1 }: BootstrapOptions = {},
): BootstrapCi {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!(iterations >= 1)) throw new RangeError(`iterations must be >= 1, got ${iterations}`);
  const base = { confidence, iterations, method: 'percentile bootstrap' as const };
  const n = values.length;
  if (n === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, ...base };
  const rng = createRng(seed);
  const stats: number[] = new Array<number>(iterations);
  const sample: number[] = new Array<number>(n);
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < n; j++) sample[j] = values[randomInt(rng, n)] as number;
    stats[i] = statistic(sample);
  }
  stats.sort((x, y) => x - y);
  const alpha = (1 - confidence) / 2;
  return {
    estimate: statistic(values),
    low: percentileOfSorted(stats, alpha * 100),
    high: percentileOfSorted(stats, (1 - alpha) * 100),
    ...base,
  };
}

export interface WelchResult {
  /** mean(b) − mean(a) */
  meanDiff: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom */
  df: number;
  /** two-sided */
  pValue: number;
}

/**
 * Welch's unequal-variances t-test of mean(a) = mean(b): t = (mean(a) − mean(b)) / sqrt(s²a/na + s²b/nb),
 * df by Welch–Satterthwaite, two-sided p from Student's t. NaNs when either sample has < 2 values.
 * When both variances are 0, p is 1 for equal means and 0 otherwise.
 */
export function welchT(a: readonly number[], b: readonly number[]): WelchResult {
  const meanDiff = mean(b) - mean(a);
  if (a.length < 2 || b.length < 2) return { meanDiff, t: Number.NaN, df: Number.NaN, pValue: Number.NaN };
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const se2 = va + vb;
  if (se2 === 0) {
    const same = meanDiff === 0;
    return { meanDiff, t: same ? 0 : -Math.sign(meanDiff) * Infinity, df: a.length + b.length - 2, pValue: same ? 1 : 0 };
  }
  const t = -meanDiff / Math.sqrt(se2);
  const df = se2 ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return { meanDiff, t, df, pValue: studentTTwoSidedP(t, df) };
}

export interface PermutationOptions {
  iterations?: number;
  seed?: number;
}

/**
 * Two-sided permutation test of the difference of means: shuffle the pooled values `iterations`
 * times (seeded), count relabellings with |mean(b*) − mean(a*)| >= the observed |difference|,
 * p = (count + 1) / (iterations + 1). NaN when either sample is empty.
 */
export function permutationTest(
  a: readonly number[],
  b: readonly number[],
  { iterations = 10_000, seed = 1 }: PermutationOptions = {},
): { meanDiff: number; pValue: number; iterations: number } {
  const meanDiff = mean(b) - mean(a);
  if (a.length === 0 || b.length === 0) return { meanDiff, pValue: Number.NaN, iterations };
  const pooled = [...a, ...b];
  const total = pooled.reduce((s, v) => s + v, 0);
  const observed = Math.abs(meanDiff) - 1e-12 * Math.max(1, Math.abs(meanDiff));
  const rng = createRng(seed);
  let extreme = 0;
  for (let i = 0; i < iterations; i++) {
    // partial Fisher–Yates: the first a.length slots become the relabelled sample a*
    let sumA = 0;
    for (let j = 0; j < a.length; j++) {
      const k = j + randomInt(rng, pooled.length - j);
      const tmp = pooled[j] as number;
      pooled[j] = pooled[k] as number;
      pooled[k] = tmp;
      sumA += pooled[j] as number;
    }
    const diff = (total - sumA) / b.length - sumA / a.length;
    if (Math.abs(diff) >= observed) extreme++;
  }
  return { meanDiff, pValue: (extreme + 1) / (iterations + 1), iterations };
}

/**
 * Two-sided paired permutation (sign-flip) test of mean(b − a) = 0 for two measurements of the
 * same items: flip the sign of each difference at random `iterations` times (seeded), count
 * flips with |mean| ≥ the observed |mean difference|, p = (count + 1) / (iterations + 1).
 * NaN for empty or unequal-length input.
 */
export function pairedPermutationTest(
  a: readonly number[],
  b: readonly number[],
  { iterations = 10_000, seed = 1 }: PermutationOptions = {},
): { meanDiff: number; pValue: number; iterations: number; n: number } {
  const n = a.length;
  if (n === 0 || n !== b.length) return { meanDiff: Number.NaN, pValue: Number.NaN, iterations, n };
  const d = a.map((x, i) => (b[i] as number) - x);
  const meanDiff = mean(d);
  const observed = Math.abs(meanDiff) - 1e-12 * Math.max(1, Math.abs(meanDiff));
  const rng = createRng(seed);
  let extreme = 0;
  for (let i = 0; i < iterations; i++) {
    let s = 0;
    for (const x of d) s += rng() < 0.5 ? -x : x;
    if (Math.abs(s / n) >= observed) extreme++;
  }
  return { meanDiff, pValue: (extreme + 1) / (iterations + 1), iterations, n };
}
