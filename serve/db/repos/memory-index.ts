import type { Knex } from 'knex';
import { toMessage, type DbMessage, type MessageRow } from './messages';

/** Which messages have their memory chunks in the vector store (messages.indexed_at). */
export interface MemoryIndexRepo {
  /** Answered or stored messages not yet indexed, oldest first. */
  pending(opts: { limit: number; sessionId?: string; userId?: string }): Promise<MessageRow[]>;
  markIndexed(ids: string[], at?: Date): Promise<void>;
  /** Up to `n` messages of the session just before `seq`, in chronological order (context for turns and windows). */
  before(sessionId: string, seq: number, n: number): Promise<MessageRow[]>;
  /** A user's messages created in [from, to), chronological (for daily digests). */
  between(userId: string, from: Date, to: Date): Promise<MessageRow[]>;
  /** All of a user's (or one session's) messages, for re-indexing, in seq pages. */
  page(opts: { afterSeq: number; limit: number; userId?: string }): Promise<MessageRow[]>;
  /** Forget the indexed marks (after clearing memories, or before a full re-index). */
  reset(opts: { userId?: string; sessionId?: string }): Promise<number>;
}

const INDEXABLE = ['complete', 'partial'];

export function memoryIndexRepo(knex: Knex): MemoryIndexRepo {
  const table = () => knex<DbMessage & { indexed_at: Date | null }>('messages');
  const rows = (r: DbMessage[]) => r.map(toMessage);
  return {
    async pending({ limit, sessionId, userId }) {
      const q = table().whereNull('indexed_at').whereIn('status', INDEXABLE).orderBy('seq', 'asc').limit(limit);
      if (sessionId) q.where('session_id', sessionId);
      if (userId) q.where('user_id', userId);
      return rows(await q);
    },
    async markIndexed(ids, at = new Date()) {
      if (ids.length === 0) return;
      await table().whereIn('id', ids).update({ indexed_at: at });
    },
    async before(sessionId, seq, n) {
      if (n <= 0) return [];
      const r = await table().where('session_id', sessionId).where('seq', '<', seq).orderBy('seq', 'desc').limit(n);
      return rows(r).reverse();
    },
    async between(userId, from, to) {
      return rows(await table().where('user_id', userId).where('created_at', '>=', from).where('created_at', '<', to).orderBy('seq', 'asc'));
    },
    async page({ afterSeq, limit, userId }) {
      const q = table().where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit);
      if (userId) q.where('user_id', userId);
      return rows(await q);
    },
    async reset({ userId, sessionId }) {
      const q = table().whereNotNull('indexed_at');
      if (userId) q.where('user_id', userId);
      if (sessionId) q.where('session_id', sessionId);
      const updated = await q.update({ indexed_at: null }).returning('id');
      return updated.length;
    },
  };
}
