import type { Knex } from 'knex';
import { toMessage, type DbMessage, type MessageRow } from './messages';

/**
 * Which messages have their memory chunks in the vector store (messages.indexed_at), and which were
 * forgotten (messages.forgotten_at): a forgotten message is never indexed again nor read as context.
 */
export interface MemoryIndexRepo {
  /** Answered or stored messages not yet indexed nor forgotten, oldest first. */
  pending(opts: { limit: number; sessionId?: string; userId?: string }): Promise<MessageRow[]>;
  markIndexed(ids: string[], at?: Date): Promise<void>;
  /** Up to `n` messages of the session just before `seq`, in chronological order (context for turns and windows). */
  before(sessionId: string, seq: number, n: number): Promise<MessageRow[]>;
  /** A user's messages created in [from, to), chronological (for daily digests). */
  between(userId: string, from: Date, to: Date): Promise<MessageRow[]>;
  /** All of a user's (or one session's) messages, for re-indexing, in seq pages. */
  page(opts: { afterSeq: number; limit: number; userId?: string }): Promise<MessageRow[]>;
  /** Forget the indexed marks (before a full re-index); forgotten messages stay forgotten. */
  reset(opts: { userId?: string; sessionId?: string }): Promise<number>;
  /** Mark the user's messages (of one session, or these ids) forgotten; returns how many were newly marked. */
  forget(opts: { userId: string; sessionId?: string; ids?: string[] }): Promise<number>;
  /** Of these ids, the messages that still exist and are not forgotten. */
  live(ids: string[]): Promise<Set<string>>;
}

const INDEXABLE = ['complete', 'partial'];
/** Ids per `where id in (...)`, well under PostgreSQL's 65,535 bind parameters. */
const ID_BATCH = 5_000;

export function memoryIndexRepo(knex: Knex): MemoryIndexRepo {
  const table = () => knex<DbMessage & { indexed_at: Date | null; forgotten_at: Date | null }>('messages');
  /** Messages memory may still be made from. */
  const remembered = () => table().whereNull('forgotten_at');
  const rows = (r: DbMessage[]) => r.map(toMessage);
  return {
    async pending({ limit, sessionId, userId }) {
      const q = remembered().whereNull('indexed_at').whereIn('status', INDEXABLE).orderBy('seq', 'asc').limit(limit);
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
      const r = await remembered().where('session_id', sessionId).where('seq', '<', seq).orderBy('seq', 'desc').limit(n);
      return rows(r).reverse();
    },
    async between(userId, from, to) {
      return rows(await remembered().where('user_id', userId).where('created_at', '>=', from).where('created_at', '<', to).orderBy('seq', 'asc'));
    },
    async page({ afterSeq, limit, userId }) {
      const q = remembered().where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit);
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
    async forget({ userId, sessionId, ids }) {
      if (ids?.length === 0) return 0;
      const q = table().where('user_id', userId).whereNull('forgotten_at');
      if (sessionId) q.where('session_id', sessionId);
      if (ids) q.whereIn('id', ids);
      const updated = await q.update({ forgotten_at: knex.fn.now() }).returning('id');
      return updated.length;
    },
    async live(ids) {
      const found = new Set<string>();
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += ID_BATCH) {
        const r = (await remembered().whereIn('id', unique.slice(i, i + ID_BATCH)).select('id')) as { id: string }[];
        for (const { id } of r) found.add(id);
      }
      return found;
    },
  };
}
