import type { Knex } from 'knex';

/**
 * API keys (AUTH=required): only the SHA-256 of a key is stored, never the key. `id` is the short public
 * name of a key (list, revoke); `prefix` is the key's first characters, so its owner can tell keys apart.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.text('id').primary();
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('key_hash').notNullable().unique('api_keys_key_hash_key');
    t.text('prefix').notNullable();
    t.text('label').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['user_id'], 'api_keys_user_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_keys');
}
