/**
 * The memory suite's measuring loop: for each chunking strategy, ingest the dataset once; for each
 * variant with that chunking, rank every question's memories and ask it through the chat endpoint;
 * then once more with memory off. Produces one QuestionResult per (variant, question).
 */
import type { Logger } from 'pino';
import type { Config, EmbeddingProvider, UsedMemory } from '../../../serve';
import type { Conversation, MemoryDataset, Question } from '../../datasets/types';
import type { Progress } from '../../harness/progress';
import { startAskEnv, type AskEnv } from './ask';
import type { ResolvedVariant } from './config';
import { ingest, memoriesCovering, type IngestedStore } from './ingest';
import { isAbstention, scoreAnswer, scoreRetrieval, temporalOrder, type AnswerScores, type RetrievalScores, type TemporalOrder } from './score';
import type { QaRecord, RetrievedMemory } from './types';
import { budgetRecall, scoreUtterances, type UtteranceScores } from './utterance-score';

export const MEMORY_OFF = 'memory-off';
/** Memories ranked for the prompt-token budget metrics (enough to fill 4,000 tokens with one-utterance memories). */
export const BUDGET_DEPTH = 200;

export interface QuestionResult {
  variant: string;
  question: Question;
  /** scored when the question has evidence turns */
  retrieval?: RetrievalScores;
  /** unit-fair scores (utterance ranks, prompt-token budgets), when the question has evidence turns */
  utterance?: UtteranceScores;
  budget?: Record<number, number>;
  /** scored when the question has stale turns */
  temporal?: TemporalOrder;
  answer?: string;
  /** answerable questions */
  answerScores?: AnswerScores;
  abstained?: boolean;
  /** memories in the prompt */
  inPrompt: number;
  askMs?: number;
  error?: string;
  record: QaRecord;
}

export interface IngestSummary {
  chunking: string;
  messages: number;
  memories: number;
  ingestMs: number;
}

export interface RunPlan {
  dataset: MemoryDataset;
  conversations: Conversation[];
  questions: Question[];
  variants: ResolvedVariant[];
  depth: number;
  ks: number[];
  memoryOff: boolean;
  answers: boolean;
}

export interface RunHooks {
  embedder: EmbeddingProvider;
  config: Config;
  logger: Logger;
  signal: AbortSignal;
  progress(total: number, label: string): Progress;
  log(message: string): void;
}

const DAY_MS = 86_400_000;

/** When a question is asked: its own askedAt, else a day after its conversation's last session. */
export function askedAt(q: Question, conv: Conversation | undefined): Date {
  if (q.askedAt) return q.askedAt;
  const last = conv?.sessions[conv.sessions.length - 1]?.date;
  return new Date((last?.getTime() ?? Date.now()) + DAY_MS);
}

export async function runMemoryEval(plan: RunPlan, hooks: RunHooks): Promise<{ results: QuestionResult[]; ingests: IngestSummary[] }> {
  const results: QuestionResult[] = [];
  const ingests: IngestSummary[] = [];
  const byChunking = new Map<string, ResolvedVariant[]>();
  for (const v of plan.variants) byChunking.set(v.chunkingKey, [...(byChunking.get(v.chunkingKey) ?? []), v]);
  const turns = plan.conversations.reduce((s, c) => s + c.sessions.reduce((t, x) => t + x.turns.length, 0), 0);
  let first = true;
  for (const [key, variants] of byChunking) {
    if (hooks.signal.aborted) break;
    const chunking = variants[0]!.chunking;
    const bar = hooks.progress(turns, `ingest (${key})`);
    const c = hooks.config;
    const index = c.VECTOR_INDEX === 'hnsw' ? { type: 'hnsw' as const, m: c.HNSW_M, efConstruction: c.HNSW_EF_CONSTRUCTION, efSearch: c.HNSW_EF_SEARCH } : { type: 'exact' as const };
    const ingested = await ingest({ conversations: plan.conversations, embedder: hooks.embedder, chunking, index, logger: hooks.logger, onTurn: () => bar.tick(), signal: hooks.signal });
    bar.done();
    ingests.push({ chunking: key, messages: ingested.messages, memories: ingested.memories, ingestMs: ingested.ingestMs });
    hooks.log(`ingested ${ingested.messages} messages → ${ingested.memories} memories with chunking ${key} in ${(ingested.ingestMs / 1000).toFixed(1)} s`);
    const env = await startAskEnv({ ingested, embedder: hooks.embedder, config: hooks.config, logger: hooks.logger });
    try {
      for (const v of variants) {
        if (hooks.signal.aborted) break;
        await env.use(v);
        results.push(...(await evaluateVariant(plan, hooks, env, ingested, v.name)));
      }
      // memory off needs no memories, only a server: run it on the first store
      if (first && plan.memoryOff && plan.answers && !hooks.signal.aborted) {
        await env.use('off');
        results.push(...(await evaluateVariant(plan, hooks, env, ingested, MEMORY_OFF)));
      }
    } finally {
      first = false;
      await env.close();
      await ingested.close();
    }
  }
  return { results, ingests };
}

