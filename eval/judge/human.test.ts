import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRatingSheet, readRatingSheets, RatingSheetError, SHEET_COLUMNS, unitKey, writeRatingSheet, type SheetUnit } from './human';
import { interRaterAgreement, judgeHumanAgreement } from './human-agreement';

// three answers × two criteria; the first answer has a comma, quotes and a line break
const units: SheetUnit[] = ['i1', 'i2', 'i3'].flatMap((itemId, k) =>
  (['relevance', 'fluency'] as const).map((criterion) => ({
    itemId,
    candidateId: 'correct',
    criterion,
    question: `Question ${k}?`,
    reference: `Reference ${k}`,
    answer: k === 0 ? 'Line one, with "quotes"\nline two' : `Answer ${k}`,
  })),
);
// sheet order: i1/relevance, i1/fluency, i2/relevance, i2/fluency, i3/relevance, i3/fluency
const JUDGE = [1, 4, 2, 5, 3, 5];
const ANN = [1, 4, 2, 4, 3, 5];

/** Fill an exported sheet the way a person would in a spreadsheet: one copy of the rows per rater. */
function fill(csv: string, raters: Record<string, readonly (number | '')[]>): string {
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  const filled = Object.entries(raters).flatMap(([rater, scores]) => rows.map((r, i) => ({ ...r, score: String(scores[i] ?? ''), rater: scores[i] === '' ? '' : rater })));
  return stringify(filled, { header: true, columns: [...SHEET_COLUMNS] });
}

describe('rating sheet export → fill → import', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'memocha-judge-human-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('exports one row per answer and criterion with empty score and rater', async () => {
    const file = path.join(dir, 'sheet.csv');
    await writeRatingSheet(file, units);
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe(SHEET_COLUMNS.join(','));
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual({ item_id: 'i1', candidate_id: 'correct', criterion: 'relevance', question: 'Question 0?', reference: 'Reference 0', answer: 'Line one, with "quotes"\nline two', score: '', rater: '' });
    // an unfilled sheet imports as all unrated
    expect(parseRatingSheet(text)).toEqual({ ratings: [], unrated: 6 });
  });

  it('round trip: agreement with the judge matches hand-computed kappa, weighted kappa and rho', async () => {
    const file = path.join(dir, 'sheet.csv');
    await writeRatingSheet(file, units);
    const filled = path.join(dir, 'filled-ann.csv');
    await writeFile(filled, fill(await readFile(file, 'utf8'), { ann: ANN }));
    const sheet = await readRatingSheets([filled]);
    expect(sheet.unrated).toBe(0);
    expect(sheet.ratings.map((r) => [unitKey(r), r.score, r.rater])).toEqual(units.map((u, i) => [unitKey(u), ANN[i], 'ann']));
    // the two i1 records span two lines each (a line break in the answer): 2–3 and 4–5
    expect(sheet.ratings.map((r) => r.line)).toEqual([2, 4, 6, 7, 8, 9]);

    const judge = new Map(units.map((u, i) => [unitKey(u), JUDGE[i] as number]));
    const a = judgeHumanAgreement(judge, sheet.ratings);
    expect(a.unmatched).toBe(0);
    expect(a.overall.n).toBe(6);
    // 5 of 6 agree: pₒ = 5/6; marginals judge (1,1,1,1,2), ann (1,1,1,2,1): pₑ = 7/36 → κ = (30 − 7)/(36 − 7) = 23/29
    expect(a.overall.kappa).toBeCloseTo(23 / 29, 12);
    // quadratic: observed Σw·O = 1 (one pair 5 vs 4); expected Σw·E = 73/3 → 1 − 3/73
    expect(a.overall.quadraticKappa).toBeCloseTo(70 / 73, 12);
    // average ranks (1,2,3,4,5.5,5.5) vs (1,2,3,4.5,4.5,6): Σdxdy = 16.25, Σdx² = Σdy² = 17
    expect(a.overall.spearman).toBeCloseTo(65 / 68, 12);
    expect(a.overall.exact).toBeCloseTo(5 / 6, 12);
    const by = Object.fromEntries(a.byCriterion.map((c) => [c.criterion, c.agreement]));
    expect(by.relevance?.kappa).toBe(1); // (1,2,3) vs (1,2,3)
    expect(by.fluency?.kappa).toBeCloseTo(0.4, 12); // (4,5,5) vs (4,4,5): pₒ = 2/3, pₑ = 4/9
  });

  it('several raters: each rating pairs with the judge, and raters are compared with each other', async () => {
    const file = path.join(dir, 'sheet.csv');
    await writeRatingSheet(file, units);
    const filled = path.join(dir, 'filled-two.csv');
    // bob rates like the judge, and leaves the last row empty
    await writeFile(filled, fill(await readFile(file, 'utf8'), { ann: ANN, bob: [1, 4, 2, 5, 3, ''] }));
    const sheet = await readRatingSheets([filled]);
    expect(sheet.ratings).toHaveLength(11);
    expect(sheet.unrated).toBe(1);
    const judge = new Map(units.map((u, i) => [unitKey(u), JUDGE[i] as number]));
    expect(judgeHumanAgreement(judge, sheet.ratings).overall.n).toBe(11);
    const pairs = interRaterAgreement(sheet.ratings);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ raterA: 'ann', raterB: 'bob' });
    // on the 5 answers both rated: ann (1,4,2,4,3) vs bob (1,4,2,5,3): pₒ = 4/5;
    // marginals ann 1:1 2:1 3:1 4:2, bob 1:1 2:1 3:1 4:1 5:1 → pₑ = (1 + 1 + 1 + 2·1)/25 = 1/5 → κ = (4/5 − 1/5)/(1 − 1/5) = 3/4
    expect(pairs[0]?.overall.n).toBe(5);
    expect(pairs[0]?.overall.kappa).toBeCloseTo(0.75, 12);
  });

  it('ratings of answers the judge did not score are counted as unmatched', () => {
    const a = judgeHumanAgreement(new Map([['i1/correct/relevance', 3]]), [
      { itemId: 'i1', candidateId: 'correct', criterion: 'relevance', score: 3, rater: 'ann', line: 2 },
      { itemId: 'i9', candidateId: 'correct', criterion: 'relevance', score: 3, rater: 'ann', line: 3 },
    ]);
    expect(a.overall.n).toBe(1);
    expect(a.unmatched).toBe(1);
    expect(a.overall.kappa).toBeNaN(); // one pair: chance agreement is perfect, κ undefined
  });
});

