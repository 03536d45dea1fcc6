/**
 * Pairwise judging with position swap (the MT-Bench rule): the pair is judged as (A, B) and as
 * (B, A); a winner counts only when both orders name the same answer, a tie only when both say
 * tie, and anything else is "inconsistent". A pair where both orders pick the same *slot* (first
 * both times, or second both times) is position-biased: the verdict followed the position, not
 * the answer.
 */
import { z } from 'zod';
import type { JudgeModel } from './model';
import { loadPrompt, promptRef, type JudgePrompt } from './prompt-file';
import { judgeStructured, type JudgeCallOptions } from './structured';

export const pairwiseVerdictSchema = z.object({
  winner: z.enum(['A', 'B', 'tie']),
  reason: z.string().trim().min(1),
});
export type Slot = z.infer<typeof pairwiseVerdictSchema>['winner'];

/** From the first answer's point of view. */
export type PairOutcome = 'win' | 'loss' | 'tie' | 'inconsistent';

export const pairwisePrompt = (): JudgePrompt => loadPrompt('pairwise');

export interface PairInput {
  question: string;
  reference: string;
  /** the first answer ("ours"): win/loss are from its side */
  first: string;
  second: string;
}

export interface OrderVerdict {
  /** 'first-second': first shown as A; 'second-first': first shown as B */
  order: 'first-second' | 'second-first';
  slot?: Slot;
  reason?: string;
  error?: string;
  attempts: number;
}

export interface PairResult {
  prompt: string;
  orders: [OrderVerdict, OrderVerdict];
  /** absent when either order has no valid verdict */
  outcome?: PairOutcome;
  /** both orders picked the same slot (A, A) or (B, B) */
  positionBiased?: boolean;
  error?: string;
}

/** What one order's slot means for the first answer. */
function forFirst(order: OrderVerdict['order'], slot: Slot): 'first' | 'second' | 'tie' {
  if (slot === 'tie') return 'tie';
  const firstIsA = order === 'first-second';
  return (slot === 'A') === firstIsA ? 'first' : 'second';
}

/** The MT-Bench combination of the two orders' slots (pure). */
export function combineOrders(ab: Slot, ba: Slot): { outcome: PairOutcome; positionBiased: boolean } {
  const x = forFirst('first-second', ab);
  const y = forFirst('second-first', ba);
  const positionBiased = ab !== 'tie' && ab === ba;
  if (x !== y) return { outcome: 'inconsistent', positionBiased };
  return { outcome: x === 'first' ? 'win' : x === 'second' ? 'loss' : 'tie', positionBiased };
}

async function judgeOrder(model: JudgeModel, input: PairInput, order: OrderVerdict['order'], options: JudgeCallOptions): Promise<OrderVerdict> {
  const [a, b] = order === 'first-second' ? [input.first, input.second] : [input.second, input.first];
  const out = await judgeStructured(model, pairwisePrompt(), { question: input.question, reference: input.reference, answer_a: a, answer_b: b }, pairwiseVerdictSchema, options);
  if (out.ok) return { order, slot: out.value.winner, reason: out.value.reason, attempts: out.attempts.length };
  return { order, error: out.error, attempts: out.attempts.length };
}

export async function judgePair(model: JudgeModel, input: PairInput, options: JudgeCallOptions = {}): Promise<PairResult> {
  const ab = await judgeOrder(model, input, 'first-second', options);
  const ba = await judgeOrder(model, input, 'second-first', options);
  const prompt = promptRef(pairwisePrompt());
  if (ab.slot === undefined || ba.slot === undefined) {
    return { prompt, orders: [ab, ba], error: [ab.error && `(A=first) ${ab.error}`, ba.error && `(A=second) ${ba.error}`].filter(Boolean).join('; ') };
  }
  return { prompt, orders: [ab, ba], ...combineOrders(ab.slot, ba.slot) };
}

export interface PairSummary {
  pairs: number;
  /** pairs with both verdicts valid: the denominator of every rate */
  judged: number;
  errors: number;
  win: number;
  loss: number;
  tie: number;
  inconsistent: number;
  winRate: number;
  lossRate: number;
  tieRate: number;
  inconsistentRate: number;
  /** position-biased pairs / judged pairs */
  positionBiasRate: number;
  /** share of single-order verdicts (ties excluded) that picked slot A */
  firstSlotShare: number;
}

export function summarisePairs(results: readonly Pick<PairResult, 'outcome' | 'positionBiased' | 'orders'>[]): PairSummary {
  const judged = results.filter((r) => r.outcome !== undefined);
  const count = (o: PairOutcome) => judged.filter((r) => r.outcome === o).length;
  const rate = (k: number) => (judged.length > 0 ? k / judged.length : Number.NaN);
  const slots = judged.flatMap((r) => r.orders.map((o) => o.slot)).filter((s) => s === 'A' || s === 'B');
  const [win, loss, tie, inconsistent] = [count('win'), count('loss'), count('tie'), count('inconsistent')];
  return {
    pairs: results.length,
    judged: judged.length,
    errors: results.length - judged.length,
    win,
    loss,
    tie,
    inconsistent,
    winRate: rate(win),
    lossRate: rate(loss),
    tieRate: rate(tie),
    inconsistentRate: rate(inconsistent),
    positionBiasRate: rate(judged.filter((r) => r.positionBiased).length),
    firstSlotShare: slots.length > 0 ? slots.filter((s) => s === 'A').length / slots.length : Number.NaN,
  };
}
