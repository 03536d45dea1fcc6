/**
 * Rubric judging: one criterion, a 1–5 integer score and a reason, validated by a schema (an
 * invalid verdict is retried, then recorded as an error and never scored). Several samples per
 * answer show how stable the judge is: mean, sample standard deviation, spread (max − min), and
 * whether the samples disagree.
 */
import { z } from 'zod';
import { mean, stddev } from '../metrics/stats';
import type { JudgeModel } from './model';
import { loadPrompt, promptRef, type JudgePrompt } from './prompt-file';
import { judgeStructured, type JudgeCallOptions } from './structured';

export const CRITERIA = ['relevance', 'coherence', 'fluency', 'factual-accuracy', 'completeness', 'consistency'] as const;
export type Criterion = (typeof CRITERIA)[number];
export const SCORE_LABELS = [1, 2, 3, 4, 5] as const;

export const rubricVerdictSchema = z.object({
  score: z.number().int().min(1).max(5),
  reason: z.string().trim().min(1),
});
export type RubricVerdict = z.infer<typeof rubricVerdictSchema>;

export function isCriterion(x: string): x is Criterion {
  return (CRITERIA as readonly string[]).includes(x);
}

/** The prompt file of a criterion: eval/judge/prompts/rubric-<criterion>.md. */
export function rubricPrompt(c: Criterion): JudgePrompt {
  return loadPrompt(`rubric-${c}`);
}

export interface RubricInput {
  question: string;
  reference: string;
  answer: string;
}

export interface RubricSample {
  sample: number;
  /** absent when the verdict was invalid after every attempt */
  score?: number;
  reason?: string;
  error?: string;
  attempts: number;
  /** the last raw reply (for listing errors) */
  lastRaw?: string;
}

export interface RubricResult {
  criterion: Criterion;
  prompt: string;
  samples: RubricSample[];
  stats: SampleStats;
}

export interface RubricOptions extends Omit<JudgeCallOptions, 'temperature'> {
  /** verdicts per answer (default 1) */
  samples?: number;
  /** default 0 for one sample; must be > 0 for several (identical samples measure nothing) */
  temperature?: number;
}

/** Check the sampling settings: several samples at temperature 0 would only repeat one verdict. */
export function samplingTemperature(samples: number, temperature: number | undefined): number {
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`samples must be an integer ≥ 1, got ${samples}`);
  const t = temperature ?? (samples > 1 ? 0.7 : 0);
  if (samples > 1 && !(t > 0)) throw new RangeError(`temperature must be > 0 when samples > 1 (got ${t})`);
  return t;
}

/** One sample = one judge call; the sample number is not shown to the judge. */
export async function judgeRubricSample(model: JudgeModel, c: Criterion, input: RubricInput, sample: number, options: JudgeCallOptions = {}): Promise<RubricSample> {
  const out = await judgeStructured(model, rubricPrompt(c), { question: input.question, reference: input.reference, answer: input.answer }, rubricVerdictSchema, options);
  const lastRaw = out.attempts[out.attempts.length - 1]?.raw;
  if (out.ok) return { sample, score: out.value.score, reason: out.value.reason, attempts: out.attempts.length };
  return { sample, error: out.error, attempts: out.attempts.length, ...(lastRaw !== undefined ? { lastRaw } : {}) };
}

/** All samples of one answer on one criterion, one after another. */
export async function judgeRubric(model: JudgeModel, c: Criterion, input: RubricInput, options: RubricOptions = {}): Promise<RubricResult> {
  const n = options.samples ?? 1;
  const temperature = samplingTemperature(n, options.temperature);
  const samples: RubricSample[] = [];
  for (let k = 0; k < n; k++) samples.push(await judgeRubricSample(model, c, input, k, { ...options, temperature }));
  return { criterion: c, prompt: promptRef(rubricPrompt(c)), samples, stats: sampleStats(samples) };
}

export interface SampleStats {
  /** valid scores */
  n: number;
  errors: number;
  /** NaN without a valid score */
  mean: number;
  /** sample standard deviation (n − 1); NaN below 2 valid scores */
  stddev: number;
  /** max − min; NaN without a valid score */
  spread: number;
  /** the samples disagree (spread > 0); undefined below 2 valid scores (nothing to compare) */
  disagree?: boolean;
  /** the lower median of the valid scores: always one of the given scores (used against people) */
  median?: number;
}

export function sampleStats(samples: readonly Pick<RubricSample, 'score'>[]): SampleStats {
  const scores = samples.flatMap((s) => (s.score === undefined ? [] : [s.score]));
  const errors = samples.length - scores.length;
  if (scores.length === 0) return { n: 0, errors, mean: Number.NaN, stddev: Number.NaN, spread: Number.NaN };
  const sorted = [...scores].sort((a, b) => a - b);
  const spread = (sorted[sorted.length - 1] as number) - (sorted[0] as number);
  return {
    n: scores.length,
    errors,
    mean: mean(scores),
    stddev: stddev(scores),
    spread,
    ...(scores.length >= 2 ? { disagree: spread > 0 } : {}),
    median: sorted[Math.floor((sorted.length - 1) / 2)] as number,
  };
}

export interface CriterionSummary {
  criterion: string;
  /** answers (item × candidate) judged */
  units: number;
  /** answers with at least one valid score */
  scored: number;
  /** samples in all, and the invalid ones */
  samples: number;
  errors: number;
  /** mean over answers of the per-answer mean score */
  meanScore: number;
  meanStddev: number;
  meanSpread: number;
  maxSpread: number;
  /** answers whose valid samples disagree / answers with ≥ 2 valid samples */
  disagreementShare: number;
  comparable: number;
}

export function summariseCriterion(criterion: string, results: readonly { stats: SampleStats; samples: readonly RubricSample[] }[]): CriterionSummary {
  const scored = results.filter((r) => r.stats.n > 0);
  const comparable = results.filter((r) => r.stats.disagree !== undefined);
  const finiteMean = (xs: number[]) => mean(xs.filter(Number.isFinite));
  return {
    criterion,
    units: results.length,
    scored: scored.length,
    samples: results.reduce((s, r) => s + r.samples.length, 0),
    errors: results.reduce((s, r) => s + r.stats.errors, 0),
    meanScore: mean(scored.map((r) => r.stats.mean)),
    meanStddev: finiteMean(results.map((r) => r.stats.stddev)),
    meanSpread: mean(scored.map((r) => r.stats.spread)),
    maxSpread: scored.length > 0 ? Math.max(...scored.map((r) => r.stats.spread)) : Number.NaN,
    disagreementShare: comparable.length > 0 ? comparable.filter((r) => r.stats.disagree).length / comparable.length : Number.NaN,
    comparable: comparable.length,
  };
}
