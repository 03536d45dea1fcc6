/**
 * Agreement between two raters (a judge and people, or two people): Cohen's kappa, weighted
 * kappa (linear, quadratic), Spearman's rho with average ranks for ties, and Pearson's r.
 * Values match scikit-learn's cohen_kappa_score and scipy's spearmanr / pearsonr (see
 * fixtures/sklearn-reference.json). Undefined values (0/0) are NaN, never 0 or 1.
 */

export type Label = string | number;
export type KappaWeights = 'none' | 'linear' | 'quadratic';

export interface KappaOptions<T extends Label> {
  /** 'none' (default): Cohen's kappa; 'linear' / 'quadratic': weighted kappa for ordinal labels */
  weights?: KappaWeights;
  /**
   * The categories in their order. Weights use the distance between positions in this list,
   * so for ordinal scores pass every category (e.g. [1, 2, 3, 4, 5]): by default the categories
   * are the labels that occur, sorted (numbers numerically, strings by code unit), as
   * scikit-learn does, and an unused middle category then shrinks the distances. A rating
   * outside the given labels is an error (scikit-learn would drop the pair silently).
   */
  labels?: readonly T[];
}

function sortedLabels<T extends Label>(values: readonly T[]): T[] {
  const uniq = [...new Set(values)];
  const allNumbers = uniq.every((v) => typeof v === 'number');
  return uniq.sort((x, y) => (allNumbers ? (x as number) - (y as number) : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0));
}

/**
 * Cohen's kappa, κ = 1 − Σ wᵢⱼ Oᵢⱼ / Σ wᵢⱼ Eᵢⱼ, with O the confusion matrix of counts, E the
 * counts expected by chance (row total · column total / n) and w = 0 on the diagonal and 1
 * elsewhere (unweighted), |i − j| (linear) or (i − j)² (quadratic). Unweighted, this is the
 * usual (pₒ − pₑ) / (1 − pₑ). NaN for empty input or when chance agreement is already perfect
 * (both raters always give the same single label).
 */
export function cohenKappa<T extends Label>(a: readonly T[], b: readonly T[], options: KappaOptions<T> = {}): number {
  if (a.length !== b.length) throw new RangeError(`raters differ in length: ${a.length} vs ${b.length}`);
  const n = a.length;
  if (n === 0) return Number.NaN;
  const labels = options.labels ? [...options.labels] : sortedLabels([...a, ...b]);
  const index = new Map<T, number>(labels.map((l, i) => [l, i]));
  if (index.size !== labels.length) throw new RangeError('labels must be distinct');
  const m = labels.length;
  const observed: number[][] = labels.map(() => new Array<number>(m).fill(0));
  const rowTotals = new Array<number>(m).fill(0);
  const colTotals = new Array<number>(m).fill(0);
  for (let t = 0; t < n; t++) {
    const i = index.get(a[t] as T);
    const j = index.get(b[t] as T);
    if (i === undefined || j === undefined) throw new RangeError(`rating at ${t} is not one of the labels: ${String(a[t])}, ${String(b[t])}`);
    (observed[i] as number[])[j] = ((observed[i] as number[])[j] as number) + 1;
    rowTotals[i] = (rowTotals[i] as number) + 1;
    colTotals[j] = (colTotals[j] as number) + 1;
  }
  const weights = options.weights ?? 'none';
  const w = (i: number, j: number): number =>
    weights === 'none' ? (i === j ? 0 : 1) : weights === 'linear' ? Math.abs(i - j) : (i - j) ** 2;
  let obs = 0;
  let exp = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const wij = w(i, j);
      if (wij === 0) continue;
      obs += wij * ((observed[i] as number[])[j] as number);
      exp += (wij * (rowTotals[i] as number) * (colTotals[j] as number)) / n;
    }
  }
  return exp === 0 ? Number.NaN : 1 - obs / exp;
}

/** Quadratic-weighted kappa for ordinal ratings; pass `labels` (e.g. [1, 2, 3, 4, 5]) to weigh by the full scale. */
export function quadraticWeightedKappa<T extends Label>(a: readonly T[], b: readonly T[], labels?: readonly T[]): number {
  return cohenKappa(a, b, labels ? { weights: 'quadratic', labels } : { weights: 'quadratic' });
}

/** Ranks from 1, ties given the mean of the ranks they span (scipy's rankdata 'average'). */
export function averageRanks(values: readonly number[]): number[] {
  if (values.some((v) => Number.isNaN(v))) throw new RangeError('cannot rank NaN');
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const ranks = new Array<number>(values.length).fill(0);
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && (order[end] as readonly [number, number])[0] === (order[start] as readonly [number, number])[0]) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let t = start; t < end; t++) ranks[(order[t] as readonly [number, number])[1]] = rank;
    start = end;
  }
  return ranks;
}

/** Pearson's r; NaN for fewer than 2 pairs or when either variable is constant. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError(`lengths differ: ${x.length} vs ${y.length}`);
  const n = x.length;
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return Number.NaN;
  // clamp: rounding can push |r| a hair above 1
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Spearman's rho: Pearson's r of the average ranks (correct with ties, unlike 1 − 6Σd²/(n(n²−1))). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError(`lengths differ: ${x.length} vs ${y.length}`);
  return pearson(averageRanks(x), averageRanks(y));
}
