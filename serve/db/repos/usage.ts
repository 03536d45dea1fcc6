import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { clampLimit, toIso, toNum, toNumOrNull } from './util';
import type { DbTime } from './util';

/** interrupted: the process died while the answer streamed (recorded by the start-up sweep, tokens estimated). */
export type UsageOutcome = 'ok' | 'error' | 'aborted' | 'partial' | 'interrupted';

/** One LLM call in the cost ledger (kept after its session or message is deleted). */
export interface UsageRow {
  id: string;
  userId: string;
  sessionId: string | null;
  messageId: string | null;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
  ttftMs: number | null;
  totalMs: number | null;
  outcome: UsageOutcome;
  errorCode: string | null;
  attempts: number;
  createdAt: string;
}

export interface RecordUsageInput {
  userId: string;
  sessionId?: string | null;
  messageId?: string | null;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd?: number | null;
  ttftMs?: number | null;
  totalMs?: number | null;
  outcome: UsageOutcome;
  errorCode?: string | null;
  /** Defaults to 1. */
  attempts?: number;
  id?: string;
  createdAt?: DbTime;
}

export interface UsageTotals {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** Sum of the known costs (rows without a price count as 0). */
  costUsd: number;
}

export interface UsageRepo {
  record(input: RecordUsageInput): Promise<UsageRow>;
  /** Chronological (oldest first); `since` is inclusive. */
  list(q: { userId: string; since?: DbTime; limit?: number }): Promise<UsageRow[]>;
  /** Totals for one user, or for everyone when userId is omitted. */
  totals(q?: { userId?: string; since?: DbTime }): Promise<UsageTotals>;
}

interface DbUsage {
  id: string;
  user_id: string;
  session_id: string | null;
  message_id: string | null;
  provider: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number | null;
  ttft_ms: number | null;
  total_ms: number | null;
  outcome: UsageOutcome;
  error_code: string | null;
  attempts: number;
  created_at: DbTime;
}

interface DbTotals {
  calls: number | string;
  prompt_tokens: number | string | null;
  completion_tokens: number | string | null;
  cost_usd: number | string | null;
}

function toUsage(r: DbUsage): UsageRow {
  return {
    id: r.id,
    userId: r.user_id,
    sessionId: r.session_id,
    messageId: r.message_id,
    provider: r.provider,
    model: r.model,
    promptTokens: toNum(r.prompt_tokens),
    completionTokens: toNum(r.completion_tokens),
    costUsd: toNumOrNull(r.cost_usd),
    ttftMs: toNumOrNull(r.ttft_ms),
    totalMs: toNumOrNull(r.total_ms),
    outcome: r.outcome,
    errorCode: r.error_code,
    attempts: toNum(r.attempts),
    createdAt: toIso(r.created_at),
  };
}

function toRow(i: RecordUsageInput): Partial<DbUsage> & { id: string } {
  return {
    id: i.id ?? randomUUID(),
    user_id: i.userId,
    session_id: i.sessionId ?? null,
    message_id: i.messageId ?? null,
    provider: i.provider,
    model: i.model,
    prompt_tokens: i.promptTokens,
    completion_tokens: i.completionTokens,
    cost_usd: i.costUsd ?? null,
    ttft_ms: i.ttftMs ?? null,
    total_ms: i.totalMs ?? null,
    outcome: i.outcome,
    error_code: i.errorCode ?? null,
    attempts: i.attempts ?? 1,
    ...(i.createdAt !== undefined ? { created_at: i.createdAt } : {}),
  };
}

export function usageRepo(knex: Knex): UsageRepo {
  const table = () => knex<DbUsage>('llm_usage');
  return {
    async record(input) {
      const [row] = await table().insert(toRow(input)).returning('*');
      if (!row) throw new Error('insert into llm_usage returned no row');
      return toUsage(row);
    },

    async list({ userId, since, limit }) {
      const query = table()
        .where({ user_id: userId })
        .orderBy([
          { column: 'created_at', order: 'asc' },
          { column: 'id', order: 'asc' },
        ])
        .limit(clampLimit(limit ?? 10_000, 10_000));
      if (since !== undefined) query.where('created_at', '>=', since);
      return (await query).map(toUsage);
    },

    async totals({ userId, since } = {}) {
      const query = knex('llm_usage').select(
        knex.raw('count(*) as calls'),
        knex.raw('sum(prompt_tokens) as prompt_tokens'),
        knex.raw('sum(completion_tokens) as completion_tokens'),
        knex.raw('sum(cost_usd) as cost_usd'),
      );
      if (userId !== undefined) query.where('user_id', userId);
      if (since !== undefined) query.where('created_at', '>=', since);
      const [row] = (await query) as DbTotals[];
      return {
        calls: toNum(row?.calls ?? 0),
        promptTokens: toNum(row?.prompt_tokens ?? 0),
        completionTokens: toNum(row?.completion_tokens ?? 0),
        costUsd: toNum(row?.cost_usd ?? 0),
      };
    },
  };
}
