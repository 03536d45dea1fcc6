import type { Knex } from 'knex';
import { apiKeysRepo, type ApiKeysRepo } from './api-keys';
import { liveEvalRepo, type LiveEvalRepo } from './live-eval';
import { memoryIndexRepo, type MemoryIndexRepo } from './memory-index';
import { messagesRepo, type MessagesRepo } from './messages';
import { sessionsRepo, type SessionsRepo } from './sessions';
import { turnsRepo, type TurnsRepo } from './turns';
import { usageRepo, type UsageRepo } from './usage';
import { usersRepo, type UsersRepo } from './users';

export type { UsersRepo } from './users';
export type { ApiKeyInfo, ApiKeysRepo } from './api-keys';
export type { LiveEvalRepo, LiveSample, NewLiveSample } from './live-eval';
export type { MemoryIndexRepo } from './memory-index';
export type { CreateSessionInput, SessionRow, SessionsRepo } from './sessions';
export type { InsertMessageInput, MessagePatch, MessageRole, MessageRow, MessageStatus, MessagesRepo } from './messages';
export type { StartedTurn, StartTurnInput, TurnsRepo } from './turns';
export type { RecordUsageInput, UsageOutcome, UsageRepo, UsageRow, UsageTotals } from './usage';
export type { DbTime, Page } from './util';

export interface Repos {
  users: UsersRepo;
  sessions: SessionsRepo;
  messages: MessagesRepo;
  /** A chat turn's start: its reads and writes before the LLM call in one statement. */
  turns: TurnsRepo;
  usage: UsageRepo;
  memoryIndex: MemoryIndexRepo;
  apiKeys: ApiKeysRepo;
  /** Sampled turns of live quality monitoring (serve/live/). */
  liveEval: LiveEvalRepo;
  /** Runs `fn` with repositories bound to one transaction: all its writes land together or not at all. */
  transaction<T>(fn: (repos: Repos) => Promise<T>): Promise<T>;
}

/** The only code that touches knex: one small repository per table. */
export function createRepos(knex: Knex): Repos {
  return {
    users: usersRepo(knex),
    sessions: sessionsRepo(knex),
    messages: messagesRepo(knex),
    turns: turnsRepo(knex),
    usage: usageRepo(knex),
    memoryIndex: memoryIndexRepo(knex),
    apiKeys: apiKeysRepo(knex),
    liveEval: liveEvalRepo(knex),
    transaction: (fn) => knex.transaction((trx) => fn(createRepos(trx))),
  };
}
