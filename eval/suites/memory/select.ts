/** Which conversations and questions a run uses (all, or the first N of each for --quick). */
import type { Conversation, MemoryDataset, Question } from '../../datasets/types';

export function selectQuestions(d: MemoryDataset, conversations: number, perConversation: number): { conversations: Conversation[]; questions: Question[] } {
  const convs = conversations > 0 ? d.conversations.slice(0, conversations) : d.conversations;
  const ids = new Set(convs.map((c) => c.id));
  return { conversations: convs, questions: spreadOverCategories(d.questions.filter((q) => ids.has(q.conversationId)), perConversation) };
}

/**
 * For --quick: the first N questions of each conversation, taken round-robin over categories so that
 * a small run still sees every kind of question.
 */
export function spreadOverCategories(questions: readonly Question[], perConversation: number): Question[] {
  if (perConversation <= 0) return [...questions];
  const out: Question[] = [];
  const byConv = new Map<string, Question[]>();
  for (const q of questions) byConv.set(q.conversationId, [...(byConv.get(q.conversationId) ?? []), q]);
  for (const qs of byConv.values()) {
    const byCat = new Map<string, Question[]>();
    for (const q of qs) byCat.set(q.category, [...(byCat.get(q.category) ?? []), q]);
    const queues = [...byCat.values()];
    const picked: Question[] = [];
    for (let i = 0; picked.length < perConversation && queues.some((x) => x.length > i); i++) for (const queue of queues) if (queue[i] && picked.length < perConversation) picked.push(queue[i]!);
    out.push(...picked);
  }
  return out;
}
