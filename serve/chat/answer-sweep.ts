/**
 * Answers left `pending` by a process that died (kill -9, OOM, power) become `interrupted` with the text
 * saved until then, and the usage ledger gets an `interrupted` row with tokens estimated from that text.
 *
 * Which pending rows are dead: each process has a random instance id, stored on its pending rows, and a
 * live answer re-saves its row at least every lease/3 (serve/chat/answer-saver.ts). A sweep takes only rows
 * of another instance not saved for ANSWER_LEASE_MS (database clock), so servers sharing one PostgreSQL
 * never take each other's live answers. Embedded PGlite has one process by construction, so there every
 * other instance's row is dead at once (no lease).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createRepos } from '../db/repos';
import { INTERRUPTED_CODE } from '../db/repos/messages';
import { countTokens } from '../llm/tokens';
import type { LlmUsage } from '../llm/types';

/** Random per process start: the owner recorded on this process's pending answers. */
export const PROCESS_INSTANCE_ID = randomUUID();

export interface AnswerSweepOptions {
  knex: Knex;
  instanceId: string;
  /** Rows of other instances not saved for this long are dead (0: every other instance's row). */
  staleMs: number;
  costUsd: (model: string, usage: LlmUsage) => number | null;
  batch?: number;
}

/** One sweep; returns how many answers were marked interrupted. */
export async function sweepInterruptedAnswers(o: AnswerSweepOptions): Promise<number> {
  let total = 0;
  for (;;) {
    // The status change and its ledger row commit together: a crash mid-sweep leaves both for the next one.
    const n = await o.knex.transaction(async (trx) => {
      const repos = createRepos(trx);
      const rows = await repos.messages.interruptStale({ exceptInstance: o.instanceId, staleMs: o.staleMs, limit: o.batch ?? 100 });
      for (const m of rows) {
        const completionTokens = countTokens(m.content);
        const promptTokens = m.promptTokens ?? 0;
        const usage: LlmUsage = { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, source: 'estimated' };
        const model = m.model ?? 'unknown';
        await repos.messages.update(m.id, { completionTokens });
        await repos.usage.record({
          userId: m.userId,
          sessionId: m.sessionId,
          messageId: m.id,
          provider: 'unknown', // which provider of the chain answered is known only at the end
          model,
          promptTokens,
          completionTokens,
          costUsd: o.costUsd(model, usage),
          ttftMs: null,
          totalMs: m.totalMs,
          outcome: 'interrupted',
          errorCode: INTERRUPTED_CODE,
          attempts: 1,
        });
      }
      return rows.length;
    });
    total += n;
    if (n === 0) return total;
  }
}

/** The start-up sweep, then (when a lease applies) one every lease/2 for rows of instances that die later. */
export async function startAnswerSweeper(o: AnswerSweepOptions & { logger: Logger; periodic: boolean }): Promise<() => void> {
  const sweep = async () => {
    try {
      const n = await sweepInterruptedAnswers(o);
      if (n > 0) o.logger.warn({ interrupted: n }, 'answers left pending by a stopped process marked interrupted');
    } catch (err) {
      o.logger.warn({ err }, 'sweeping interrupted answers failed');
    }
  };
  await sweep();
  if (!o.periodic) return () => undefined;
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= sweep().finally(() => (running = undefined));
  }, Math.max(100, Math.floor(o.staleMs / 2)));
  timer.unref();
  return () => clearInterval(timer);
}
