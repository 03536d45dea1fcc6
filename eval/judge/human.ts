/**
 * Human evaluation sheets: export a CSV of answers for people to score (one row per answer and
 * criterion, empty `score` and `rater` columns), and import filled sheets. Several raters may fill
 * in the same sheet (one row per rater: copy the row) or separate copies (import each). Problems
 * are reported with the file's line number; a sheet with any problem is refused as a whole.
 * Instructions for raters: eval/README.md, "Human evaluation".
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { CRITERIA, type Criterion } from './rubric';

export const SHEET_COLUMNS = ['item_id', 'candidate_id', 'criterion', 'question', 'reference', 'answer', 'score', 'rater'] as const;
const REQUIRED_COLUMNS = ['item_id', 'candidate_id', 'criterion', 'score', 'rater'] as const;

export interface SheetUnit {
  itemId: string;
  candidateId: string;
  criterion: Criterion;
  question: string;
  reference: string;
  answer: string;
}

export interface HumanRating {
  itemId: string;
  candidateId: string;
  criterion: Criterion;
  score: number;
  rater: string;
  /** the line of the sheet the rating starts on (1 = the header) */
  line: number;
}

export interface ParsedSheet {
  ratings: HumanRating[];
  /** rows left without a score */
  unrated: number;
}

export class RatingSheetError extends Error {
  constructor(readonly problems: string[]) {
    super(`rating sheet refused, ${problems.length} problem(s):\n  ${problems.slice(0, 30).join('\n  ')}${problems.length > 30 ? '\n  …' : ''}`);
    this.name = 'RatingSheetError';
  }
}

/** The key that ties a rating to a judged answer. */
export const unitKey = (u: { itemId: string; candidateId: string; criterion: string }): string => `${u.itemId}/${u.candidateId}/${u.criterion}`;

export function ratingSheetCsv(units: readonly SheetUnit[]): string {
  return stringify(
    units.map((u) => [u.itemId, u.candidateId, u.criterion, u.question, u.reference, u.answer, '', '']),
    { header: true, columns: [...SHEET_COLUMNS], quoted_match: /[\n",]/ },
  );
}

export async function writeRatingSheet(path: string, units: readonly SheetUnit[]): Promise<void> {
  await writeFile(path, ratingSheetCsv(units));
}

const rowSchema = z.object({
  item_id: z.string().trim().min(1, 'item_id is empty'),
  candidate_id: z.string().trim().min(1, 'candidate_id is empty'),
  criterion: z
    .string()
    .trim()
    .superRefine((c, ctx) => {
      if (!(CRITERIA as readonly string[]).includes(c)) ctx.addIssue({ code: 'custom', message: `criterion must be one of ${CRITERIA.join(', ')}, got ${JSON.stringify(c)}` });
    }),
  score: z
    .string()
    .trim()
    .superRefine((s, ctx) => {
      if (s !== '' && !/^[1-5]$/.test(s)) ctx.addIssue({ code: 'custom', message: `score must be an integer from 1 to 5 (or empty when not rated), got ${JSON.stringify(s)}` });
    }),
  rater: z.string().trim(),
});

interface CsvRecord {
  record: Record<string, string>;
  raw: string;
  info: { lines: number };
}

/** The line a record starts on: csv-parse counts to its end, and a quoted field may span lines. */
function startLine(r: CsvRecord): number {
  const body = r.raw.replace(/^(?:\r?\n)+/, '').replace(/\r?\n$/, '');
  return r.info.lines - (body.match(/\n/g)?.length ?? 0);
}

export function parseRatingSheet(text: string, file = '(sheet)'): ParsedSheet {
  let records: CsvRecord[];
  try {
    records = parse(text, { columns: true, bom: true, info: true, raw: true, skip_empty_lines: true }) as CsvRecord[];
  } catch (err) {
    throw new RatingSheetError([`${file}: not a readable CSV: ${(err as Error).message}`]);
  }
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const present = new Set((parse(header, { relax_column_count: true }) as string[][])[0]?.map((c) => c.trim()) ?? []);
  const missing = REQUIRED_COLUMNS.filter((c) => !present.has(c));
  if (missing.length > 0) throw new RatingSheetError([`${file}:1: missing column(s): ${missing.join(', ')} (the header must include ${REQUIRED_COLUMNS.join(', ')})`]);

  const problems: string[] = [];
  const ratings: HumanRating[] = [];
  const seen = new Map<string, number>();
  let unrated = 0;
  for (const r of records) {
    const line = startLine(r);
    const parsed = rowSchema.safeParse(r.record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${file}:${line}: ${issue.message}`);
      continue;
    }
    const row = parsed.data;
    if (row.score === '') {
      unrated++;
      continue;
    }
    if (row.rater === '') {
      problems.push(`${file}:${line}: rater is empty (every score needs the name or initials of who gave it)`);
      continue;
    }
    const rating: HumanRating = { itemId: row.item_id, candidateId: row.candidate_id, criterion: row.criterion as Criterion, score: Number(row.score), rater: row.rater, line };
    const key = `${unitKey(rating)}@${rating.rater}`;
    const before = seen.get(key);
    if (before !== undefined) problems.push(`${file}:${line}: rater "${rating.rater}" already scored ${unitKey(rating)} on line ${before}`);
    else seen.set(key, line);
    ratings.push(rating);
  }
  if (problems.length > 0) throw new RatingSheetError(problems);
  return { ratings, unrated };
}

/** Read and merge one or more filled sheets (a rater scoring the same answer twice across files is an error). */
export async function readRatingSheets(paths: readonly string[]): Promise<ParsedSheet> {
  const all: ParsedSheet = { ratings: [], unrated: 0 };
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const p of paths) {
    const sheet = parseRatingSheet(await readFile(p, 'utf8'), p);
    for (const r of sheet.ratings) {
      const key = `${unitKey(r)}@${r.rater}`;
      const before = seen.get(key);
      if (before !== undefined) problems.push(`${p}:${r.line}: rater "${r.rater}" already scored ${unitKey(r)} at ${before}`);
      seen.set(key, `${p}:${r.line}`);
    }
    all.ratings.push(...sheet.ratings);
    all.unrated += sheet.unrated;
  }
  if (problems.length > 0) throw new RatingSheetError(problems);
  return all;
}
