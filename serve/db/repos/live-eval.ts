import type { Knex } from 'knex';
import { clampLimit, toIso, toNum, toNumOrNull, type DbTime } from './util';

/** One sampled answered turn (serve/live/): retrieval diagnostics, latency against the SLOs, the judge's verdict. */
export interface LiveSample {
  /** The assistant message's id. */
  id: string;
  createdAt: string;
  instanceId: string;
  userId: string;
  sessionId: string;
  model: string;
  provider: string | null;
  memoryStatus: string;
  memoriesUsed: number;
  memoryIds: string[];
  memoryTopScore: number | null;
  memoryMeanScore: number | null;
  /** Prompt tokens the memories took, and the share of the prompt budget they were allowed. */
  memoryTokens: number;
  memoryBudgetTokens: number;
  promptTokens: number;
  completionTokens: number;
  ttftMs: number | null;
  totalMs: number;
  /** null when the answer had no token (no TTFT to check). */
  ttftSloMet: boolean | null;
  totalSloMet: boolean;
  judgeModel: string | null;
  /** 1-5 as the judge gave them; judgeScore is their mean scaled to 0..1. All null when the judge gave no score. */
  judgeGroundedness: number | null;
  judgeRelevance: number | null;
  judgeScore: number | null;
  /** Why a configured judge gave no score (unparseable reply, failed call); null otherwise. */
  judgeError: string | null;
}

export type NewLiveSample = Omit<LiveSample, 'createdAt'> & { createdAt?: DbTime };

export interface LiveEvalRepo {
  /** Idempotent by id: a sample recorded twice stays one row. */
  insert(sample: NewLiveSample): Promise<void>;
  /** Oldest first; `since` inclusive, `until` exclusive. */
  list(q?: { since?: DbTime; until?: DbTime; limit?: number }): Promise<LiveSample[]>;
}

interface DbLiveSample {
  id: string;
  created_at: DbTime;
  instance_id: string;
  user_id: string;
  session_id: string;
  model: string;
  provider: string | null;
  memory_status: string;
  memories_used: number;
  memory_ids: string[] | string;
  memory_top_score: number | null;
  memory_mean_score: number | null;
  memory_tokens: number;
  memory_budget_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  ttft_ms: number | null;
  total_ms: number;
  ttft_slo_met: boolean | null;
  total_slo_met: boolean;
  judge_model: string | null;
  judge_groundedness: number | null;
  judge_relevance: number | null;
  judge_score: number | null;
  judge_error: string | null;
}

function toSample(r: DbLiveSample): LiveSample {
  return {
    id: r.id,
    createdAt: toIso(r.created_at),
    instanceId: r.instance_id,
    userId: r.user_id,
    sessionId: r.session_id,
    model: r.model,
    provider: r.provider,
    memoryStatus: r.memory_status,
    memoriesUsed: toNum(r.memories_used),
    memoryIds: typeof r.memory_ids === 'string' ? (JSON.parse(r.memory_ids) as string[]) : r.memory_ids,
    memoryTopScore: toNumOrNull(r.memory_top_score),
    memoryMeanScore: toNumOrNull(r.memory_mean_score),
    memoryTokens: toNum(r.memory_tokens),
    memoryBudgetTokens: toNum(r.memory_budget_tokens),
    promptTokens: toNum(r.prompt_tokens),
    completionTokens: toNum(r.completion_tokens),
    ttftMs: toNumOrNull(r.ttft_ms),
    totalMs: toNum(r.total_ms),
    ttftSloMet: r.ttft_slo_met,
    totalSloMet: r.total_slo_met,
    judgeModel: r.judge_model,
    judgeGroundedness: toNumOrNull(r.judge_groundedness),
    judgeRelevance: toNumOrNull(r.judge_relevance),
    judgeScore: toNumOrNull(r.judge_score),
    judgeError: r.judge_error,
  };
}

function toRow(s: NewLiveSample): Omit<DbLiveSample, 'created_at' | 'memory_ids'> & { created_at?: DbTime; memory_ids: string } {
  return {
    id: s.id,
    ...(s.createdAt !== undefined ? { created_at: s.createdAt } : {}),
    instance_id: s.instanceId,
    user_id: s.userId,
    session_id: s.sessionId,
    model: s.model,
    provider: s.provider,
    memory_status: s.memoryStatus,
    memories_used: s.memoriesUsed,
    memory_ids: JSON.stringify(s.memoryIds),
    memory_top_score: s.memoryTopScore,
    memory_mean_score: s.memoryMeanScore,
    memory_tokens: s.memoryTokens,
    memory_budget_tokens: s.memoryBudgetTokens,
    prompt_tokens: s.promptTokens,
    completion_tokens: s.completionTokens,
    ttft_ms: s.ttftMs,
    total_ms: s.totalMs,
    ttft_slo_met: s.ttftSloMet,
    total_slo_met: s.totalSloMet,
    judge_model: s.judgeModel,
    judge_groundedness: s.judgeGroundedness,
    judge_relevance: s.judgeRelevance,
    judge_score: s.judgeScore,
    judge_error: s.judgeError,
  };
}

export function liveEvalRepo(knex: Knex): LiveEvalRepo {
  return {
    async insert(sample) {
      await knex('live_eval').insert(toRow(sample)).onConflict('id').ignore();
    },
    async list({ since, until, limit } = {}) {
      const q = knex<DbLiveSample>('live_eval')
        .orderBy([
          { column: 'created_at', order: 'asc' },
          { column: 'id', order: 'asc' },
        ])
        .limit(clampLimit(limit ?? 100_000, 100_000));
      if (since !== undefined) q.where('created_at', '>=', since);
      if (until !== undefined) q.where('created_at', '<', until);
      return (await q).map((r) => toSample(r as DbLiveSample));
    },
  };
}
