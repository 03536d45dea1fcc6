import type { Knex } from 'knex';

export interface UsersRepo {
  /** Create the user if missing (idempotent, safe under concurrency). */
  ensure(userId: string): Promise<void>;
  /** Every user id (for sweeps that go user by user). */
  list(): Promise<string[]>;
}

export function usersRepo(knex: Knex): UsersRepo {
  return {
    async ensure(userId) {
      await knex('users').insert({ id: userId }).onConflict('id').ignore();
    },
    async list() {
      const rows = await knex<{ id: string }>('users').select('id').orderBy('id');
      return rows.map((r) => r.id);
    },
  };
}
