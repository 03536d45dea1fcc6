import type { Knex } from 'knex';

export interface UsersRepo {
  /** Create the user if missing (idempotent, safe under concurrency). */
  ensure(userId: string): Promise<void>;
  /** Every user id (for sweeps that go user by user). */
  list(): Promise<string[]>;
}

/** Users this process has ensured: every request names its user, and users are never deleted by Memocha. */
const KNOWN_MAX = 100_000;

export function usersRepo(knex: Knex): UsersRepo {
  // Saves a write per request (a transaction on the one PGlite connection). Bounded: cleared when full.
  const known = new Set<string>();
  return {
    async ensure(userId) {
      if (known.has(userId)) return;
      await knex('users').insert({ id: userId }).onConflict('id').ignore();
      if (known.size >= KNOWN_MAX) known.clear();
      known.add(userId);
    },
    async list() {
      const rows = await knex<{ id: string }>('users').select('id').orderBy('id');
      return rows.map((r) => r.id);
    },
  };
}
