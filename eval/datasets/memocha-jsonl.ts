/**
 * Memocha's own JSONL formats, schema version 1 (documented in datasets/README.md). Line 1 is a
 * header naming the format; every other line is one JSON object:
 * - memory:    one conversation (a memory owner) per line, sessions, turns and questions nested;
 * - retrieval: `{"type":"doc",…}` and `{"type":"query",…,"judgments":{docId: 0–3}}` lines.
 * Every problem is reported with its line number; a file with any problem does not load.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseLine, readJsonl } from './jsonl';
import type { JsonlLine } from './jsonl';
import { memoryStats, retrievalStats } from './stats';
import { DatasetError } from './types';
import type { Conversation, MemoryDataset, Qrels, Question, RetrievalDataset, RetrievalDoc, RetrievalQuery } from './types';

export const MEMOCHA_SCHEMA_VERSION = 1 as const;

const id = z.string().min(1);
const text = z.string().min(1);
const isoDate = z.iso.datetime({ offset: true });

const headerFields = {
  schemaVersion: z.literal(MEMOCHA_SCHEMA_VERSION),
  id,
  /** who wrote it, how it was made */
  source: text,
  license: text,
  description: z.string().optional(),
};
export const memoryHeaderSchema = z.strictObject({ format: z.literal('memocha-memory'), ...headerFields });
export const retrievalHeaderSchema = z.strictObject({ format: z.literal('memocha-retrieval'), ...headerFields });

const turnSchema = z.strictObject({ id, role: z.enum(['user', 'assistant']), text, speaker: z.string().optional() });
const sessionSchema = z.strictObject({ id, date: isoDate, turns: z.array(turnSchema) });
const questionSchema = z.strictObject({
  id,
  question: text,
  answer: z.string().min(1).nullable(),
  category: id,
  evidence: z.array(id),
  stale: z.array(id).optional(),
  askedAt: isoDate.optional(),
  adversarialAnswer: z.string().optional(),
});
export const conversationLineSchema = z.strictObject({
  id,
  userId: id,
  sessions: z.array(sessionSchema).min(1),
  questions: z.array(questionSchema),
});

const docLineSchema = z.strictObject({ type: z.literal('doc'), id, text, title: z.string().optional() });
const queryLineSchema = z.strictObject({
  type: z.literal('query'),
  id,
  text,
  /** doc id → graded relevance: 3 answers it, 2 mostly, 1 related, 0 judged not relevant */
  judgments: z.record(z.string(), z.number().int().min(0).max(3)),
});
const retrievalLineSchema = z.discriminatedUnion('type', [docLineSchema, queryLineSchema]);

export type MemochaMemoryHeader = z.input<typeof memoryHeaderSchema>;
export type MemochaRetrievalHeader = z.input<typeof retrievalHeaderSchema>;
export type MemochaConversationLine = z.input<typeof conversationLineSchema>;
export type MemochaRetrievalLine = z.input<typeof retrievalLineSchema>;

export type MemochaKind = 'memory' | 'retrieval';

/** The kind named by the header line, or undefined when line 1 is not a Memocha header. */
export function memochaKind(text: string): MemochaKind | undefined {
  const end = text.indexOf('\n');
  const first = (end < 0 ? text : text.slice(0, end)).trim();
  try {
    const format = (JSON.parse(first) as { format?: unknown }).format;
    if (format === 'memocha-memory') return 'memory';
    if (format === 'memocha-retrieval') return 'retrieval';
  } catch {
    // not JSON: not a Memocha file
  }
  return undefined;
}

function readHeader<S extends z.ZodType>(schema: S, lines: JsonlLine[], file: string, problems: string[]): z.output<S> | undefined {
  const first = lines[0];
  if (first === undefined || first.line !== 1) {
    problems.push(`${file}:1: expected the header line (e.g. {"format":"memocha-memory","schemaVersion":1,…})`);
    return undefined;
  }
  const version = (first.value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version !== MEMOCHA_SCHEMA_VERSION) {
    problems.push(`${file}:1: schemaVersion ${version} is not supported (this loader reads ${MEMOCHA_SCHEMA_VERSION})`);
    return undefined;
  }
  return parseLine(schema, first, file, problems);
}

