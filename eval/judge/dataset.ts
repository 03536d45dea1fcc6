/**
 * The judge dataset (datasets/judge-dev.jsonl, format `memocha-judge`, schema version 1): questions
 * with paraphrases, a reference answer and candidate answers of labelled quality. Problems are
 * reported as `file:line: message`; a file with any problem does not load.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { contentHash } from '../datasets/index';
import { parseLine, readJsonl } from '../datasets/jsonl';
import type { DatasetInfo } from '../report/meta';

export const JUDGE_DATASET_FORMAT = 'memocha-judge';
export const JUDGE_SCHEMA_VERSION = 1;
export const DEFAULT_JUDGE_DATASET = 'datasets/judge-dev.jsonl';

/** correct > partial > {wrong, hallucinated}: the order a good judge should reproduce. */
export const QUALITIES = ['correct', 'partial', 'wrong', 'hallucinated'] as const;
export type Quality = (typeof QUALITIES)[number];
export const QUALITY_RANK: Readonly<Record<Quality, number>> = { correct: 3, partial: 2, wrong: 1, hallucinated: 1 };

const headerSchema = z.strictObject({
  format: z.literal(JUDGE_DATASET_FORMAT),
  schemaVersion: z.number().int(),
  id: z.string().min(1),
  source: z.string().min(1),
  license: z.string().min(1),
  description: z.string().optional(),
});

const candidateSchema = z.strictObject({
  id: z.string().min(1),
  quality: z.enum(QUALITIES),
  text: z.string().min(1),
});

const itemSchema = z
  .strictObject({
    id: z.string().min(1),
    topic: z.string().min(1).optional(),
    question: z.string().min(1),
    paraphrases: z.array(z.string().min(1)).min(1),
    reference: z.string().min(1),
    candidates: z.array(candidateSchema).min(2),
  })
  .refine((i) => new Set(i.candidates.map((c) => c.id)).size === i.candidates.length, { message: 'candidate ids must be unique within the item', path: ['candidates'] })
  .refine((i) => new Set([i.question, ...i.paraphrases]).size === i.paraphrases.length + 1, { message: 'paraphrases must differ from the question and from each other', path: ['paraphrases'] });

export type JudgeCandidate = z.infer<typeof candidateSchema>;
export type JudgeItem = z.infer<typeof itemSchema>;

export interface JudgeDataset {
  id: string;
  items: JudgeItem[];
}

export class JudgeDatasetError extends Error {
  constructor(readonly problems: string[]) {
    super(`judge dataset has ${problems.length} problem(s):\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? '\n  …' : ''}`);
    this.name = 'JudgeDatasetError';
  }
}

export function parseJudgeDataset(text: string, file = '(inline)'): JudgeDataset {
  const problems: string[] = [];
  const lines = readJsonl(text, file, problems);
  const [first, ...rest] = lines;
  if (!first) throw new JudgeDatasetError([...problems, `${file}: empty file (line 1 must be the header)`]);
  const header = parseLine(headerSchema, first, file, problems);
  if (header && header.schemaVersion !== JUDGE_SCHEMA_VERSION) {
    throw new JudgeDatasetError([`${file}:${first.line}: schemaVersion ${header.schemaVersion} is not supported (this loader reads ${JUDGE_SCHEMA_VERSION})`]);
  }
  const items: JudgeItem[] = [];
  const seen = new Map<string, number>();
  for (const l of rest) {
    const item = parseLine(itemSchema, l, file, problems);
    if (!item) continue;
    const before = seen.get(item.id);
    if (before !== undefined) problems.push(`${file}:${l.line}: duplicate item id "${item.id}" (first on line ${before})`);
    seen.set(item.id, l.line);
    items.push(item);
  }
  if (problems.length > 0) throw new JudgeDatasetError(problems);
  if (items.length === 0) throw new JudgeDatasetError([`${file}: no items after the header`]);
  return { id: header?.id ?? 'judge', items };
}

export async function loadJudgeDataset(path: string): Promise<JudgeDataset & { info: DatasetInfo }> {
  const text = await readFile(path, 'utf8');
  const dataset = parseJudgeDataset(text, path);
  return { ...dataset, info: { id: dataset.id, path, contentHash: await contentHash(path) } };
}
