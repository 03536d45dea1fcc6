import type { Knex } from 'knex';

/**
 * An answer's lifecycle that survives a crash: the assistant row is written `pending` before the LLM call
 * and its text saved as it streams; rows a dead process left `pending` become `interrupted` (and the
 * usage ledger gets an `interrupted` row). `instance_id` names the process that owns a pending row, so a
 * sweep never takes another live instance's answers (see serve/chat/answer-sweep.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.text('instance_id').nullable();
  });
  await knex.raw('alter table ?? drop constraint if exists messages_status_check', ['messages']);
  await knex.raw(
    "alter table ?? add constraint messages_status_check check (status in ('complete', 'partial', 'error', 'pending', 'interrupted'))",
    ['messages'],
  );
  await knex.raw('alter table ?? drop constraint if exists llm_usage_outcome_check', ['llm_usage']);
  await knex.raw(
    "alter table ?? add constraint llm_usage_outcome_check check (outcome in ('ok', 'error', 'aborted', 'partial', 'interrupted'))",
    ['llm_usage'],
  );
  await knex.raw("create index messages_pending_idx on ?? (updated_at) where status = 'pending'", ['messages']);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists messages_pending_idx');
  await knex('messages').where({ status: 'interrupted' }).update({ status: 'partial' });
  await knex('llm_usage').where({ outcome: 'interrupted' }).update({ outcome: 'partial' });
  await knex.raw('alter table ?? drop constraint if exists messages_status_check', ['messages']);
  await knex.raw("alter table ?? add constraint messages_status_check check (status in ('complete', 'partial', 'error', 'pending'))", ['messages']);
  await knex.raw('alter table ?? drop constraint if exists llm_usage_outcome_check', ['llm_usage']);
  await knex.raw("alter table ?? add constraint llm_usage_outcome_check check (outcome in ('ok', 'error', 'aborted', 'partial'))", ['llm_usage']);
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('instance_id');
  });
}
