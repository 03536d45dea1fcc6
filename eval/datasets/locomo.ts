/**
 * LoCoMo (Maharana et al., 2024) loader. The data is CC BY-NC 4.0: it is read by path from
 * ../shared/datasets and never copied into this repository.
 *
 * Roles: LoCoMo is a chat between two people, both of whom the questions ask about. By default
 * speaker_a's turns are `user` and speaker_b's are `assistant` (the alternation a chat store
 * expects; the speaker name is kept on every turn). With `roles: 'all-user'` both speakers'
 * turns are `user` turns of one memory owner — use it when the memory indexer only reads user
 * messages, or half of the facts would be invisible to it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { isCanonical, memoryStats, turnIndex } from './stats';
import type { EvidenceTally } from './stats';
import { DatasetError } from './types';
import type { Conversation, EvidenceIssue, MemoryDataset, Question, Session, Turn } from './types';

export const LOCOMO_SOURCE =
  'LoCoMo (Maharana et al., 2024; snap-research/LoCoMo), CC BY-NC 4.0, non-commercial research use, read by path, never copied';

export const LOCOMO_CATEGORIES: Readonly<Record<number, string>> = {
  1: 'multi-hop',
  2: 'temporal',
  3: 'open-domain',
  4: 'single-hop',
  5: 'adversarial',
};

export interface LocomoOptions {
  /** dataset id (default: the file name without extension) */
  id?: string;
  /** 'speaker-a-user' (default): speaker_a → user, speaker_b → assistant; 'all-user': both → user */
  roles?: 'speaker-a-user' | 'all-user';
  /** append the caption LoCoMo gives for a shared photo, as " [shared a photo: …]" (default true) */
  imageCaptions?: boolean;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DATE_RE = /^(\d{1,2}):(\d{2}) (am|pm) on (\d{1,2}) ([A-Za-z]+), (\d{4})$/;

/**
 * "1:56 pm on 8 May, 2023" → 2023-05-08T13:56:00Z. The data has no time zone; dates are read as
 * UTC. Strict: 12-hour clock (1–12, "12:09 am" is 00:09), two-digit minutes, full English month
 * name, a day that exists in that month. Anything else throws.
 */
export function parseLocomoDate(text: string): Date {
  const m = DATE_RE.exec(text);
  const fail = (why: string): never => {
    throw new Error(`not a LoCoMo date (${why}): ${JSON.stringify(text)}; expected e.g. "1:56 pm on 8 May, 2023"`);
  };
  if (!m) return fail('format');
  const [, h = '', min = '', ampm = '', d = '', monthName = '', y = ''] = m;
  const hour = Number(h);
  const minute = Number(min);
  const day = Number(d);
  const year = Number(y);
  const month = MONTHS.indexOf(monthName);
  if (hour < 1 || hour > 12) fail('hour');
  if (minute > 59) fail('minute');
  if (month < 0) fail('month');
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) fail('day');
  return new Date(Date.UTC(year, month, day, (hour % 12) + (ampm === 'pm' ? 12 : 0), minute));
}

export interface ParsedEvidence {
  /** canonical ids read from the reference, e.g. ["D8:6", "D9:17"] */
  ids: string[];
  /** parts from which no id could be read */
  bad: string[];
}

/**
 * Lenient evidence parsing: several ids in one string ("D8:6; D9:17"), a stray colon ("D:11:26"),
 * zero padding ("D30:05") and lower case are repaired; a part that is still not `D<n>:<k>` is bad.
 */
export function parseEvidenceRef(raw: string): ParsedEvidence {
  const out: ParsedEvidence = { ids: [], bad: [] };
  for (const part of raw.split(/[;,\s]+/).filter((p) => p.length > 0)) {
    const m = /^D:?(\d+):(\d+)$/i.exec(part);
    if (m) out.ids.push(`D${Number(m[1])}:${Number(m[2])}`);
    else out.bad.push(part);
  }
  if (out.ids.length === 0 && out.bad.length === 0) out.bad.push(raw);
  return out;
}

const turnSchema = z.object({
  speaker: z.string(),
  dia_id: z.string(),
  text: z.string(),
  blip_caption: z.string().optional(),
});
const scalar = z.union([z.string(), z.number()]);
const qaSchema = z.object({
  question: z.string(),
  answer: scalar.optional(),
  adversarial_answer: scalar.optional(),
  evidence: z.array(z.string()),
  category: z.number().int(),
});
const sampleSchema = z.object({
  sample_id: z.string(),
  conversation: z.looseObject({ speaker_a: z.string(), speaker_b: z.string() }),
  qa: z.array(qaSchema),
});
const fileSchema = z.array(sampleSchema);
type Sample = z.infer<typeof sampleSchema>;

