/**
 * RAG metrics as RAGAS defines them (METRICS.md, "RAG (as RAGAS defines them)"): pure functions
 * over the verdicts a judge gave and the vectors an embedder made. The LLM steps that produce the
 * verdicts live in eval/judge/ragas.ts.
 *
 * Matched against the RAGAS source (explodinggradients/ragas):
 * - faithfulness: src/ragas/metrics/collections/faithfulness/metric.py `_compute_score`
 *   (supported statements / statements; NaN without statements)
 * - context precision: src/ragas/metrics/_context_precision.py `_calculate_average_precision`
 *   (also collections/context_precision/metric.py, "matches legacy logic exactly")
 * - context recall: src/ragas/metrics/collections/context_recall/metric.py
 *   (attributed / classifications; NaN without classifications)
 * - answer relevancy: src/ragas/metrics/collections/answer_relevancy/metric.py
 *   (`score = cosine_sim.mean() * int(not all_noncommittal)`, `all_noncommittal = np.all(flags)`).
 *   The legacy src/ragas/metrics/_answer_relevance.py used `np.any` instead (one non-committal
 *   generation zeroes the score); `noncommittalRule: 'any'` reproduces it.
 * - semantic similarity: src/ragas/metrics/collections/_semantic_similarity.py (cosine of the
 *   L2-normalised embeddings).
 *
 * "Could not be computed" is `null` here (RAGAS returns NaN), never 0: the suite reports such
 * items apart and leaves them out of every mean.
 */

/** A 0/1 verdict as RAGAS's prompts return it; booleans are accepted too. */
export type Verdict = 0 | 1 | boolean;

/** RAGAS adds this to the denominator of context precision (so no useful context gives 0, not 0/0). */
export const CONTEXT_PRECISION_EPSILON = 1e-10;

export type NoncommittalRule = 'all' | 'any';

const bit = (v: Verdict): 0 | 1 => (v === true || v === 1 ? 1 : 0);

/** Supported claims / claims in the answer; null when the answer has no claims. */
export function faithfulness(supported: readonly Verdict[]): number | null {
  if (supported.length === 0) return null;
  return supported.reduce<number>((s, v) => s + bit(v), 0) / supported.length;
}

/**
 * Σᵢ (precision@i · vᵢ) / (Σ vᵢ + 1e-10) over the retrieved contexts in rank order, vᵢ = 1 when
 * context i was useful for the reference answer. Null for no contexts (RAGAS refuses an empty
 * `retrieved_contexts`).
 */
export function contextPrecision(useful: readonly Verdict[]): number | null {
  if (useful.length === 0) return null;
  const v = useful.map(bit);
  let hits = 0;
  let numerator = 0;
  v.forEach((vi, i) => {
    hits += vi;
    numerator += (hits / (i + 1)) * vi;
  });
  return numerator / (hits + CONTEXT_PRECISION_EPSILON);
}

/** Reference statements attributable to the context / reference statements; null without statements. */
export function contextRecall(attributable: readonly Verdict[]): number | null {
  if (attributable.length === 0) return null;
  return attributable.reduce<number>((s, v) => s + bit(v), 0) / attributable.length;
}

/**
 * Cosine similarity (dot product over the product of the L2 norms, as RAGAS computes it); NaN for a
 * zero vector. Clamped to [-1, 1]: rounding can put two equal float32 vectors at 1 + 2e-16.
 */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`vectors differ in length: ${a.length} vs ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const c = dot / (Math.sqrt(na) * Math.sqrt(nb));
  return Number.isNaN(c) ? c : Math.min(1, Math.max(-1, c));
}

/**
 * Mean cosine(question, generated question i), times 0 when the generations are non-committal:
 * by default when every one is (RAGAS collections, METRICS.md), with `'any'` when at least one is
 * (RAGAS legacy). Null without generated questions.
 */
export function answerRelevancy(
  questionVec: ArrayLike<number>,
  generatedVecs: readonly ArrayLike<number>[],
  noncommittal: readonly Verdict[],
  rule: NoncommittalRule = 'all',
): number | null {
  if (generatedVecs.length !== noncommittal.length) {
    throw new RangeError(`${generatedVecs.length} generated questions but ${noncommittal.length} non-committal flags`);
  }
  if (generatedVecs.length === 0) return null;
  const flags = noncommittal.map(bit);
  const zeroed = rule === 'all' ? flags.every((f) => f === 1) : flags.some((f) => f === 1);
  const meanCos = generatedVecs.reduce((s, g) => s + cosine(g, questionVec), 0) / generatedVecs.length;
  if (!Number.isFinite(meanCos)) return null;
  return zeroed ? 0 : meanCos;
}

/** cosine(emb(reference), emb(answer)); null when a vector is all zeros. */
export function semanticSimilarity(referenceVec: ArrayLike<number>, answerVec: ArrayLike<number>): number | null {
  const c = cosine(referenceVec, answerVec);
  return Number.isFinite(c) ? c : null;
}
