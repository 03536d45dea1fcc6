import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { clampLimit, decodeCursor, encodeCursor, isRealTimestamp, isUuid, toIso, toPage } from './util';
import type { DbTime, Page } from './util';

export interface SessionRow {
  id: string;
  userId: string;
  title: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreateSessionInput {
  userId: string;
  title?: string | null;
  /** Defaults to a fresh UUID. */
  id?: string;
  /** Defaults to now() in the database. */
  createdAt?: DbTime;
}

export interface SessionsRepo {
  /** Creates the session (and its user, if missing). */
  create(input: CreateSessionInput): Promise<SessionRow>;
  /** null when missing or owned by another user. */
  get(userId: string, id: string): Promise<SessionRow | null>;
  /** Newest first (created_at desc, id desc), keyset-paginated; `titleContains`: only titles containing it (any case). */
  list(q: { userId: string; limit: number; cursor?: string; titleContains?: string }): Promise<Page<SessionRow>>;
  /** Sets the title; null when missing or another user's. */
  rename(userId: string, id: string, title: string | null): Promise<SessionRow | null>;
  /** Deletes the session and its messages; false when missing or another user's. */
  remove(userId: string, id: string): Promise<boolean>;
  /** Bump updated_at (default now). */
  touch(id: string, at?: DbTime): Promise<void>;
}

interface DbSession {
  id: string;
  user_id: string;
  title: string | null;
  created_at: DbTime;
  updated_at: DbTime;
}

/** created_at at full (microsecond) precision, so cursors never skip rows that differ below 1 ms. */
const CREATED_KEY = `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_key`;
const KEY_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function toSession(r: DbSession): SessionRow {
  return { id: r.id, userId: r.user_id, title: r.title, createdAt: toIso(r.created_at), updatedAt: toIso(r.updated_at) };
}

function parseCursor(cursor: string): { createdKey: string; id: string } {
  return decodeCursor(cursor, ([createdKey, id]) =>
    typeof createdKey === 'string' && KEY_FORMAT.test(createdKey) && isRealTimestamp(createdKey) && typeof id === 'string' && isUuid(id)
      ? { createdKey, id }
      : null,
  );
}

export function sessionsRepo(knex: Knex): SessionsRepo {
  return {
    async create({ userId, title, id, createdAt }) {
      await knex('users').insert({ id: userId }).onConflict('id').ignore();
      const row = {
        id: id ?? randomUUID(),
        user_id: userId,
        title: title ?? null,
        ...(createdAt !== undefined ? { created_at: createdAt, updated_at: createdAt } : {}),
      };
      const [inserted] = await knex<DbSession>('sessions').insert(row).returning('*');
      if (!inserted) throw new Error('insert into sessions returned no row');
      return toSession(inserted);
    },

    async get(userId, id) {
      if (!isUuid(id)) return null;
      const row = await knex<DbSession>('sessions').where({ id, user_id: userId }).first();
      return row ? toSession(row) : null;
    },

    async list({ userId, limit, cursor, titleContains }) {
      const n = clampLimit(limit);
      const after = cursor ? parseCursor(cursor) : null;
      const query = knex<DbSession>('sessions')
        .select('*', knex.raw(CREATED_KEY))
        .where('user_id', userId)
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(n + 1);
      if (after) query.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [after.createdKey, after.id]);
      // LIKE's wildcards in the search text are matched literally.
      if (titleContains) query.whereRaw("title ilike ? escape '\\'", [`%${titleContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
      const rows = (await query) as (DbSession & { created_key: string })[];
      return toPage(rows, n, toSession, (r) => encodeCursor([r.created_key, r.id]));
    },

    async rename(userId, id, title) {
      if (!isUuid(id)) return null;
      const [row] = await knex<DbSession>('sessions').where({ id, user_id: userId }).update({ title, updated_at: knex.fn.now() }).returning('*');
      return row ? toSession(row) : null;
    },

    async remove(userId, id) {
      if (!isUuid(id)) return false;
      // Count via RETURNING: knex-pglite 0.14 reports a plain delete's count as a result object, not a number.
      const deleted = await knex('sessions').where({ id, user_id: userId }).delete().returning('id');
      return deleted.length > 0;
    },

    async touch(id, at) {
      if (!isUuid(id)) return;
      await knex('sessions')
        .where({ id })
        .update({ updated_at: at ?? knex.fn.now() });
    },
  };
}
