import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { toIso, type DbTime } from './util';

export interface ApiKeyInfo {
  /** Short public name of the key (list, revoke); not a secret. */
  id: string;
  userId: string;
  /** The key's first characters, to tell keys apart; not enough to use it. */
  prefix: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface ApiKeysRepo {
  /** A new key for `userId` (the user is created if missing). `key` is returned once and never stored. */
  create(userId: string, opts?: { label?: string }): Promise<{ key: string; info: ApiKeyInfo }>;
  /** Every key (of one user when given), newest first; revoked keys included. */
  list(userId?: string): Promise<ApiKeyInfo[]>;
  /** Revoke by id; null when there is no such key. Revoking twice keeps the first revocation time. */
  revoke(id: string): Promise<ApiKeyInfo | null>;
  /** The live (not revoked) key matching `key`, or null. */
  findByKey(key: string): Promise<ApiKeyInfo | null>;
  /** Record a use (last_used_at = now). */
  touch(id: string): Promise<void>;
}

interface DbApiKey {
  id: string;
  user_id: string;
  key_hash: string;
  prefix: string;
  label: string | null;
  created_at: DbTime;
  last_used_at: DbTime | null;
  revoked_at: DbTime | null;
}

const KEY_PREFIX = 'mk_';
/** mk_ + 32 random bytes in base64url (43 characters). */
const KEY_FORMAT = /^mk_[A-Za-z0-9_-]{43}$/;
const ID_FORMAT = /^[0-9a-f]{12}$/;
const COLUMNS = ['id', 'user_id', 'prefix', 'label', 'created_at', 'last_used_at', 'revoked_at'] as const;

/** SHA-256 of the key, hex. Keys are 256 random bits, so a fast unsalted hash is enough to make a stolen table useless. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Could `value` be a key this server issued? (Checked before hashing or querying.) */
export function looksLikeApiKey(value: string): boolean {
  return KEY_FORMAT.test(value);
}

function toInfo(r: Omit<DbApiKey, 'key_hash'>): ApiKeyInfo {
  return {
    id: r.id,
    userId: r.user_id,
    prefix: r.prefix,
    label: r.label,
    createdAt: toIso(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : toIso(r.last_used_at),
    revokedAt: r.revoked_at === null ? null : toIso(r.revoked_at),
  };
}

export function apiKeysRepo(knex: Knex): ApiKeysRepo {
  const table = () => knex<DbApiKey>('api_keys');
  return {
    async create(userId, opts = {}) {
      const key = KEY_PREFIX + randomBytes(32).toString('base64url');
      await knex('users').insert({ id: userId }).onConflict('id').ignore();
      const [row] = (await table()
        .insert({ id: randomBytes(6).toString('hex'), user_id: userId, key_hash: hashApiKey(key), prefix: key.slice(0, 10), label: opts.label ?? null })
        .returning([...COLUMNS])) as DbApiKey[];
      if (!row) throw new Error('api key insert returned no row');
      return { key, info: toInfo(row) };
    },
    async list(userId) {
      const q = table().select([...COLUMNS]).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
      if (userId !== undefined) q.where('user_id', userId);
      return ((await q) as DbApiKey[]).map(toInfo);
    },
    async revoke(id) {
      if (!ID_FORMAT.test(id)) return null;
      const [row] = (await table()
        .where({ id })
        .update({ revoked_at: knex.raw('coalesce(revoked_at, now())') as unknown as Date })
        .returning([...COLUMNS])) as DbApiKey[];
      return row ? toInfo(row) : null;
    },
    async findByKey(key) {
      if (!looksLikeApiKey(key)) return null;
      const row = (await table().select([...COLUMNS]).where({ key_hash: hashApiKey(key) }).whereNull('revoked_at').first()) as DbApiKey | undefined;
      return row ? toInfo(row) : null;
    },
    async touch(id) {
      await table().where({ id }).update({ last_used_at: knex.fn.now() as unknown as Date });
    },
  };
}