async function evaluateVariant(plan: RunPlan, hooks: RunHooks, env: AskEnv, ingested: IngestedStore, variant: string): Promise<QuestionResult[]> {
  const convById = new Map(plan.conversations.map((c) => [c.id, c]));
  const bar = hooks.progress(plan.questions.length, variant);
  const out: QuestionResult[] = [];
  // embed every question once up front (batched); later calls hit the embedder's cache
  await hooks.embedder.embed(plan.questions.map((q) => q.question));
  for (const q of plan.questions) {
    if (hooks.signal.aborted) break;
    const conv = convById.get(q.conversationId);
    const userId = conv?.userId ?? q.conversationId;
    const at = askedAt(q, conv);
    const userMemories = ingested.memoryTurns.get(userId);
    const texts = ingested.turnText.get(q.conversationId);
    const toRetrieved = (m: UsedMemory): RetrievedMemory => ({ id: m.id, text: m.text, score: m.score, turnIds: userMemories?.get(m.id) ?? [], createdAt: m.createdAt, sessionId: m.sessionId });
    const result: QuestionResult = {
      variant,
      question: q,
      inPrompt: 0,
      record: {
        questionId: q.id,
        conversationId: q.conversationId,
        category: q.category,
        question: q.question,
        reference: q.answer,
        ...(q.adversarialAnswer !== undefined ? { adversarialAnswer: q.adversarialAnswer } : {}),
        evidence: q.evidence,
        stale: q.stale ?? [],
        evidenceTexts: q.evidence.map((t) => texts?.get(t) ?? ''),
        answer: '',
        retrieved: [],
        contexts: [],
      },
    };
    try {
      if (variant !== MEMORY_OFF) {
        const ranked = (await env.rank(userId, q.question, plan.depth, at)).map(toRetrieved);
        result.record.retrieved = ranked;
        if (q.evidence.length > 0) {
          result.retrieval = scoreRetrieval(ranked, q.evidence, memoriesCovering(userMemories, q.evidence), plan.ks, plan.depth);
          result.utterance = scoreUtterances(ranked, q.evidence);
          // the budget metrics spend tokens, not a memory count: the same pipeline asked for more memories
          const deep = (await env.rank(userId, q.question, Math.max(plan.depth, BUDGET_DEPTH), at)).map(toRetrieved);
          result.budget = budgetRecall(deep, q.evidence);
        }
        if (q.stale && q.stale.length > 0 && q.evidence.length > 0) result.temporal = temporalOrder(ranked, q.evidence, q.stale);
      }
      if (plan.answers) {
        const a = await env.ask(userId, q.question, at, hooks.signal);
        result.askMs = a.ms;
        if (!a.ok) throw new Error(`chat failed: ${a.error ?? a.status}`);
        result.answer = a.answer;
        result.inPrompt = a.memories.length;
        result.record.answer = a.answer;
        result.record.contexts = a.memories.map((m) => m.text);
        result.abstained = isAbstention(a.answer);
        if (q.answer !== null) result.answerScores = scoreAnswer(a.answer, q.answer, q.category);
      }
    } catch (err) {
      result.error = (err as Error).message;
      result.record.error = result.error;
    }
    out.push(result);
    bar.tick();
  }
  bar.done();
  return out;
}
