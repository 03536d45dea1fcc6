import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHEET_COLUMNS } from '../../judge/human';
import { REPORT_FILES } from '../../report/write';
import judge from './index';
import { E2E_TIMEOUT_MS, tempRoot, type TempRoot } from '../../lib/test-run';
import { SHEET_FILE } from './human';

describe('judge suite --quick end to end (offline: scripted simulator judge)', () => {
  let t: TempRoot;
  beforeAll(async () => {
    t = await tempRoot('judge');
  });
  afterAll(async () => t?.cleanup());

  it('writes the four report files with the malformed verdicts counted as errors, never scored', async () => {
    const r = await t.run(judge, { judge: { offline: true }, exportSheet: true });
    expect(r.output).not.toMatch(/suite failed/);
    expect(r.exitCode).toBe(0);
    const dir = r.dir!;
    const files = Object.fromEntries(await Promise.all(REPORT_FILES.map(async (f) => [f, await readFile(path.join(dir, f), 'utf8')] as const)));
    const rep = r.report!;
    const m = (name: string) => rep.metrics[name]?.value;

    // the script breaks q01/hallucinated fluency (score 7) and q02/correct completeness (no JSON): 2 samples each
    expect(m('rubric_errors')).toBe(4);
    expect(m('rubric_fluency_errors')).toBe(2);
    expect(m('rubric_completeness_errors')).toBe(2);
    expect(m('rubric_fixed_on_retry')).toBe(2); // q03/correct coherence, fixed on the second attempt
    expect(m('pairwise_errors')).toBe(1);
    expect(m('locomo_j_errors')).toBe(1);
    const broken = rep.rows.filter((row) => row.case.startsWith('q02/correct/completeness/'));
    expect(broken.map((row) => [row.score, row.attempts])).toEqual([[null, 3], [null, 3]]);
    expect(broken.every((row) => /invalid verdict, not scored/.test(row.error ?? ''))).toBe(true);
    const errorRows = rep.rows.filter((row) => row.error !== undefined);
    expect(errorRows).toHaveLength(6);

    // rows per (item, candidate, criterion, sample): 3 items, 10 candidates, 6 criteria, 2 samples
    expect(rep.rows.filter((row) => row.kind === 'rubric')).toHaveLength(120);
    // the position-biased script: some pairs inconsistent
    expect(m('pairwise_position_bias_rate')).toBeGreaterThan(0);
    expect(m('paraphrase_mad_mean')).toBeGreaterThan(0);

    // the four files carry the error count
    expect(JSON.parse(files['report.json']!).metrics.rubric_errors.value).toBe(4);
    const csvRows = parse(files['rows.csv']!, { columns: true }) as Record<string, string>[];
    expect(csvRows.filter((row) => row.error !== '')).toHaveLength(6);
    expect(files['summary.md']).toMatch(/\| rubric_errors \| 4 \| verdicts \|/);
    expect(files['summary.md']).toContain('## Errors (6)');
    expect(files['junit.xml']).toMatch(/<testsuite name="judge\.cases" tests="\d+" failures="6"/);

    // the report says where the verdicts came from, and names every prompt
    expect(rep.meta.provider?.kind).toMatch(/simulator-scripted.*not a judgement of quality/);
    expect(rep.tables?.judge?.rows[0]?.[0]).toMatch(/scripted mode.*NOT a judgement of answer quality/);
    expect(rep.metrics.rubric_relevance_mean?.definition).toMatch(/OFFLINE: scripted simulator verdicts/);
    const prompts = (rep.meta.config as { prompts: Record<string, string> }).prompts;
    expect(Object.keys(prompts)).toEqual(['rubric-relevance', 'rubric-coherence', 'rubric-fluency', 'rubric-factual-accuracy', 'rubric-completeness', 'rubric-consistency', 'pairwise', 'locomo-j']);
    for (const ref of Object.values(prompts)) expect(ref).toMatch(/^[a-z-]+@v\d+#[0-9a-f]{16}$/);
    expect(rep.metrics.rubric_errors?.higherIsBetter).toBe(false);
    expect(rep.metrics.pairwise_win_rate?.higherIsBetter).toBe(true);

    // the rating sheet went into the report directory: one row per answer and criterion
    const sheet = parse(await readFile(path.join(dir, SHEET_FILE), 'utf8'), { columns: true }) as Record<string, string>[];
    expect(sheet).toHaveLength(60);
  }, E2E_TIMEOUT_MS);

  it('reads a filled sheet and reports agreement with the judge; a bad sheet stops the run', async () => {
    const first = await t.run(judge, { judge: { offline: true }, exportSheet: true, criteria: ['relevance'], pairwise: false, paraphrases: false, locomoJ: false });
    expect(first.exitCode).toBe(0);
    const rows = parse(await readFile(path.join(first.dir!, SHEET_FILE), 'utf8'), { columns: true }) as Record<string, string>[];
    // a person who agrees with the judge on every answer
    const judgeScore = new Map(first.report!.rows.filter((r) => r.sample === 0).map((r) => [`${String(r.item)}/${String(r.candidate)}`, r.score]));
    const filled = rows.map((r) => ({ ...r, score: String(judgeScore.get(`${r.item_id}/${r.candidate_id}`)), rater: 'ann' }));
    const sheetFile = path.join(t.root, 'filled.csv');
    await writeFile(sheetFile, stringify(filled, { header: true, columns: [...SHEET_COLUMNS] }));

    const second = await t.run(judge, { judge: { offline: true }, humanSheet: sheetFile, criteria: ['relevance'], pairwise: false, paraphrases: false, locomoJ: false });
    expect(second.exitCode).toBe(0);
    expect(second.report!.metrics.human_judge_qwk?.value).toBe(1);
    expect(second.report!.metrics.human_judge_spearman?.value).toBeCloseTo(1, 12);
    expect(second.report!.metrics.human_judge_qwk?.n).toBe(10);

    const bad = filled.map((r, i) => (i === 2 ? { ...r, score: '9' } : r));
    await writeFile(sheetFile, stringify(bad, { header: true, columns: [...SHEET_COLUMNS] }));
    const third = await t.run(judge, { judge: { offline: true }, humanSheet: sheetFile, criteria: ['relevance'] });
    expect(third.exitCode).toBe(2);
    expect(third.output).toMatch(/filled\.csv:4: score must be an integer from 1 to 5 .*got "9"/);
  }, E2E_TIMEOUT_MS);
});
