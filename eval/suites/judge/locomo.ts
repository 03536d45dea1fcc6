/** LoCoMo J over every candidate answer, checked against the dataset's quality labels. */
import { QUALITIES, type JudgeItem } from '../../judge/dataset';
import { locomoJ, locomoJScore, type LocomoJVerdict } from '../../judge/locomo-j';
import type { JudgeModel } from '../../judge/model';
import type { SuiteContext } from '../../harness/suite';
import type { JudgeSuiteConfig } from './config';
import { answers, type Answer, judgeEach } from './units';

export interface JudgedAnswer extends Answer {
  verdict: LocomoJVerdict;
}

export async function runLocomoJ(ctx: SuiteContext, model: JudgeModel, items: readonly JudgeItem[], cfg: JudgeSuiteConfig): Promise<JudgedAnswer[]> {
  const jobs = answers(items);
  const out = await judgeEach(ctx, jobs, 'judge LoCoMo J', cfg.concurrency, async (a): Promise<JudgedAnswer> => {
    const verdict = await locomoJ(model, { question: a.item.question, reference: a.item.reference, answer: a.candidate.text }, { maxAttempts: cfg.maxAttempts, signal: ctx.signal });
    return { ...a, verdict };
  });
  for (const a of out) {
    const v = a.verdict;
    ctx.row({
      case: `${a.item.id}/${a.candidate.id}/locomo-j`,
      kind: 'locomo-j',
      item: a.item.id,
      candidate: a.candidate.id,
      quality: a.candidate.quality,
      label: v.ok ? (v.correct ? 'CORRECT' : 'WRONG') : null,
      attempts: v.attempts,
      ...(v.ok ? {} : { error: `invalid verdict, not scored: ${v.error}` }),
    });
  }
  return out;
}

/** correct → CORRECT, wrong/hallucinated → WRONG; partial answers have no expected label. */
const expected = (q: string): boolean | undefined => (q === 'correct' ? true : q === 'partial' ? undefined : false);

export function emitLocomoJ(ctx: SuiteContext, judged: readonly JudgedAnswer[], offlineNote: string | undefined): void {
  const score = locomoJScore(judged.map((a) => a.verdict));
  const suffix = offlineNote ? ` — ${offlineNote}` : '';
  const labelled = judged.flatMap((a) => {
    const e = expected(a.candidate.quality);
    return a.verdict.ok && e !== undefined ? [a.verdict.correct === e ? 1 : 0] : [];
  });
  ctx.metric('locomo_j_label_agreement', labelled.length ? labelled.reduce((s, x) => s + x, 0) / labelled.length : null, 'ratio', {
    n: labelled.length,
    higherIsBetter: true,
    headline: true,
    definition: `share of answers labelled correct that J calls CORRECT and of answers labelled wrong/hallucinated that J calls WRONG (partial answers left out)${suffix}`,
  });
  ctx.metric('locomo_j_all_candidates', score.j, 'ratio', { n: score.n, higherIsBetter: true, definition: `LoCoMo J (METRICS.md; ${score.prompt}) over every candidate answer — a mix of good and bad answers by design` });
  ctx.metric('locomo_j_errors', score.errors, 'verdicts', { higherIsBetter: false, definition: 'invalid verdicts after retries (left out of J)' });
  ctx.table(
    'LoCoMo J by labelled quality',
    ['quality', 'answers', 'CORRECT', 'WRONG', 'errors', 'J'],
    QUALITIES.map((q) => {
      const s = locomoJScore(judged.filter((a) => a.candidate.quality === q).map((a) => a.verdict));
      return [q, s.n + s.errors, s.correct, s.n - s.correct, s.errors, s.j];
    }),
  );
}
