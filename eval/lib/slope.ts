/**
 * Small trend statistics shared by the cost, db and stress suites: an ordinary least-squares slope,
 * the last/first ratio (flatness) and the relative change between two values.
 */

/**
 * Ordinary least-squares slope of y on x: Σ(x − x̄)(y − ȳ) / Σ(x − x̄)². Pairs with a non-finite
 * member are left out. NaN with fewer than 2 usable pairs or when every x is the same.
 */
export function olsSlope(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new RangeError(`olsSlope needs as many x as y, got ${xs.length} and ${ys.length}`);
  const pairs: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    if (Number.isFinite(x) && Number.isFinite(y)) pairs.push([x, y]);
  }
  if (pairs.length < 2) return Number.NaN;
  const mx = pairs.reduce((s, [x]) => s + x, 0) / pairs.length;
  const my = pairs.reduce((s, [, y]) => s + y, 0) / pairs.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

/** last / first of a series; NaN when it has fewer than 2 values or the first is 0 or not finite. */
export function ratioLastFirst(ys: readonly number[]): number {
  if (ys.length < 2) return Number.NaN;
  const first = ys[0] as number;
  const last = ys[ys.length - 1] as number;
  if (!Number.isFinite(first) || first === 0 || !Number.isFinite(last)) return Number.NaN;
  return last / first;
}

/** (b − a) / a: +0.1 means b is 10 % above a. NaN when a is 0 or either is not finite. */
export function relativeChange(a: number | null | undefined, b: number | null | undefined): number {
  if (a === null || a === undefined || b === null || b === undefined) return Number.NaN;
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0) return Number.NaN;
  return (b - a) / a;
}

export interface Flatness {
  /** last / first */
  ratio: number;
  /** last − first, in the series' unit */
  increase: number;
  /** OLS slope of the series against its x values, per `per` units of x */
  slope: number;
  /** ratio ≤ maxRatio, or the absolute increase ≤ toleranceAbs (tiny times are noise-bound) */
  flat: boolean;
}

/**
 * Whether a series measured at growing sizes stays flat: ratio = last/first, slope per `per` units
 * of x (e.g. ms per 1000 messages), flat when ratio ≤ maxRatio or last − first ≤ toleranceAbs.
 */
export function flatness(
  xs: readonly number[],
  ys: readonly number[],
  opts: { maxRatio: number; toleranceAbs: number; per?: number },
): Flatness {
  const ratio = ratioLastFirst(ys);
  const increase = ys.length >= 2 ? (ys[ys.length - 1] as number) - (ys[0] as number) : Number.NaN;
  const slope = olsSlope(xs, ys) * (opts.per ?? 1);
  const flat = (Number.isFinite(ratio) && ratio <= opts.maxRatio) || (Number.isFinite(increase) && increase <= opts.toleranceAbs);
  return { ratio, increase, slope, flat };
}
