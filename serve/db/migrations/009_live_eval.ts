import type { Knex } from 'knex';

/**
 * Live quality monitoring (serve/live/): one row per sampled answered turn. It holds ids, scores and
 * timings only, never message or memory text, so forgetting a session or memory leaves nothing to erase here.
 * The judge columns are null when no judge ran; judge_error says why a judge gave no score.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('live_eval', (t) => {
    t.text('id').primary(); // the assistant message's id
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('instance_id').notNullable();
    t.text('user_id').notNullable();
    t.text('session_id').notNullable();
    t.text('model').notNullable();
    t.text('provider').nullable();
    t.text('memory_status').notNullable();
    t.integer('memories_used').notNullable();
    t.jsonb('memory_ids').notNullable();
    t.double('memory_top_score').nullable();
    t.double('memory_mean_score').nullable();
    t.integer('memory_tokens').notNullable();
    t.integer('memory_budget_tokens').notNullable();
    t.integer('prompt_tokens').notNullable();
    t.integer('completion_tokens').notNullable();
    t.double('ttft_ms').nullable();
    t.double('total_ms').notNullable();
    t.boolean('ttft_slo_met').nullable();
    t.boolean('total_slo_met').notNullable();
    t.text('judge_model').nullable();
    t.double('judge_groundedness').nullable();
    t.double('judge_relevance').nullable();
    t.double('judge_score').nullable();
    t.text('judge_error').nullable();
    t.index(['created_at'], 'live_eval_created_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('live_eval');
}
