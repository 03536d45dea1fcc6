import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { clampLimit, decodeCursor, defined, encodeCursor, isUuid, toIso, toNum, toNumOrNull, toPage } from './util';
import type { DbTime, Page } from './util';

export type MessageRole = 'system' | 'user' | 'assistant';
/** pending: the answer is streaming (its text saved as it goes); interrupted: its process died first (swept at start-up). */
export type MessageStatus = 'complete' | 'partial' | 'error' | 'pending' | 'interrupted';

export interface MessageRow {
  id: string;
  /** Global insertion order; the ordering within a session (created_at ties are common). */
  seq: number;
  sessionId: string;
  userId: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  ttftMs: number | null;
  totalMs: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Fields that may be changed after insert (e.g. a streamed answer being finalised). */
export interface MessagePatch {
  content?: string;
  status?: MessageStatus;
  model?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  ttftMs?: number | null;
  totalMs?: number | null;
  errorCode?: string | null;
  errorMessage?: string | null;
}

export interface InsertMessageInput extends MessagePatch {
  sessionId: string;
  userId: string;
  role: MessageRole;
  content: string;
  /** Defaults to a fresh UUID. */
  id?: string;
  /** Defaults to now() in the database. */
  createdAt?: DbTime;
  /** The process that owns a pending answer (see interruptStale). */
  instanceId?: string;
}

/** The error code stored on an answer whose process died while it streamed. */
export const INTERRUPTED_CODE = 'interrupted';

export interface MessagesRepo {
  insert(input: InsertMessageInput): Promise<MessageRow>;
  /** Applies the patch and bumps updated_at; null when the message does not exist. */
  update(id: string, patch: MessagePatch): Promise<MessageRow | null>;
  get(id: string): Promise<MessageRow | null>;
  /** Oldest first (by seq), keyset-paginated; only the given user's messages. */
  list(q: { sessionId: string; userId: string; limit: number; cursor?: string }): Promise<Page<MessageRow>>;
  /** The last `n` messages of the session, in chronological order. */
  recent(sessionId: string, n: number): Promise<MessageRow[]>;
  countBySession(sessionId: string): Promise<number>;
  /** Saves a streaming answer's text (and bumps updated_at, its heartbeat); false unless it is still pending. */
  savePending(id: string, content: string): Promise<boolean>;
  /** Records a pending answer's prompt size (what the sweep bills if its process dies); false unless still pending. */
  setPendingPromptTokens(id: string, promptTokens: number): Promise<boolean>;
  /** savePending for many answers in one statement; returns the ids that were still pending (and saved). */
  savePendingMany(rows: readonly { id: string; content: string }[]): Promise<Set<string>>;
  /**
   * Marks `interrupted` up to `limit` pending answers owned by another instance than `exceptInstance` and not
   * saved for `staleMs` (by the database clock), keeping their saved text; returns them.
   */
  interruptStale(q: { exceptInstance: string; staleMs: number; limit: number }): Promise<MessageRow[]>;
}

export interface DbMessage {
  id: string;
  seq: number | string;
  session_id: string;
  user_id: string;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  ttft_ms: number | null;
  total_ms: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: DbTime;
  updated_at: DbTime;
  instance_id?: string | null;
}

export function toMessage(r: DbMessage): MessageRow {
  return {
    id: r.id,
    seq: toNum(r.seq),
    sessionId: r.session_id,
    userId: r.user_id,
    role: r.role,
    content: r.content,
    status: r.status,
    model: r.model,
    promptTokens: toNumOrNull(r.prompt_tokens),
    completionTokens: toNumOrNull(r.completion_tokens),
    ttftMs: toNumOrNull(r.ttft_ms),
    totalMs: toNumOrNull(r.total_ms),
    errorCode: r.error_code,
    errorMessage: r.error_message,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}

function patchColumns(p: MessagePatch): Partial<DbMessage> {
  return defined({
    content: p.content,
    status: p.status,
    model: p.model,
    prompt_tokens: p.promptTokens,
    completion_tokens: p.completionTokens,
    ttft_ms: p.ttftMs,
    total_ms: p.totalMs,
    error_code: p.errorCode,
    error_message: p.errorMessage,
  });
}

function parseCursor(cursor: string): number {
  return decodeCursor(cursor, ([seq]) => (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : null));
}

export function messagesRepo(knex: Knex): MessagesRepo {
  const table = () => knex<DbMessage>('messages');
  return {
    async insert(input) {
      const row = {
        ...patchColumns(input),
        id: input.id ?? randomUUID(),
        session_id: input.sessionId,
        user_id: input.userId,
        role: input.role,
        content: input.content,
        ...(input.instanceId !== undefined ? { instance_id: input.instanceId } : {}),
        ...(input.createdAt !== undefined ? { created_at: input.createdAt, updated_at: input.createdAt } : {}),
      };
      const [inserted] = await table().insert(row).returning('*');
      if (!inserted) throw new Error('insert into messages returned no row');
      return toMessage(inserted);
    },

    async update(id, patch) {
      if (!isUuid(id)) return null;
      const [row] = await table()
        .where({ id })
        .update({ ...patchColumns(patch), updated_at: knex.fn.now() })
        .returning('*');
      return row ? toMessage(row) : null;
    },

    async get(id) {
      if (!isUuid(id)) return null;
      const row = await table().where({ id }).first();
      return row ? toMessage(row) : null;
    },

    async list({ sessionId, userId, limit, cursor }) {
      const n = clampLimit(limit);
      const afterSeq = cursor ? parseCursor(cursor) : null;
      if (!isUuid(sessionId)) return { items: [], nextCursor: null };
      const query = table().where({ session_id: sessionId, user_id: userId }).orderBy('seq', 'asc').limit(n + 1);
      if (afterSeq !== null) query.where('seq', '>', afterSeq);
      const rows = await query;
      return toPage(rows, n, toMessage, (r) => encodeCursor([toNum(r.seq)]));
    },

    async recent(sessionId, n) {
      if (!isUuid(sessionId) || n <= 0) return [];
      // Index-backed: (session_id, seq) scanned backwards, then put back in chronological order.
      const rows = await table().where({ session_id: sessionId }).orderBy('seq', 'desc').limit(Math.floor(n));
      return rows.reverse().map(toMessage);
    },

    async countBySession(sessionId) {
      if (!isUuid(sessionId)) return 0;
      const [row] = (await table().where({ session_id: sessionId }).count({ count: '*' })) as { count: number | string }[];
      return row ? toNum(row.count) : 0;
    },

    async savePending(id, content) {
      const n = await table().where({ id, status: 'pending' }).update({ content, updated_at: knex.fn.now() });
      return n > 0;
    },

    async savePendingMany(rows) {
      if (rows.length === 0) return new Set();
      const values = rows.map(() => '(?::uuid, ?::text)').join(', ');
      const result = await knex.raw(
        `UPDATE messages AS m SET content = v.content, updated_at = now() FROM (VALUES ${values}) AS v(id, content) WHERE m.id = v.id AND m.status = 'pending' RETURNING m.id`,
        rows.flatMap((r) => [r.id, r.content]),
      );
      return new Set(((result as { rows: { id: string }[] }).rows ?? []).map((r) => r.id));
    },

    async setPendingPromptTokens(id, promptTokens) {
      const n = await table().where({ id, status: 'pending' }).update({ prompt_tokens: promptTokens });
      return n > 0;
    },

    async interruptStale({ exceptInstance, staleMs, limit }) {
      // skip locked: two instances sweeping at once never take the same row.
      const stale = knex('messages')
        .select('id')
        .where('status', 'pending')
        .where((q) => q.whereNull('instance_id').orWhereNot('instance_id', exceptInstance))
        .where('updated_at', '<', knex.raw("now() - (? * interval '1 millisecond')", [staleMs]))
        .orderBy('seq', 'asc')
        .limit(Math.max(1, Math.floor(limit)))
        .forUpdate()
        .skipLocked();
      const rows = await table()
        .whereIn('id', stale)
        .where('status', 'pending')
        .update({
          status: 'interrupted',
          error_code: INTERRUPTED_CODE,
          error_message: 'The server stopped before the answer was finished; the text saved until then is kept',
          // the row's age at its last save: how long the call had run, at least
          total_ms: knex.raw('extract(epoch from (updated_at - created_at)) * 1000') as unknown as number,
          updated_at: knex.fn.now(),
        })
        .returning('*');
      return rows.map(toMessage).sort((a, b) => a.seq - b.seq);
    },
  };
}
