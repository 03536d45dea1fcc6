/** Human evaluation in the suite: write a rating sheet, and compare filled sheets with the judge. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { judgeHumanAgreement, interRaterAgreement, type Agreement } from '../../judge/human-agreement';
import { unitKey, writeRatingSheet, type ParsedSheet, type SheetUnit } from '../../judge/human';
import type { SuiteContext } from '../../harness/suite';
import { reportsRoot, timestamp } from '../../report/write';
import type { JudgeSuiteConfig } from './config';
import type { RubricUnit } from './rubric';

export const SHEET_FILE = 'rating-sheet.csv';

export function sheetPath(cfg: JudgeSuiteConfig, out: string | undefined, now = new Date()): string | undefined {
  if (cfg.exportSheet === false) return undefined;
  if (typeof cfg.exportSheet === 'string') return cfg.exportSheet;
  return path.join(out ?? path.join(reportsRoot(), 'judge-sheets', `${timestamp(now)}-${process.pid}`), SHEET_FILE);
}

export async function exportSheet(file: string, units: readonly RubricUnit[]): Promise<number> {
  const rows: SheetUnit[] = units.map((u) => ({ itemId: u.item.id, candidateId: u.candidate.id, criterion: u.criterion, question: u.item.question, reference: u.item.reference, answer: u.candidate.text }));
  await mkdir(path.dirname(file), { recursive: true });
  await writeRatingSheet(file, rows);
  return rows.length;
}

/** The judge's one score per answer and criterion: the lower median of its valid samples. */
export function judgeScores(units: readonly RubricUnit[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const u of units) if (u.result.stats.median !== undefined) m.set(unitKey({ itemId: u.item.id, candidateId: u.candidate.id, criterion: u.criterion }), u.result.stats.median);
  return m;
}

const cells = (a: Agreement) => [a.n, a.kappa, a.quadraticKappa, a.spearman, a.exact] as const;
const COLS = ['pairs', "Cohen's kappa", 'quadratic kappa', "Spearman's rho", 'exact'];

export function emitHuman(ctx: SuiteContext, units: readonly RubricUnit[], sheet: ParsedSheet, files: readonly string[]): void {
  const jh = judgeHumanAgreement(judgeScores(units), sheet.ratings);
  const def = 'judge score = lower median of its samples; every (answer, criterion, rater) rating is one pair; kappa over the full 1–5 scale (eval/metrics/agreement.ts)';
  ctx.metric('human_judge_kappa', jh.overall.kappa, 'kappa', { n: jh.overall.n, higherIsBetter: true, headline: true, definition: `Cohen's kappa, judge vs people, all criteria; ${def}` });
  ctx.metric('human_judge_qwk', jh.overall.quadraticKappa, 'kappa', { n: jh.overall.n, higherIsBetter: true, definition: `quadratic-weighted kappa, judge vs people; ${def}` });
  ctx.metric('human_judge_spearman', jh.overall.spearman, 'rho', { n: jh.overall.n, higherIsBetter: true, definition: `Spearman's rho (average ranks), judge vs people; ${def}` });
  ctx.metric('human_ratings_unmatched', jh.unmatched, 'ratings', { higherIsBetter: false, definition: 'ratings of answers/criteria the judge did not score in this run (other items, or invalid verdicts)' });
  ctx.table('judge vs people by criterion', ['criterion', ...COLS], [...jh.byCriterion.map((c) => [c.criterion, ...cells(c.agreement)]), ['all', ...cells(jh.overall)]]);
  const raters = interRaterAgreement(sheet.ratings);
  if (raters.length > 0) {
    const pooled = raters.flatMap((r) => r.byCriterion.map((c) => [`${r.raterA} vs ${r.raterB}`, c.criterion, ...cells(c.agreement)]));
    ctx.table('people vs people (rater pairs)', ['raters', 'criterion', ...COLS], [...pooled, ...raters.map((r) => [`${r.raterA} vs ${r.raterB}`, 'all', ...cells(r.overall)])]);
    const qwk = raters.map((r) => r.overall.quadraticKappa).filter(Number.isFinite);
    ctx.metric('human_inter_rater_qwk', qwk.length ? qwk.reduce((s, x) => s + x, 0) / qwk.length : null, 'kappa', { n: raters.length, higherIsBetter: true, definition: 'mean over rater pairs of the quadratic-weighted kappa on the answers both scored' });
  }
  ctx.table('human sheets', ['files', 'ratings', 'raters', 'unrated rows'], [[files.join(', '), sheet.ratings.length, new Set(sheet.ratings.map((r) => r.rater)).size, sheet.unrated]]);
}
