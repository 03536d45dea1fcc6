/**
 * Test support (not production code): BM25 written out plainly over token lists, the reference the
 * SQL ranking of serve/memory/store/pg-bm25.ts is checked against.
 *   score(d) = Σ_{t ∈ set(query)} idf(t) · tf(t,d)·(k1 + 1) / (tf(t,d) + k1·(1 − b + b·|d| / avg|d|))
 *   idf(t)   = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
 * N, df and avg|d| are over every doc given; `only` restricts which docs are scored (a filter
 * does not change the statistics). Docs that contain no query term are not returned.
 */
export interface ReferenceDoc {
  id: string;
  /** The analysed tokens, repeated as often as they occur; |d| is the length of this list. */
  tokens: readonly string[];
}

export function referenceBm25(
  docs: readonly ReferenceDoc[],
  query: readonly string[],
  params: { k1: number; b: number },
  only?: (id: string) => boolean,
): Map<string, number> {
  const { k1, b } = params;
  const n = docs.length;
  const avgLen = docs.reduce((s, d) => s + d.tokens.length, 0) / n;
  const terms = [...new Set(query)];
  const df = new Map(terms.map((t) => [t, docs.filter((d) => d.tokens.includes(t)).length]));
  const scores = new Map<string, number>();
  for (const d of docs) {
    if (only && !only(d.id)) continue;
    let score = 0;
    let matched = false;
    for (const t of terms) {
      const tf = d.tokens.filter((x) => x === t).length;
      if (tf === 0) continue;
      matched = true;
      const dft = df.get(t) as number;
      const idf = Math.log(1 + (n - dft + 0.5) / (dft + 0.5));
      score += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * d.tokens.length) / avgLen));
    }
    if (matched) scores.set(d.id, score);
  }
  return scores;
}
