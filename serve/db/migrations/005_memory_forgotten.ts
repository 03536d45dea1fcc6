import type { Knex } from 'knex';

/**
 * Forgetting wins: `forgotten_at` marks messages whose memories were deleted (DELETE /v1/memories, a
 * session's memories, a turn cancelled by such a delete). The chat history keeps them, but they are
 * never indexed again: not by the sweep, not as context of a later chunk, not by a re-index (which
 * clears `indexed_at`, never `forgotten_at`). The partial index of unindexed messages leaves them out.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.timestamp('forgotten_at', { useTz: true }).nullable();
  });
  await knex.raw('drop index if exists messages_unindexed_idx');
  await knex.raw('create index messages_unindexed_idx on ?? (seq) where indexed_at is null and forgotten_at is null', ['messages']);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists messages_unindexed_idx');
  await knex.raw('create index messages_unindexed_idx on ?? (seq) where indexed_at is null', ['messages']);
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('forgotten_at');
  });
}
