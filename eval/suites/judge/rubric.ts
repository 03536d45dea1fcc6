/** Rubric judging for every answer and criterion (samples per answer), its rows, metrics and tables. */
import { QUALITIES, type JudgeItem } from '../../judge/dataset';
import type { JudgeModel } from '../../judge/model';
import { promptRef } from '../../judge/prompt-file';
import { judgeRubric, rubricPrompt, summariseCriterion, type Criterion, type RubricResult } from '../../judge/rubric';
import { mean } from '../../metrics/stats';
import type { SuiteContext } from '../../harness/suite';
import type { JudgeSuiteConfig } from './config';
import { answers, excerpt, metricKey, type Answer, judgeEach } from './units';

export interface RubricUnit extends Answer {
  criterion: Criterion;
  result: RubricResult;
}

export async function runRubric(ctx: SuiteContext, model: JudgeModel, items: readonly JudgeItem[], cfg: JudgeSuiteConfig): Promise<RubricUnit[]> {
  const jobs = answers(items).flatMap((a) => cfg.criteria.map((criterion) => ({ ...a, criterion })));
  const units = await judgeEach(ctx, jobs, 'judge rubric', cfg.concurrency, async (job): Promise<RubricUnit> => {
    const { item, candidate } = job;
    const result = await judgeRubric(model, job.criterion, { question: item.question, reference: item.reference, answer: candidate.text }, { samples: cfg.samples, temperature: cfg.temperature, maxAttempts: cfg.maxAttempts, signal: ctx.signal });
    return { ...job, result };
  });
  for (const u of units) {
    for (const s of u.result.samples) {
      ctx.row({
        case: `${u.item.id}/${u.candidate.id}/${u.criterion}/s${s.sample}`,
        kind: 'rubric',
        item: u.item.id,
        candidate: u.candidate.id,
        quality: u.candidate.quality,
        criterion: u.criterion,
        sample: s.sample,
        score: s.score ?? null,
        reason: s.reason ?? null,
        attempts: s.attempts,
        ...(s.error !== undefined ? { error: `invalid verdict, not scored: ${s.error}` } : {}),
      });
    }
  }
  return units;
}

export function emitRubric(ctx: SuiteContext, units: readonly RubricUnit[], cfg: JudgeSuiteConfig, offlineNote: string | undefined): void {
  const by = (c: string) => units.filter((u) => u.criterion === c).map((u) => u.result);
  const summaries = cfg.criteria.map((c) => summariseCriterion(c, by(c)));
  const suffix = offlineNote ? ` — ${offlineNote}` : '';
  for (const s of summaries) {
    const k = metricKey(s.criterion);
    ctx.metric(`rubric_${k}_mean`, s.meanScore, 'score 1-5', { n: s.scored, higherIsBetter: true, definition: `mean over answers of the mean of the valid samples (rubric-${s.criterion}); invalid verdicts are not scored${suffix}` });
    ctx.metric(`rubric_${k}_errors`, s.errors, 'verdicts', { n: s.samples, higherIsBetter: false, definition: 'samples whose verdict was still invalid after every attempt (never scored)' });
    ctx.metric(`rubric_${k}_sample_disagreement`, s.disagreementShare, 'ratio', { n: s.comparable, higherIsBetter: false, definition: 'answers whose valid samples do not all agree / answers with ≥ 2 valid samples' });
  }
  const all = units.map((u) => u.result);
  const overall = summariseCriterion('all', all);
  ctx.metric('rubric_errors', overall.errors, 'verdicts', { n: overall.samples, higherIsBetter: false, headline: true, definition: 'invalid verdicts after retries, all criteria (listed in "rubric errors")' });
  ctx.metric('rubric_sample_disagreement', overall.disagreementShare, 'ratio', { n: overall.comparable, higherIsBetter: false, headline: true, definition: `share of (answer, criterion) whose ${cfg.samples} samples at temperature ${cfg.temperature} disagree` });
  ctx.metric('rubric_sample_stddev_mean', overall.meanStddev, 'score', { n: overall.comparable, higherIsBetter: false, definition: 'mean over (answer, criterion) of the sample standard deviation (n − 1) of the scores' });
  ctx.metric('rubric_sample_spread_max', overall.maxSpread, 'score', { higherIsBetter: false, definition: 'largest max − min of one answer’s samples on one criterion' });
  const retried = all.flatMap((r) => r.samples).filter((s) => s.score !== undefined && s.attempts > 1).length;
  ctx.metric('rubric_fixed_on_retry', retried, 'verdicts', { higherIsBetter: false, definition: 'valid verdicts that needed more than one attempt (the refusal was shown to the judge)' });
  ctx.metric('factual_accuracy_separation', separation(units), 'score', {
    higherIsBetter: true,
    headline: true,
    definition: `mean factual-accuracy score of the answers labelled correct − mean of those labelled wrong or hallucinated (a judge that cannot tell them apart scores ≈ 0)${suffix}`,
  });

  ctx.table(
    'rubric by criterion',
    ['criterion', 'prompt', 'answers', 'scored', 'samples', 'errors', 'mean', 'mean stddev', 'mean spread', 'max spread', 'samples disagree'],
    summaries.map((s) => [s.criterion, promptRef(rubricPrompt(s.criterion as Criterion)), s.units, s.scored, s.samples, s.errors, s.meanScore, s.meanStddev, s.meanSpread, s.maxSpread, s.disagreementShare]),
  );
  ctx.table(
    'rubric mean score by labelled quality',
    ['criterion', ...QUALITIES],
    cfg.criteria.map((c) => [c, ...QUALITIES.map((q) => mean(units.filter((u) => u.criterion === c && u.candidate.quality === q && u.result.stats.n > 0).map((u) => u.result.stats.mean)))]),
  );
  const errors = units.flatMap((u) => u.result.samples.filter((s) => s.error !== undefined).map((s) => [u.item.id, u.candidate.id, u.criterion, s.sample, s.attempts, s.error ?? '', excerpt(s.lastRaw)] as const));
  ctx.table('rubric errors (invalid verdicts, not scored)', ['item', 'candidate', 'criterion', 'sample', 'attempts', 'error', 'last reply'], errors);
}

function separation(units: readonly RubricUnit[]): number | null {
  const fa = units.filter((u) => u.criterion === 'factual-accuracy' && u.result.stats.n > 0);
  if (fa.length === 0) return null;
  const good = fa.filter((u) => u.candidate.quality === 'correct').map((u) => u.result.stats.mean);
  const bad = fa.filter((u) => u.candidate.quality === 'wrong' || u.candidate.quality === 'hallucinated').map((u) => u.result.stats.mean);
  return mean(good) - mean(bad);
}
