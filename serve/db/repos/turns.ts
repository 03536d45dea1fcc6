import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { toMessage, type DbMessage, type MessageRow } from './messages';
import type { UsageOutcome } from './usage';
import { isUuid } from './util';

export interface StartTurnInput {
  userId: string;
  sessionId: string;
  /** How many of the session's latest messages to read (the history window). */
  window: number;
  userMessage: { id: string; content: string };
  /** The answer's row, written `pending` (serve/chat/answer-sweep.ts settles it if this process dies). */
  answer: { id: string; model: string; instanceId: string };
}

export interface StartedTurn {
  /** The window before this turn's messages, oldest first. */
  history: MessageRow[];
  userMessage: MessageRow;
  answer: MessageRow;
}

/** An answer's end: its final state and its row in the usage ledger. */
export interface SettleAnswerInput {
  messageId: string;
  sessionId: string;
  userId: string;
  content: string;
  status: 'complete' | 'partial' | 'error';
  model: string;
  promptTokens: number;
  completionTokens: number;
  ttftMs: number | null;
  totalMs: number;
  errorCode: string | null;
  errorMessage: string | null;
  usage: { provider: string; costUsd: number | null; outcome: UsageOutcome; attempts: number };
}

export interface TurnsRepo {
  /**
   * The reads and writes a chat turn needs before the LLM is called, in one round trip and one commit: the
   * session must be the user's, its window is read, the user message and the pending answer are inserted.
   * null (nothing written) when the session is missing or another user's.
   */
  start(input: StartTurnInput): Promise<StartedTurn | null>;
  /**
   * Settles the answer, records its usage and touches the session, in one round trip and one commit (a crash
   * never leaves a settled answer without its ledger row). null when the row is gone (its session deleted
   * meanwhile); the ledger still records the call.
   */
  settle(input: SettleAnswerInput): Promise<MessageRow | null>;
}

/** A function (serve/db/migrations/006_turn_start.ts): the window, the user message, the answer. */
const START_SQL = 'select * from memocha_start_turn(?, ?, ?, ?, ?, ?, ?, ?)';
const SETTLE_SQL = 'select * from memocha_settle_answer(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

export function turnsRepo(knex: Knex): TurnsRepo {
  return {
    async start(i) {
      if (!isUuid(i.sessionId)) return null;
      const result = (await knex.raw(START_SQL, [
        i.sessionId,
        i.userId,
        Math.max(0, Math.floor(i.window)),
        i.userMessage.id,
        i.userMessage.content,
        i.answer.id,
        i.answer.model,
        i.answer.instanceId,
      ])) as { rows: DbMessage[] };
      let user: MessageRow | undefined;
      let answer: MessageRow | undefined;
      const history: MessageRow[] = [];
      for (const row of result.rows) {
        if (row.id === i.userMessage.id) user = toMessage(row);
        else if (row.id === i.answer.id) answer = toMessage(row);
        else history.push(toMessage(row));
      }
      if (!user || !answer) return null;
      history.sort((x, y) => x.seq - y.seq);
      return { history, userMessage: user, answer };
    },

    async settle(i) {
      const result = (await knex.raw(SETTLE_SQL, [
        i.messageId,
        i.sessionId,
        i.userId,
        i.content,
        i.status,
        i.model,
        i.promptTokens,
        i.completionTokens,
        i.ttftMs,
        i.totalMs,
        i.errorCode,
        i.errorMessage,
        randomUUID(),
        i.usage.provider,
        i.usage.costUsd,
        i.usage.outcome,
        i.usage.attempts,
      ])) as { rows: DbMessage[] };
      const [row] = result.rows;
      return row ? toMessage(row) : null;
    },
  };
}