export async function loadLocomo(file: string, options: LocomoOptions = {}): Promise<MemoryDataset> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new DatasetError(file, [`${file}: cannot read LoCoMo JSON: ${(err as Error).message}`]);
  }
  return parseLocomo(json, { ...options, id: options.id ?? path.basename(file).replace(/\.json$/i, ''), file });
}

export function parseLocomo(json: unknown, options: LocomoOptions & { file?: string } = {}): MemoryDataset {
  const file = options.file ?? '<locomo>';
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new DatasetError(file, parsed.error.issues.map((i) => `${file}: [${i.path.join('.')}] ${i.message}`));
  }
  const problems: string[] = [];
  const conversations: Conversation[] = [];
  const questions: Question[] = [];
  const tally: EvidenceTally = { refs: 0, issues: [], malformed: [] };
  for (const sample of parsed.data) {
    const conversation = readConversation(sample, options, problems);
    conversations.push(conversation);
    readQuestions(sample, conversation, tally, questions, problems);
  }
  if (problems.length > 0) throw new DatasetError(file, problems.map((p) => `${file}: ${p}`));
  return {
    id: options.id ?? 'locomo',
    source: LOCOMO_SOURCE,
    format: 'locomo',
    schemaVersion: 1,
    conversations,
    questions,
    stats: memoryStats(conversations, questions, tally),
  };
}

function readConversation(sample: Sample, options: LocomoOptions, problems: string[]): Conversation {
  const c = sample.conversation;
  const sid = sample.sample_id;
  const numbers = Object.keys(c)
    .map((k) => /^session_(\d+)$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null && Array.isArray(c[m[0]]))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const sessions: Session[] = [];
  const seen = new Set<string>();
  for (const n of numbers) {
    const dateText = c[`session_${n}_date_time`];
    let date = new Date(Number.NaN);
    if (typeof dateText !== 'string') problems.push(`${sid} session_${n}: no session_${n}_date_time`);
    else {
      try {
        date = parseLocomoDate(dateText);
      } catch (err) {
        problems.push(`${sid} session_${n}_date_time: ${(err as Error).message}`);
      }
    }
    const turns: Turn[] = [];
    for (const [k, raw] of (c[`session_${n}`] as unknown[]).entries()) {
      const t = turnSchema.safeParse(raw);
      if (!t.success) {
        problems.push(`${sid} session_${n}[${k}]: ${t.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
        continue;
      }
      const { speaker, dia_id: id, text, blip_caption: caption } = t.data;
      if (speaker !== c.speaker_a && speaker !== c.speaker_b) problems.push(`${sid} ${id}: speaker ${JSON.stringify(speaker)} is neither speaker_a nor speaker_b`);
      if (seen.has(id)) problems.push(`${sid}: duplicate dia_id ${id}`);
      seen.add(id);
      const role = options.roles === 'all-user' || speaker !== c.speaker_b ? 'user' : 'assistant';
      const withCaption = caption !== undefined && options.imageCaptions !== false ? `${text} [shared a photo: ${caption}]` : text;
      turns.push({ id, speaker, role, text: withCaption });
    }
    sessions.push({ id: `session_${n}`, date, turns });
  }
  return { id: sid, userId: sid, sessions };
}

function readQuestions(sample: Sample, conversation: Conversation, tally: EvidenceTally, out: Question[], problems: string[]): void {
  const turns = turnIndex(conversation);
  sample.qa.forEach((qa, i) => {
    const id = `${sample.sample_id}/q${i + 1}`;
    const category = LOCOMO_CATEGORIES[qa.category];
    if (category === undefined) problems.push(`${id}: unknown category ${qa.category}`);
    const evidence: string[] = [];
    for (const raw of qa.evidence) {
      tally.refs++;
      const parsed = parseEvidenceRef(raw);
      const base = { conversationId: conversation.id, questionId: id, raw };
      const issues: EvidenceIssue[] = parsed.bad.map((part) => ({ ...base, kind: 'unparseable', part }));
      for (const ref of parsed.ids) {
        if (!turns.has(ref)) issues.push({ ...base, kind: 'missing', ids: [ref] });
        else if (!evidence.includes(ref)) evidence.push(ref);
      }
      const malformed = !isCanonical(raw);
      if (malformed) tally.malformed.push(raw);
      if (malformed && issues.length === 0) issues.push({ ...base, kind: 'repaired', ids: parsed.ids });
      tally.issues.push(...issues);
    }
    const question: Question = {
      id,
      conversationId: conversation.id,
      question: qa.question,
      answer: qa.answer === undefined ? null : String(qa.answer),
      category: category ?? `category-${qa.category}`,
      evidence,
    };
    if (qa.adversarial_answer !== undefined) question.adversarialAnswer = String(qa.adversarial_answer);
    out.push(question);
  });
}
