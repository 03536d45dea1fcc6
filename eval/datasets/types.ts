/**
 * The in-memory shapes every dataset loader produces, whatever the file format.
 * Memory datasets (conversations + questions) feed the memory/RAG suites; retrieval datasets
 * (corpus + queries + graded qrels) feed the retrieval suite.
 */

export type Role = 'user' | 'assistant';

export interface Turn {
  /** unique within its conversation; LoCoMo-like `D<session>:<k>` (turn k of session n) */
  id: string;
  /** who said it (a name, or the role when the source has none) */
  speaker: string;
  role: Role;
  text: string;
}

export interface Session {
  /** unique within its conversation */
  id: string;
  /** when the session took place (UTC) */
  date: Date;
  turns: Turn[];
}

export interface Conversation {
  /** unique within the dataset */
  id: string;
  /** the memory owner: the suites index the conversation under this user */
  userId: string;
  /** in chronological order */
  sessions: Session[];
}

export interface Question {
  /** unique within the dataset */
  id: string;
  conversationId: string;
  question: string;
  /** the gold answer; null = the answer is not in memory (the right reply is "I don't know") */
  answer: string | null;
  /** e.g. 'single-hop', 'multi-session', 'temporal-update', 'no-answer'; LoCoMo: 'multi-hop', … */
  category: string;
  /** ids of the turns that hold the answer; every id names a turn of the conversation */
  evidence: string[];
  /** when the question is asked ("now" for questions about the current state) */
  askedAt?: Date;
  /** LoCoMo category 5: the plausible but wrong answer */
  adversarialAnswer?: string;
  /** ids of turns with facts that later turns replaced (answering from them is wrong) */
  stale?: string[];
}

/** A reference in a question that needed repair or could not be used. */
export interface EvidenceIssue {
  conversationId: string;
  questionId: string;
  /** the reference exactly as written in the source */
  raw: string;
  /**
   * repaired: malformed, but every id read from it names a turn (the ids in `ids`);
   * unparseable: one part of it from which no turn id could be read (the part in `part`);
   * missing: one id read from it names no turn of the conversation (the id in `ids`)
   */
  kind: 'repaired' | 'unparseable' | 'missing';
  ids?: string[];
  part?: string;
}

export interface MemoryDatasetStats {
  conversations: number;
  sessions: number;
  turns: number;
  questions: number;
  byCategory: Record<string, number>;
  /** evidence references as written in the source (one string may name several turns) */
  evidenceRefs: number;
  /** references (after splitting multi-id strings) that did not resolve to a turn: unparseable parts plus ids naming no turn */
  unresolvedEvidence: number;
  /** the raw references that were not in canonical form (repaired or not) */
  malformedEvidence: string[];
  /** questions with an answer but no (resolvable) evidence */
  questionsWithoutEvidence: number;
  issues: EvidenceIssue[];
}

export type DatasetFormat = 'locomo' | 'memocha' | 'beir';

export interface MemoryDataset {
  id: string;
  /** where it came from and under which licence */
  source: string;
  format: DatasetFormat;
  /** the version of the file format as read by its loader */
  schemaVersion: number;
  conversations: Conversation[];
  questions: Question[];
  stats: MemoryDatasetStats;
}

export interface RetrievalDoc {
  id: string;
  text: string;
  title?: string;
}

export interface RetrievalQuery {
  id: string;
  text: string;
}

/** query id → (doc id → graded relevance; > 0 relevant, 0 judged not relevant) */
export type Qrels = Map<string, Map<string, number>>;

export interface RetrievalDatasetStats {
  docs: number;
  queries: number;
  judgments: number;
  /** judgments naming a doc or query that is not in the dataset */
  unknownDocs: number;
  unknownQueries: number;
}

export interface RetrievalDataset {
  id: string;
  source: string;
  format: DatasetFormat;
  schemaVersion: number;
  corpus: RetrievalDoc[];
  queries: RetrievalQuery[];
  qrels: Qrels;
  stats: RetrievalDatasetStats;
}

/** A file that failed validation; `problems` are `file:line: message` strings. */
export class DatasetError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    super(`invalid dataset ${file}:\n  ${shown.join('\n  ')}${more}`);
    this.name = 'DatasetError';
  }
}
