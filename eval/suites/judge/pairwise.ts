/** Pairwise judging of every pair of candidates of an item, both orders; rows, metrics and tables. */
import type { JudgeItem } from '../../judge/dataset';
import type { JudgeModel } from '../../judge/model';
import { judgePair, summarisePairs, type PairResult } from '../../judge/pairwise';
import type { SuiteContext } from '../../harness/suite';
import type { JudgeSuiteConfig } from './config';
import { pairs, type Pair, judgeEach } from './units';

export interface JudgedPair extends Pair {
  result: PairResult;
}

export async function runPairwise(ctx: SuiteContext, model: JudgeModel, items: readonly JudgeItem[], cfg: JudgeSuiteConfig): Promise<JudgedPair[]> {
  const jobs = pairs(items);
  const judged = await judgeEach(ctx, jobs, 'judge pairwise', cfg.concurrency, async (p): Promise<JudgedPair> => {
    const result = await judgePair(model, { question: p.item.question, reference: p.item.reference, first: p.first.text, second: p.second.text }, { maxAttempts: cfg.maxAttempts, temperature: 0, signal: ctx.signal });
    return { ...p, result };
  });
  for (const p of judged) {
    const [ab, ba] = p.result.orders;
    ctx.row({
      case: `${p.item.id}/${p.first.id}~${p.second.id}`,
      kind: 'pairwise',
      item: p.item.id,
      first: p.first.id,
      second: p.second.id,
      expected: p.ordered ? 'first' : 'either',
      verdict_first_as_A: ab.slot ?? null,
      verdict_first_as_B: ba.slot ?? null,
      outcome: p.result.outcome ?? null,
      position_biased: p.result.positionBiased ?? null,
      attempts: ab.attempts + ba.attempts,
      ...(p.result.error !== undefined ? { error: `invalid verdict, pair not counted: ${p.result.error}` } : {}),
    });
  }
  return judged;
}

export function emitPairwise(ctx: SuiteContext, judged: readonly JudgedPair[], offlineNote: string | undefined): void {
  const ordered = summarisePairs(judged.filter((p) => p.ordered).map((p) => p.result));
  const all = summarisePairs(judged.map((p) => p.result));
  const suffix = offlineNote ? ` — ${offlineNote}` : '';
  const over = 'over pairs whose first answer is labelled better (correct > partial > wrong/hallucinated), both orders judged';
  ctx.metric('pairwise_win_rate', ordered.winRate, 'ratio', { n: ordered.judged, higherIsBetter: true, headline: true, definition: `the answer labelled better wins in both orders (MT-Bench rule), ${over}${suffix}` });
  ctx.metric('pairwise_loss_rate', ordered.lossRate, 'ratio', { n: ordered.judged, higherIsBetter: false, definition: `the answer labelled worse wins in both orders, ${over}` });
  ctx.metric('pairwise_tie_rate', ordered.tieRate, 'ratio', { n: ordered.judged, higherIsBetter: false, definition: `both orders say tie, ${over}` });
  ctx.metric('pairwise_inconsistent_rate', ordered.inconsistentRate, 'ratio', { n: ordered.judged, higherIsBetter: false, headline: true, definition: `the two orders disagree (MT-Bench "inconsistent"), ${over}` });
  ctx.metric('pairwise_position_bias_rate', all.positionBiasRate, 'ratio', { n: all.judged, higherIsBetter: false, headline: true, definition: 'pairs where both orders picked the same slot (A twice or B twice): the verdict followed the position; over every judged pair' });
  ctx.metric('pairwise_first_slot_share', all.firstSlotShare, 'ratio', { higherIsBetter: false, definition: 'single-order verdicts (ties excluded) that picked the answer shown first; 0.5 is unbiased' });
  ctx.metric('pairwise_errors', all.errors, 'pairs', { n: all.pairs, higherIsBetter: false, definition: 'pairs with an invalid verdict in either order after retries (not counted in any rate)' });
  const groups = new Map<string, JudgedPair[]>();
  for (const p of judged) {
    const key = `${p.first.quality} vs ${p.second.quality}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  ctx.table(
    'pairwise by labelled quality (first vs second)',
    ['pair', 'pairs', 'win', 'loss', 'tie', 'inconsistent', 'position-biased', 'errors'],
    [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, ps]) => {
      const s = summarisePairs(ps.map((p) => p.result));
      return [key, s.pairs, s.win, s.loss, s.tie, s.inconsistent, ps.filter((p) => p.result.positionBiased).length, s.errors];
    }),
  );
}
