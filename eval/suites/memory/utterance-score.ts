/**
 * Unit-fair retrieval scores: the same ruler for every chunking strategy. A memory made of one
 * utterance and a memory made of six are not the same unit, so these scores rank utterances, not
 * memories, and spend a prompt-token budget instead of a memory count.
 *
 * Utterance order: the retrieved memories are expanded, in retrieved order, into the dataset
 * utterances (turn ids) they were made from; an utterance already listed by a better memory is not
 * listed again; every new utterance of a memory takes the rank of the memory's first new utterance
 * (its place in the expanded list, 1-based), so a memory puts all its utterances at its rank.
 *   utterance_recall_at_k = evidence utterances with rank ≤ k / evidence utterances
 *   utterance_mrr         = 1 / the best rank of an evidence utterance (0 when none is retrieved)
 * Budget recall: memories are taken in retrieved order, whole or skipped (as the prompt does), while
 * their prompt lines — `- [date, session] text`, counted with the project's tokenizer — fit in B tokens:
 *   budget_recall_B = evidence utterances inside the memories taken / evidence utterances
 */
import { countTokens, formatMemoryLine } from '../../../serve';

export interface UtteranceMemory {
  /** dataset utterance ids the memory was made from */
  turnIds: readonly string[];
}

export interface BudgetMemory extends UtteranceMemory {
  text: string;
  createdAt: string;
  sessionId: string | null;
}

export const UTTERANCE_KS = [5, 10] as const;
export const TOKEN_BUDGETS = [500, 1000, 2000, 4000] as const;

/** Rank (1-based) of every utterance in the retrieved order; see the file comment. */
export function utteranceRanks(ranked: readonly UtteranceMemory[]): Map<string, number> {
  const ranks = new Map<string, number>();
  let next = 1;
  for (const m of ranked) {
    const fresh = [...new Set(m.turnIds)].filter((t) => !ranks.has(t));
    for (const t of fresh) ranks.set(t, next);
    next += fresh.length;
  }
  return ranks;
}

export interface UtteranceScores {
  recall: Record<number, number>;
  rr: number;
}

export function scoreUtterances(ranked: readonly UtteranceMemory[], evidence: readonly string[], ks: readonly number[] = UTTERANCE_KS): UtteranceScores {
  const ev = [...new Set(evidence)];
  if (ev.length === 0) throw new RangeError('scoreUtterances needs at least one evidence utterance');
  const ranks = utteranceRanks(ranked);
  const evRanks = ev.map((t) => ranks.get(t)).filter((r): r is number => r !== undefined);
  const recall: Record<number, number> = {};
  for (const k of ks) recall[k] = evRanks.filter((r) => r <= k).length / ev.length;
  return { recall, rr: evRanks.length === 0 ? 0 : 1 / Math.min(...evRanks) };
}

/** Prompt tokens of one memory line, as the prompt counts it (a newline and the formatted line). */
export function memoryLineTokens(m: BudgetMemory): number {
  return countTokens(`\n${formatMemoryLine({ text: m.text, createdAt: m.createdAt, sessionId: m.sessionId, score: 0 })}`);
}

export function budgetRecall(ranked: readonly BudgetMemory[], evidence: readonly string[], budgets: readonly number[] = TOKEN_BUDGETS, tokens: (m: BudgetMemory) => number = memoryLineTokens): Record<number, number> {
  const ev = new Set(evidence);
  if (ev.size === 0) throw new RangeError('budgetRecall needs at least one evidence utterance');
  const cost = ranked.map(tokens);
  const out: Record<number, number> = {};
  for (const b of budgets) {
    let used = 0;
    const covered = new Set<string>();
    ranked.forEach((m, i) => {
      const c = cost[i] as number;
      if (used + c > b) return;
      used += c;
      for (const t of m.turnIds) if (ev.has(t)) covered.add(t);
    });
    out[b] = covered.size / ev.size;
  }
  return out;
}
