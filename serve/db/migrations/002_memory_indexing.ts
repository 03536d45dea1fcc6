import type { Knex } from 'knex';

/**
 * Long-term memory bookkeeping: `indexed_at` marks messages whose memory chunks are in the vector
 * store, so messages missed while the store was down are indexed when it comes back.
 * (The vector table itself belongs to the vector store: pgvector creates it with the dimension
 * of the configured embedder.)
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.timestamp('indexed_at', { useTz: true }).nullable();
  });
  await knex.raw('create index messages_unindexed_idx on ?? (seq) where indexed_at is null', ['messages']);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists messages_unindexed_idx');
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('indexed_at');
  });
}
