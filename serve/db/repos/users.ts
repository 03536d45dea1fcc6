import type { Knex } from 'knex';

export interface UsersRepo {
  /** Create the user if missing (idempotent, safe under concurrency). */
  ensure(userId: string): Promise<void>;
}

export function usersRepo(knex: Knex): UsersRepo {
  return {
    async ensure(userId) {
      await knex('users').insert({ id: userId }).onConflict('id').ignore();
    },
  };
}
