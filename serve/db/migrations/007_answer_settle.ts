import type { Knex } from 'knex';

/**
 * A chat turn's end as one server-side function (serve/db/repos/turns.ts): settle the answer, record its
 * usage and touch the session, one round trip instead of five (begin, update, insert, commit, touch), all
 * committed together as one statement (a crash never leaves a settled answer without its ledger row).
 * See 006_turn_start.ts for why functions.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create or replace function memocha_settle_answer(
  p_message uuid, p_session uuid, p_user text, p_content text, p_status text, p_model text,
  p_prompt_tokens integer, p_completion_tokens integer, p_ttft_ms double precision, p_total_ms double precision,
  p_error_code text, p_error_message text,
  p_usage_id uuid, p_provider text, p_cost_usd double precision, p_outcome text, p_attempts integer
) returns setof messages language plpgsql as $$
declare
  settled messages;
  kept boolean;
begin
  update messages set content = p_content, status = p_status, model = p_model, prompt_tokens = p_prompt_tokens,
    completion_tokens = p_completion_tokens, ttft_ms = p_ttft_ms, total_ms = p_total_ms, error_code = p_error_code,
    error_message = p_error_message, updated_at = now()
  where id = p_message returning * into settled;
  kept := found;
  insert into llm_usage (id, user_id, session_id, message_id, provider, model, prompt_tokens, completion_tokens,
    cost_usd, ttft_ms, total_ms, outcome, error_code, attempts)
  values (p_usage_id, p_user, p_session, p_message, p_provider, p_model, p_prompt_tokens, p_completion_tokens,
    p_cost_usd, p_ttft_ms, p_total_ms, p_outcome, p_error_code, p_attempts);
  update sessions set updated_at = now() where id = p_session;
  if kept then
    return next settled;
  end if;
end
$$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'drop function if exists memocha_settle_answer(uuid, uuid, text, text, text, text, integer, integer, double precision, double precision, text, text, uuid, text, double precision, text, integer)',
  );
}
