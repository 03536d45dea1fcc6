/**
 * Per-question scores of the memory suite. Pure functions, no I/O.
 *
 * Retrieval is scored at the evidence level: a retrieved memory is relevant when it was made from at
 * least one evidence turn. recall@k = evidence turns covered by the top k memories / evidence turns;
 * hit rate@k = 1 if any top-k memory is relevant; MRR from the first relevant memory; NDCG@k with
 * binary gains over memories, the ideal ranking built from every memory in the store that covers an
 * evidence turn (METRICS.md: linear gain, log2 discount).
 */
import { ndcgAtK } from '../../metrics/retrieval';
import { answerTokens, exactMatch, locomoF1, locomoMultiAnswerF1, tokenF1 } from '../../metrics/text';

export interface RankedMemory {
  id: string;
  /** dataset turn ids the memory was made from */
  turnIds: readonly string[];
}

export interface RetrievalScores {
  recall: Record<number, number>;
  hit: Record<number, number>;
  precision: Record<number, number>;
  rr: number;
  ndcg: number;
  /** rank (1-based) of the first relevant memory, null if none retrieved */
  firstRelevantRank: number | null;
}

const covers = (m: RankedMemory, turns: ReadonlySet<string>) => m.turnIds.some((t) => turns.has(t));

export function scoreRetrieval(ranked: readonly RankedMemory[], evidence: readonly string[], relevantInStore: ReadonlySet<string>, ks: readonly number[], depth: number): RetrievalScores {
  if (evidence.length === 0) throw new RangeError('scoreRetrieval needs at least one evidence turn');
  const ev = new Set(evidence);
  const recall: Record<number, number> = {};
  const hit: Record<number, number> = {};
  const precision: Record<number, number> = {};
  for (const k of ks) {
    const top = ranked.slice(0, k);
    const covered = new Set(top.flatMap((m) => m.turnIds.filter((t) => ev.has(t))));
    recall[k] = covered.size / ev.size;
    hit[k] = top.some((m) => covers(m, ev)) ? 1 : 0;
    precision[k] = top.filter((m) => covers(m, ev)).length / k;
  }
  const first = ranked.findIndex((m) => covers(m, ev));
  // every memory that covers evidence is judged relevant (gain 1); the store's full set gives IDCG
  const judgments = new Map<string, number>([...relevantInStore].map((id) => [id, 1]));
  for (const m of ranked) if (covers(m, ev)) judgments.set(m.id, 1);
  const ndcg = judgments.size === 0 ? 0 : ndcgAtK(ranked.map((m) => m.id), judgments, depth);
  return { recall, hit, precision, rr: first < 0 ? 0 : 1 / (first + 1), ndcg, firstRelevantRank: first < 0 ? null : first + 1 };
}

export type TemporalOrder = 'newer-first' | 'stale-first' | 'newer-only' | 'stale-only' | 'neither';

/**
 * Where the newer fact and the replaced (stale) one rank. A memory that covers both counts for the
 * newer one. Correct = 'newer-first' or 'newer-only'.
 */
export function temporalOrder(ranked: readonly RankedMemory[], evidence: readonly string[], stale: readonly string[]): TemporalOrder {
  const ev = new Set(evidence);
  const st = new Set(stale);
  const newer = ranked.findIndex((m) => covers(m, ev));
  const old = ranked.findIndex((m) => covers(m, st) && !covers(m, ev));
  if (newer < 0 && old < 0) return 'neither';
  if (newer < 0) return 'stale-only';
  if (old < 0) return 'newer-only';
  return newer < old ? 'newer-first' : 'stale-first';
}

export const temporalCorrect = (o: TemporalOrder): boolean => o === 'newer-first' || o === 'newer-only';

const ABSTAIN = [
  /\bi\s+(?:do\s+not|don['’]t)\s+know\b/i,
  /\b(?:not|never)\s+(?:been\s+)?(?:mentioned|said|told|shared|stated)\b/i,
  /\bno\s+(?:information|record|mention|memory|idea)\b/i,
  /\b(?:can(?:not|['’]t)|could\s*n['’]?o?t|unable\s+to)\s+(?:find|tell|say|recall|remember|determine)\b/i,
  /\bnot\s+(?:sure|known|available)\b/i,
  /\bdon['’]t\s+have\s+(?:that|any|this|enough)\b/i,
];

/** The answer declines to answer ("I don't know", "that was never mentioned", …). */
export function isAbstention(answer: string): boolean {
  const a = answer.trim();
  return a === '' || ABSTAIN.some((re) => re.test(a));
}

export interface AnswerScores {
  /** the LoCoMo paper's F1 rule for the category (multi-hop: comma-split multi-answer F1; open-domain: first ';' part) */
  f1: number;
  /** SQuAD token F1 */
  f1Squad: number;
  em: number;
  /** share of the gold answer's normalised tokens found in the answer (lenient with verbose, extractive answers) */
  goldRecall: number;
}

/** Scores of an answer against a gold answer (answerable questions only). */
export function scoreAnswer(prediction: string, reference: string, category: string): AnswerScores {
  const ref = category === 'open-domain' ? (reference.split(';')[0] ?? reference).trim() : reference;
  const f1 = category === 'multi-hop' ? locomoMultiAnswerF1(prediction, ref) : locomoF1(prediction, ref);
  const gold = answerTokens(reference);
  const said = new Set(answerTokens(prediction));
  const goldRecall = gold.length === 0 ? 0 : gold.filter((t) => said.has(t)).length / gold.length;
  return { f1, f1Squad: tokenF1(prediction, reference), em: exactMatch(prediction, reference), goldRecall };
}
