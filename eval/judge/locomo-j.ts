/**
 * LoCoMo J (METRICS.md, as published memory systems report it): a judge labels each answer
 * CORRECT or WRONG, generously (same topic counts; any format of the same date counts), for LoCoMo
 * categories 1–4 only (multi-hop, temporal, open-domain, single-hop; category 5, adversarial, has
 * no gold answer to compare with). J = the mean of CORRECT over the judged answers; answers whose
 * verdict stayed invalid after the retries are errors, left out of J and counted.
 */
import { z } from 'zod';
import { mean } from '../metrics/stats';
import type { JudgeModel } from './model';
import { loadPrompt, promptRef, type JudgePrompt } from './prompt-file';
import { judgeStructured, type JudgeCallOptions } from './structured';

export const locomoJSchema = z.object({
  reason: z.string().trim().min(1).optional(),
  label: z.enum(['CORRECT', 'WRONG']),
});

export const locomoJPrompt = (): JudgePrompt => loadPrompt('locomo-j');

/** LoCoMo's numeric categories 1–4 and the names eval/datasets/locomo.ts gives them. */
const J_CATEGORIES = new Set<string | number>([1, 2, 3, 4, 'multi-hop', 'temporal', 'open-domain', 'single-hop']);

export function locomoJApplies(category: string | number): boolean {
  return J_CATEGORIES.has(category);
}

export interface LocomoJInput {
  question: string;
  /** the gold answer */
  reference: string;
  answer: string;
  /** when given, must be a category J is defined for (1–4) */
  category?: string | number;
}

export type LocomoJVerdict =
  | { ok: true; correct: boolean; reason?: string; attempts: number; prompt: string }
  | { ok: false; error: string; attempts: number; prompt: string };

export async function locomoJ(model: JudgeModel, input: LocomoJInput, options: JudgeCallOptions = {}): Promise<LocomoJVerdict> {
  if (input.category !== undefined && !locomoJApplies(input.category)) {
    throw new RangeError(`LoCoMo J is defined for categories 1–4 only, not ${JSON.stringify(input.category)}`);
  }
  const out = await judgeStructured(model, locomoJPrompt(), { question: input.question, reference: input.reference, answer: input.answer }, locomoJSchema, options);
  if (!out.ok) return { ok: false, error: out.error, attempts: out.attempts.length, prompt: out.prompt };
  return { ok: true, correct: out.value.label === 'CORRECT', ...(out.value.reason ? { reason: out.value.reason } : {}), attempts: out.attempts.length, prompt: out.prompt };
}

export interface LocomoJScore {
  /** mean of CORRECT over valid verdicts; NaN without one */
  j: number;
  n: number;
  correct: number;
  errors: number;
  prompt: string;
}

export function locomoJScore(verdicts: readonly LocomoJVerdict[]): LocomoJScore {
  const valid = verdicts.filter((v): v is Extract<LocomoJVerdict, { ok: true }> => v.ok);
  return {
    j: mean(valid.map((v) => (v.correct ? 1 : 0))),
    n: valid.length,
    correct: valid.filter((v) => v.correct).length,
    errors: verdicts.length - valid.length,
    prompt: promptRef(locomoJPrompt()),
  };
}
