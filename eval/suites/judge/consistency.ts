/** Every answer judged under the original question and each paraphrase; rows, metrics and a table. */
import { summariseConsistency, judgeParaphrases, type ParaphraseResult } from '../../judge/consistency';
import type { JudgeItem } from '../../judge/dataset';
import type { JudgeModel } from '../../judge/model';
import type { SuiteContext } from '../../harness/suite';
import type { JudgeSuiteConfig } from './config';
import { answers, type Answer, judgeEach } from './units';

export interface ParaphrasedAnswer extends Answer {
  result: ParaphraseResult;
}

export async function runParaphrases(ctx: SuiteContext, model: JudgeModel, items: readonly JudgeItem[], cfg: JudgeSuiteConfig): Promise<ParaphrasedAnswer[]> {
  const jobs = answers(items);
  const out = await judgeEach(ctx, jobs, 'judge paraphrases', cfg.concurrency, async (a): Promise<ParaphrasedAnswer> => {
    const result = await judgeParaphrases(model, cfg.paraphraseCriterion, { phrasings: [a.item.question, ...a.item.paraphrases], reference: a.item.reference, answer: a.candidate.text }, { maxAttempts: cfg.maxAttempts, signal: ctx.signal });
    return { ...a, result };
  });
  for (const a of out) {
    for (const v of a.result.verdicts) {
      ctx.row({
        case: `${a.item.id}/${a.candidate.id}/phrasing${v.phrasing}`,
        kind: 'paraphrase',
        item: a.item.id,
        candidate: a.candidate.id,
        quality: a.candidate.quality,
        criterion: a.result.criterion,
        phrasing: v.phrasing,
        question: v.question,
        score: v.score ?? null,
        attempts: v.attempts,
        ...(v.error !== undefined ? { error: `invalid verdict, not scored: ${v.error}` } : {}),
      });
    }
  }
  return out;
}

export function emitParaphrases(ctx: SuiteContext, judged: readonly ParaphrasedAnswer[], cfg: JudgeSuiteConfig, offlineNote: string | undefined): void {
  const s = summariseConsistency(judged.map((a) => a.result));
  const suffix = offlineNote ? ` — ${offlineNote}` : '';
  ctx.metric('paraphrase_mad_mean', s.meanMad, 'score', { n: s.compared, higherIsBetter: false, headline: true, definition: `mean over answers of the mean absolute deviation of the ${cfg.paraphraseCriterion} score across the original question and its paraphrases (temperature 0)${suffix}` });
  ctx.metric('paraphrase_spread_mean', s.meanSpread, 'score', { n: s.compared, higherIsBetter: false, definition: 'mean over answers of max − min of the score across phrasings' });
  ctx.metric('paraphrase_spread_max', s.maxSpread, 'score', { higherIsBetter: false, definition: 'largest max − min of one answer across phrasings' });
  ctx.metric('paraphrase_unstable_share', s.unstableShare, 'ratio', { n: s.compared, higherIsBetter: false, definition: 'answers whose score changes with the phrasing of the question' });
  ctx.metric('paraphrase_errors', s.errors, 'verdicts', { higherIsBetter: false, definition: 'invalid verdicts after retries (not scored)' });
  ctx.table(
    `paraphrase consistency (${cfg.paraphraseCriterion})`,
    ['item', 'candidate', 'scores by phrasing (original first)', 'spread', 'MAD'],
    judged.map((a) => [a.item.id, a.candidate.id, a.result.verdicts.map((v) => (v.score === undefined ? 'err' : String(v.score))).join(' '), a.result.spread.spread, a.result.spread.mad]),
  );
}
