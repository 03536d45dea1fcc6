import type { Knex } from 'knex';

/**
 * Initial schema, identical on PostgreSQL and PGlite.
 * Ids are UUIDs generated in Node (crypto.randomUUID()); user ids are free-form strings.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.text('id').primary();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary();
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('title').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index sessions_user_created_idx on ?? (user_id, created_at desc, id desc)', ['sessions']);

  await knex.schema.createTable('messages', (t) => {
    t.uuid('id').primary();
    t.specificType('seq', 'bigserial').notNullable().unique();
    t.uuid('session_id').notNullable().references('id').inTable('sessions').onDelete('CASCADE');
    t.text('user_id').notNullable();
    t.text('role').notNullable().checkIn(['system', 'user', 'assistant'], 'messages_role_check');
    t.text('content').notNullable();
    t.text('status')
      .notNullable()
      .defaultTo('complete')
      .checkIn(['complete', 'partial', 'error', 'pending'], 'messages_status_check');
    t.text('model').nullable();
    t.integer('prompt_tokens').nullable();
    t.integer('completion_tokens').nullable();
    t.double('ttft_ms').nullable();
    t.double('total_ms').nullable();
    t.text('error_code').nullable();
    t.text('error_message').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['session_id', 'seq'], 'messages_session_seq_idx');
    t.index(['user_id', 'created_at'], 'messages_user_created_idx');
  });

  // A cost ledger: no foreign keys, rows outlive deleted sessions and messages.
  await knex.schema.createTable('llm_usage', (t) => {
    t.uuid('id').primary();
    t.text('user_id').notNullable();
    t.uuid('session_id').nullable();
    t.uuid('message_id').nullable();
    t.text('provider').notNullable();
    t.text('model').notNullable();
    t.integer('prompt_tokens').notNullable();
    t.integer('completion_tokens').notNullable();
    t.double('cost_usd').nullable();
    t.double('ttft_ms').nullable();
    t.double('total_ms').nullable();
    t.text('outcome').notNullable().checkIn(['ok', 'error', 'aborted', 'partial'], 'llm_usage_outcome_check');
    t.text('error_code').nullable();
    t.integer('attempts').notNullable().defaultTo(1);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'created_at'], 'llm_usage_user_created_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('llm_usage');
  await knex.schema.dropTableIfExists('messages');
  await knex.schema.dropTableIfExists('sessions');
  await knex.schema.dropTableIfExists('users');
}
