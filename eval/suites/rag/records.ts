/**
 * The RAG suite's input: one record per question, read from a RAGAS-compatible JSONL file or made
 * from the memory suite's answered questions (QaRecord).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseLine, readJsonl } from '../../datasets/jsonl';
import type { QaRecord } from '../memory/types';

export interface RagRecord {
  id: string;
  category: string;
  question: string;
  answer: string;
  /** retrieved contexts in rank order */
  contexts: string[];
  /** reference answer; null = none (the metrics that need it are not computed) */
  reference: string | null;
}

export const UNCATEGORISED = 'uncategorised';

const text = z.string();
/** RAGAS's names (user_input, response, retrieved_contexts, reference) or its older ones. */
const lineSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).optional(),
    category: z.string().min(1).optional(),
    user_input: text.optional(),
    question: text.optional(),
    response: text.optional(),
    answer: text.optional(),
    retrieved_contexts: z.array(text).optional(),
    contexts: z.array(text).optional(),
    reference: text.nullable().optional(),
    ground_truth: text.nullable().optional(),
  })
  .superRefine((v, ctx) => {
    const pairs = [
      ['user_input', 'question'],
      ['response', 'answer'],
      ['retrieved_contexts', 'contexts'],
      ['reference', 'ground_truth'],
    ] as const;
    for (const [a, b] of pairs) {
      if (v[a] !== undefined && v[b] !== undefined) ctx.addIssue({ code: 'custom', message: `give ${a} or ${b}, not both`, path: [b] });
    }
    for (const [a, b] of pairs.slice(0, 3)) {
      if (v[a] === undefined && v[b] === undefined) ctx.addIssue({ code: 'custom', message: `${a} (or ${b}) is required`, path: [a] });
    }
    const q = v.user_input ?? v.question;
    if (q !== undefined && q.trim() === '') ctx.addIssue({ code: 'custom', message: 'the question is empty', path: [v.user_input !== undefined ? 'user_input' : 'question'] });
  });

export class RagRecordsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid RAG records:\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`);
    this.name = 'RagRecordsError';
  }
}

/** Parse RAGAS-compatible JSONL; every problem names `file:line`, and any problem fails the whole file. */
export function parseRagJsonl(content: string, file: string): RagRecord[] {
  const problems: string[] = [];
  const records: RagRecord[] = [];
  const seen = new Set<string>();
  for (const l of readJsonl(content, file, problems)) {
    const v = parseLine(lineSchema, l, file, problems);
    if (!v) continue;
    const id = v.id === undefined ? `line-${l.line}` : String(v.id);
    if (seen.has(id)) {
      problems.push(`${file}:${l.line}: id: duplicate id ${JSON.stringify(id)}`);
      continue;
    }
    seen.add(id);
    records.push({
      id,
      category: v.category ?? UNCATEGORISED,
      question: v.user_input ?? v.question ?? '',
      answer: v.response ?? v.answer ?? '',
      contexts: v.retrieved_contexts ?? v.contexts ?? [],
      reference: v.reference ?? v.ground_truth ?? null,
    });
  }
  if (records.length === 0 && problems.length === 0) problems.push(`${file}: no records`);
  if (problems.length > 0) throw new RagRecordsError(problems);
  return records;
}

export async function loadRagJsonl(path: string): Promise<RagRecord[]> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read RAG records ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseRagJsonl(content, path);
}

export interface FromQa {
  records: RagRecord[];
  /** questions whose gold answer is null (not answerable from memory): no RAG record */
  withoutReference: number;
  /** questions the memory pipeline failed on (QaRecord.error): reported, not scored */
  failed: { id: string; error: string }[];
}

/** The memory suite's answered questions: those with a reference; failed ones are listed apart. */
export function fromQaRecords(qa: readonly QaRecord[]): FromQa {
  const out: FromQa = { records: [], withoutReference: 0, failed: [] };
  for (const r of qa) {
    if (r.reference === null) out.withoutReference++;
    else if (r.error !== undefined) out.failed.push({ id: r.questionId, error: r.error });
    else out.records.push({ id: r.questionId, category: r.category || UNCATEGORISED, question: r.question, answer: r.answer, contexts: [...r.contexts], reference: r.reference });
  }
  return out;
}
