import type { Knex } from 'knex';

/**
 * A chat turn's start as one server-side function (serve/db/repos/turns.ts): check the session is the user's,
 * read its window, insert the user message and the answer's pending row: one round trip instead of four
 * (its end is 007_answer_settle.ts). A function runs as one statement, so its writes commit together,
 * and PL/pgSQL keeps its statements' plans for the connection, where a one-off statement is planned on every
 * call (a single WITH statement doing the same took longer to plan than to run). Each statement sees the
 * rows committed before it: the window never holds this turn's own rows, and a session deleted after the
 * check fails the inserts on the foreign key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create or replace function memocha_start_turn(
  p_session uuid, p_user text, p_window integer, p_user_message uuid, p_content text,
  p_answer uuid, p_model text, p_instance text
) returns setof messages language plpgsql as $$
begin
  perform 1 from sessions where id = p_session and user_id = p_user;
  if not found then
    return;
  end if;
  return query select * from messages where session_id = p_session order by seq desc limit greatest(p_window, 0);
  return query insert into messages (id, session_id, user_id, role, content, status)
    values (p_user_message, p_session, p_user, 'user', p_content, 'complete') returning *;
  return query insert into messages (id, session_id, user_id, role, content, status, model, instance_id)
    values (p_answer, p_session, p_user, 'assistant', '', 'pending', p_model, p_instance) returning *;
end
$$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists memocha_start_turn(uuid, text, integer, uuid, text, uuid, text, text)');
}