describe('bad sheets are refused with line numbers', () => {
  const header = SHEET_COLUMNS.join(',');
  const problems = (text: string): string[] => {
    try {
      parseRatingSheet(text, 'sheet.csv');
    } catch (err) {
      expect(err).toBeInstanceOf(RatingSheetError);
      return (err as RatingSheetError).problems;
    }
    throw new Error('the sheet was accepted');
  };

  it('a score outside 1–5, a fraction, a word, a missing rater, an unknown criterion', () => {
    const text = [
      header,
      'i1,correct,relevance,Q?,R,"two\nlines",6,ann',
      'i1,correct,fluency,Q?,R,A,4.5,ann',
      'i1,correct,coherence,Q?,R,A,good,ann',
      'i2,correct,relevance,Q?,R,A,3,',
      'i2,correct,politeness,Q?,R,A,3,ann',
      'i3,correct,relevance,Q?,R,A,3,ann',
    ].join('\n');
    expect(problems(text)).toEqual([
      'sheet.csv:2: score must be an integer from 1 to 5 (or empty when not rated), got "6"',
      'sheet.csv:4: score must be an integer from 1 to 5 (or empty when not rated), got "4.5"',
      'sheet.csv:5: score must be an integer from 1 to 5 (or empty when not rated), got "good"',
      'sheet.csv:6: rater is empty (every score needs the name or initials of who gave it)',
      'sheet.csv:7: criterion must be one of relevance, coherence, fluency, factual-accuracy, completeness, consistency, got "politeness"',
    ]);
  });

  it('a rater scoring the same answer twice', () => {
    const text = [header, 'i1,c,relevance,Q,R,A,3,ann', 'i1,c,relevance,Q,R,A,4,bob', 'i1,c,relevance,Q,R,A,4,ann'].join('\n');
    expect(problems(text)).toEqual(['sheet.csv:4: rater "ann" already scored i1/c/relevance on line 2']);
  });

  it('a missing column', () => {
    expect(problems('item_id,candidate_id,criterion,score\ni1,c,relevance,3\n')).toEqual([
      'sheet.csv:1: missing column(s): rater (the header must include item_id, candidate_id, criterion, score, rater)',
    ]);
  });

  it('accepts a BOM, CRLF line ends and extra columns (comments)', () => {
    const text = `\uFEFF${header},comment\r\ni1,c,relevance,Q,R,A, 4 ,ann,fine\r\n`;
    expect(parseRatingSheet(text).ratings).toEqual([{ itemId: 'i1', candidateId: 'c', criterion: 'relevance', score: 4, rater: 'ann', line: 2 }]);
  });
});
