/** Pure helpers of the retrieval suite: the paired test, the query subset, the best config. */
import { createRng, randomInt } from '../../metrics/random';
import { bootstrapCi, mean, pairedPermutationTest, permutationTest } from '../../metrics/stats';

export { pairedPermutationTest } from '../../metrics/stats';

export interface PairedComparison {
  /** mean(b) − mean(a) over the pairs */
  meanDiff: number;
  /** percentile bootstrap CI of the mean of the per-query differences */
  ci: { low: number; high: number; confidence: number };
  /** pairedPermutationTest: the paired (sign-flip) p-value */
  pPaired: number;
  /** metrics/stats permutationTest on the two lists as independent samples (ignores the pairing) */
  pUnpaired: number;
  n: number;
}

/** Per-query values of a config (b) against the baseline (a), paired by position. */
export function comparePaired(a: readonly number[], b: readonly number[], opts: { bootstrapIterations: number; permutationIterations: number; seed: number }): PairedComparison {
  if (a.length !== b.length) throw new RangeError(`paired lists differ in length: ${a.length} vs ${b.length}`);
  const diffs = a.map((x, i) => (b[i] as number) - x);
  const ci = bootstrapCi(diffs, mean, { iterations: opts.bootstrapIterations, seed: opts.seed });
  return {
    meanDiff: diffs.length === 0 ? Number.NaN : mean(diffs),
    ci: { low: ci.low, high: ci.high, confidence: ci.confidence },
    pPaired: pairedPermutationTest(a, b, { iterations: opts.permutationIterations, seed: opts.seed }).pValue,
    pUnpaired: permutationTest(a, b, { iterations: opts.permutationIterations, seed: opts.seed }).pValue,
    n: a.length,
  };
}

/**
 * `n` of `ids` chosen at random (seeded, without replacement), kept in their original order;
 * all of them when n >= ids.length.
 */
export function pickSubset<T>(items: readonly T[], n: number, seed: number): T[] {
  if (n >= items.length) return [...items];
  const idx = items.map((_, i) => i);
  const rng = createRng(seed);
  for (let i = 0; i < n; i++) {
    const j = i + randomInt(rng, idx.length - i);
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  return idx
    .slice(0, n)
    .sort((x, y) => x - y)
    .map((i) => items[i] as T);
}

/** The entry with the highest finite value (ties: the earlier one); undefined when none is finite. */
export function best<T extends { value: number }>(entries: readonly T[]): T | undefined {
  let top: T | undefined;
  for (const e of entries) if (Number.isFinite(e.value) && (top === undefined || e.value > top.value)) top = e;
  return top;
}
