/** Counting helpers shared by the loaders. */
import type {
  Conversation,
  EvidenceIssue,
  MemoryDatasetStats,
  Qrels,
  Question,
  RetrievalDatasetStats,
  RetrievalDoc,
  RetrievalQuery,
  Session,
  Turn,
} from './types';

export interface TurnRef {
  turn: Turn;
  session: Session;
}

/** turn id → the turn and its session, for one conversation. */
export function turnIndex(conversation: Conversation): Map<string, TurnRef> {
  const index = new Map<string, TurnRef>();
  for (const session of conversation.sessions) for (const turn of session.turns) index.set(turn.id, { turn, session });
  return index;
}

export interface EvidenceTally {
  /** raw references read */
  refs: number;
  /** one per repaired raw reference, and one per id or part that did not resolve */
  issues: EvidenceIssue[];
  /** raw references not in canonical form */
  malformed: string[];
}

export function memoryStats(
  conversations: readonly Conversation[],
  questions: readonly Question[],
  evidence: EvidenceTally = { refs: 0, issues: [], malformed: [] },
): MemoryDatasetStats {
  const byCategory: Record<string, number> = {};
  for (const q of questions) byCategory[q.category] = (byCategory[q.category] ?? 0) + 1;
  const sessions = conversations.reduce((n, c) => n + c.sessions.length, 0);
  const turns = conversations.reduce((n, c) => n + c.sessions.reduce((m, s) => m + s.turns.length, 0), 0);
  return {
    conversations: conversations.length,
    sessions,
    turns,
    questions: questions.length,
    byCategory,
    evidenceRefs: evidence.refs,
    unresolvedEvidence: evidence.issues.filter((i) => i.kind !== 'repaired').length,
    malformedEvidence: evidence.malformed,
    questionsWithoutEvidence: questions.filter((q) => q.answer !== null && q.evidence.length === 0).length,
    issues: evidence.issues,
  };
}

/** `D<n>:<k>` with no zero padding. */
export function isCanonical(ref: string): boolean {
  return /^D[1-9]\d*:[1-9]\d*$/.test(ref);
}

export function retrievalStats(corpus: readonly RetrievalDoc[], queries: readonly RetrievalQuery[], qrels: Qrels): RetrievalDatasetStats {
  const docIds = new Set(corpus.map((d) => d.id));
  const queryIds = new Set(queries.map((q) => q.id));
  let judgments = 0;
  let unknownDocs = 0;
  let unknownQueries = 0;
  for (const [qid, docs] of qrels) {
    judgments += docs.size;
    if (!queryIds.has(qid)) unknownQueries += docs.size;
    for (const did of docs.keys()) if (!docIds.has(did)) unknownDocs++;
  }
  return { docs: corpus.length, queries: queries.length, judgments, unknownDocs, unknownQueries };
}
