/**
 * Consistency across paraphrases: the same answer is judged on one criterion under the original
 * question and under each paraphrase of it. A judge that reads the answer, not the wording of the
 * question, gives the same score every time. Per item: spread (max − min) and the mean absolute
 * deviation from the item's mean score; overall: the mean of the per-item MADs.
 */
import { mean } from '../metrics/stats';
import type { JudgeModel } from './model';
import { judgeRubricSample, rubricPrompt, type Criterion, type RubricSample } from './rubric';
import { promptRef } from './prompt-file';
import type { JudgeCallOptions } from './structured';

export interface ParaphraseInput {
  /** the original question first, then its paraphrases */
  phrasings: readonly string[];
  reference: string;
  answer: string;
}

export interface PhrasingVerdict extends RubricSample {
  /** 0 = the original question */
  phrasing: number;
  question: string;
}

export interface Spread {
  /** phrasings with a valid score */
  n: number;
  mean: number;
  /** max − min */
  spread: number;
  /** mean |scoreᵢ − mean| */
  mad: number;
}

export interface ParaphraseResult {
  criterion: Criterion;
  prompt: string;
  verdicts: PhrasingVerdict[];
  /** over the valid scores; NaN values with fewer than 2 valid scores */
  spread: Spread;
}

/** Spread and mean absolute deviation of one item's scores; NaN below 2 scores (nothing to compare). */
export function paraphraseSpread(scores: readonly number[]): Spread {
  if (scores.length < 2) return { n: scores.length, mean: scores.length === 1 ? (scores[0] as number) : Number.NaN, spread: Number.NaN, mad: Number.NaN };
  const m = mean(scores);
  return { n: scores.length, mean: m, spread: Math.max(...scores) - Math.min(...scores), mad: mean(scores.map((s) => Math.abs(s - m))) };
}

/** One call per phrasing at the given temperature (default 0, so that only the wording changes). */
export async function judgeParaphrases(model: JudgeModel, criterion: Criterion, input: ParaphraseInput, options: JudgeCallOptions = {}): Promise<ParaphraseResult> {
  const verdicts: PhrasingVerdict[] = [];
  for (const [phrasing, question] of input.phrasings.entries()) {
    const v = await judgeRubricSample(model, criterion, { question, reference: input.reference, answer: input.answer }, 0, { temperature: 0, ...options });
    verdicts.push({ ...v, phrasing, question });
  }
  const scores = verdicts.flatMap((v) => (v.score === undefined ? [] : [v.score]));
  return { criterion, prompt: promptRef(rubricPrompt(criterion)), verdicts, spread: paraphraseSpread(scores) };
}

export interface ConsistencySummary {
  items: number;
  /** items with ≥ 2 valid scores */
  compared: number;
  errors: number;
  /** mean over compared items of the per-item MAD */
  meanMad: number;
  meanSpread: number;
  maxSpread: number;
  /** compared items whose scores are not all equal */
  unstableShare: number;
}

export function summariseConsistency(results: readonly Pick<ParaphraseResult, 'spread' | 'verdicts'>[]): ConsistencySummary {
  const compared = results.filter((r) => Number.isFinite(r.spread.spread));
  return {
    items: results.length,
    compared: compared.length,
    errors: results.reduce((s, r) => s + r.verdicts.filter((v) => v.score === undefined).length, 0),
    meanMad: mean(compared.map((r) => r.spread.mad)),
    meanSpread: mean(compared.map((r) => r.spread.spread)),
    maxSpread: compared.length > 0 ? Math.max(...compared.map((r) => r.spread.spread)) : Number.NaN,
    unstableShare: compared.length > 0 ? compared.filter((r) => r.spread.spread > 0).length / compared.length : Number.NaN,
  };
}