export function parseMemochaMemory(content: string, file = '<memory.jsonl>'): MemoryDataset {
  const problems: string[] = [];
  const lines = readJsonl(content, file, problems);
  const header = readHeader(memoryHeaderSchema, lines, file, problems);
  const conversations: Conversation[] = [];
  const questions: Question[] = [];
  const questionIds = new Set<string>();
  for (const l of lines.slice(1)) {
    const c = parseLine(conversationLineSchema, l, file, problems);
    if (c === undefined) continue;
    const at = `${file}:${l.line}:`;
    if (conversations.some((x) => x.id === c.id)) problems.push(`${at} duplicate conversation id ${c.id}`);
    const turnDates = new Map<string, number>();
    const sessionIds = new Set<string>();
    let previous = Number.NEGATIVE_INFINITY;
    const conversation: Conversation = { id: c.id, userId: c.userId, sessions: [] };
    for (const s of c.sessions) {
      const date = new Date(s.date);
      if (sessionIds.has(s.id)) problems.push(`${at} duplicate session id ${s.id}`);
      if (date.getTime() <= previous) problems.push(`${at} session ${s.id} is not later than the session before it`);
      sessionIds.add(s.id);
      previous = date.getTime();
      for (const t of s.turns) {
        if (turnDates.has(t.id)) problems.push(`${at} duplicate turn id ${t.id}`);
        turnDates.set(t.id, date.getTime());
      }
      const turns = s.turns.map((t) => ({ id: t.id, speaker: t.speaker ?? t.role, role: t.role, text: t.text }));
      conversation.sessions.push({ id: s.id, date, turns });
    }
    conversations.push(conversation);
    for (const q of c.questions) {
      if (questionIds.has(q.id)) problems.push(`${at} duplicate question id ${q.id}`);
      questionIds.add(q.id);
      for (const ref of [...q.evidence, ...(q.stale ?? [])]) {
        if (!turnDates.has(ref)) problems.push(`${at} question ${q.id}: evidence ${ref} names no turn of conversation ${c.id}`);
      }
      for (const ref of q.stale ?? []) if (q.evidence.includes(ref)) problems.push(`${at} question ${q.id}: ${ref} is both evidence and stale`);
      const question: Question = { id: q.id, conversationId: c.id, question: q.question, answer: q.answer, category: q.category, evidence: q.evidence };
      if (q.stale !== undefined) question.stale = q.stale;
      if (q.askedAt !== undefined) question.askedAt = new Date(q.askedAt);
      if (q.adversarialAnswer !== undefined) question.adversarialAnswer = q.adversarialAnswer;
      questions.push(question);
    }
  }
  if (problems.length > 0 || header === undefined) throw new DatasetError(file, problems);
  const refs = questions.reduce((n, q) => n + q.evidence.length, 0);
  return {
    id: header.id,
    source: `${header.source} (${header.license})`,
    format: 'memocha',
    schemaVersion: header.schemaVersion,
    conversations,
    questions,
    stats: memoryStats(conversations, questions, { refs, issues: [], malformed: [] }),
  };
}

export function parseMemochaRetrieval(content: string, file = '<retrieval.jsonl>'): RetrievalDataset {
  const problems: string[] = [];
  const lines = readJsonl(content, file, problems);
  const header = readHeader(retrievalHeaderSchema, lines, file, problems);
  const corpus: RetrievalDoc[] = [];
  const queries: RetrievalQuery[] = [];
  const qrels: Qrels = new Map();
  const docIds = new Set<string>();
  const judged: { line: number; qid: string; docId: string }[] = [];
  for (const l of lines.slice(1)) {
    const item = parseLine(retrievalLineSchema, l, file, problems);
    if (item === undefined) continue;
    if (item.type === 'doc') {
      if (docIds.has(item.id)) problems.push(`${file}:${l.line}: duplicate doc id ${item.id}`);
      docIds.add(item.id);
      corpus.push(item.title === undefined ? { id: item.id, text: item.text } : { id: item.id, title: item.title, text: item.text });
    } else {
      if (qrels.has(item.id)) problems.push(`${file}:${l.line}: duplicate query id ${item.id}`);
      queries.push({ id: item.id, text: item.text });
      qrels.set(item.id, new Map(Object.entries(item.judgments)));
      for (const docId of Object.keys(item.judgments)) judged.push({ line: l.line, qid: item.id, docId });
    }
  }
  for (const j of judged) if (!docIds.has(j.docId)) problems.push(`${file}:${j.line}: query ${j.qid} judges unknown doc ${j.docId}`);
  if (problems.length > 0 || header === undefined) throw new DatasetError(file, problems);
  return {
    id: header.id,
    source: `${header.source} (${header.license})`,
    format: 'memocha',
    schemaVersion: header.schemaVersion,
    corpus,
    queries,
    qrels,
    stats: retrievalStats(corpus, queries, qrels),
  };
}

async function read(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new DatasetError(file, [`${file}: cannot read: ${(err as Error).message}`]);
  }
}

export async function loadMemochaMemory(file: string): Promise<MemoryDataset> {
  return parseMemochaMemory(await read(file), file);
}

export async function loadMemochaRetrieval(file: string): Promise<RetrievalDataset> {
  return parseMemochaRetrieval(await read(file), file);
}

export type MemochaDataset = { kind: 'memory'; dataset: MemoryDataset } | { kind: 'retrieval'; dataset: RetrievalDataset };

/** Either format, chosen by the header line. */
export async function loadMemocha(file: string): Promise<MemochaDataset> {
  const content = await read(file);
  const kind = memochaKind(content);
  if (kind === 'memory') return { kind, dataset: parseMemochaMemory(content, file) };
  if (kind === 'retrieval') return { kind, dataset: parseMemochaRetrieval(content, file) };
  throw new DatasetError(file, [`${file}:1: not a Memocha dataset: line 1 must be a header with "format": "memocha-memory" or "memocha-retrieval"`]);
}
