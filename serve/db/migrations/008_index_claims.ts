import type { Knex } from 'knex';

/**
 * Indexing claims: servers sharing one PostgreSQL each index a pending message only after claiming it
 * (serve/db/repos/memory-index.ts `claim`, FOR UPDATE SKIP LOCKED), so no message is indexed twice at once.
 * A claim is a lease (`index_claim_until`, database clock) that its indexer renews while it works: a
 * server that dies leaves claims that expire, and another server's sweep takes them over.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.text('index_claimed_by').nullable();
    t.timestamp('index_claim_until', { useTz: true }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('index_claim_until');
    t.dropColumn('index_claimed_by');
  });
}
