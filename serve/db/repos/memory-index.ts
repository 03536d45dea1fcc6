import type { Knex } from 'knex';
import { toMessage, type DbMessage, type MessageRow } from './messages';

/**
 * Which messages have their memory chunks in the vector store (messages.indexed_at), and which were
 * forgotten (messages.forgotten_at): a forgotten message is never indexed again nor read as context.
 */
export interface MemoryIndexRepo {
  /** Answered or stored messages not yet indexed nor forgotten, oldest first. */
  pending(opts: { limit: number; sessionId?: string; userId?: string }): Promise<MessageRow[]>;
  /**
   * Claim up to `limit` pending messages nobody holds a live claim on, oldest first, for `leaseMs`
   * (database clock). Rows another transaction is claiming are skipped, never waited for: two
   * servers claiming at once get disjoint sets.
   */
  claim(opts: ClaimOptions): Promise<MessageRow[]>;
  /** Extend `owner`'s claims on these messages; returns how many it still held. */
  renewClaims(ids: string[], owner: string, leaseMs: number): Promise<number>;
  /** Drop `owner`'s claims on these messages (its indexing failed: anyone may retry them at once). */
  releaseClaims(ids: string[], owner: string): Promise<number>;
  /** Mark messages indexed, clearing their claims. */
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

export interface ClaimOptions {
  owner: string;
  leaseMs: number;
  limit: number;
  sessionId?: string;
  /** Only messages created at or before this (the sweep leaves young turns to the per-turn indexing). */
  createdBefore?: Date;
}

const INDEXABLE = ['complete', 'partial'];
/** Ids per `where id in (...)`, well under PostgreSQL's 65,535 bind parameters. */
const ID_BATCH = 5_000;

export function memoryIndexRepo(knex: Knex): MemoryIndexRepo {
  const table = () =>
    knex<DbMessage & { indexed_at: Date | null; forgotten_at: Date | null; index_claimed_by: string | null; index_claim_until: Date | null }>('messages');
  /** Messages memory may still be made from. */
  const remembered = () => table().whereNull('forgotten_at');
  const rows = (r: DbMessage[]) => r.map(toMessage);
  const leaseEnd = (ms: number) => knex.raw("now() + (? * interval '1 millisecond')", [Math.max(1, Math.floor(ms))]) as unknown as Date;
  return {
    async pending({ limit, sessionId, userId }) {
      const q = remembered().whereNull('indexed_at').whereIn('status', INDEXABLE).orderBy('seq', 'asc').limit(limit);
      if (sessionId) q.where('session_id', sessionId);
      if (userId) q.where('user_id', userId);
      return rows(await q);
    },
    async claim({ owner, leaseMs, limit, sessionId, createdBefore }) {
      const free = remembered()
        .select('id')
        .whereNull('indexed_at')
        .whereIn('status', INDEXABLE)
        .where((q) => q.whereNull('index_claim_until').orWhere('index_claim_until', '<', knex.fn.now()))
        .orderBy('seq', 'asc')
        .limit(Math.max(1, Math.floor(limit)))
        .forUpdate()
        .skipLocked();
      if (sessionId) free.where('session_id', sessionId);
      if (createdBefore) free.where('created_at', '<=', createdBefore);
      const sub = free.toSQL();
      // Materialized: as `where id in (subquery)` the planner may rescan the subquery, which then skips
      // the rows this statement already claimed and locks the next ones (a limit of 7 claimed 20).
      const res = (await knex.raw(
        `with free as materialized (${sub.sql})
         update ?? m set index_claimed_by = ?, index_claim_until = now() + (? * interval '1 millisecond')
           from free where m.id = free.id
         returning m.*`,
        [...sub.bindings, 'messages', owner, Math.max(1, Math.floor(leaseMs))],
      )) as { rows: DbMessage[] };
      return rows(res.rows).sort((a, b) => a.seq - b.seq);
    },
    async renewClaims(ids, owner, leaseMs) {
      let n = 0;
      for (let i = 0; i < ids.length; i += ID_BATCH) {
        const part = ids.slice(i, i + ID_BATCH);
        n += (await table().whereIn('id', part).where('index_claimed_by', owner).whereNull('indexed_at').update({ index_claim_until: leaseEnd(leaseMs) }).returning('id')).length;
      }
      return n;
    },
    async releaseClaims(ids, owner) {
      let n = 0;
      for (let i = 0; i < ids.length; i += ID_BATCH) {
        const part = ids.slice(i, i + ID_BATCH);
        n += (await table().whereIn('id', part).where('index_claimed_by', owner).update({ index_claimed_by: null, index_claim_until: null }).returning('id')).length;
      }
      return n;
    },
    async markIndexed(ids, at = new Date()) {
      for (let i = 0; i < ids.length; i += ID_BATCH) {
        await table()
          .whereIn('id', ids.slice(i, i + ID_BATCH))
          .update({ indexed_at: at, index_claimed_by: null, index_claim_until: null });
      }
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
      const updated = await q.update({ indexed_at: null, index_claimed_by: null, index_claim_until: null }).returning('id');
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
