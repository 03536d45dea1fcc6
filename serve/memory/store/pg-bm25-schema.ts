/**
 * BM25 term statistics for a memories table, kept by triggers so every write path (upsert, replace
 * of an id, delete by ids/session/user/time, retention, truncate, hand-written SQL) updates them:
 *   <table>_bm25        postings: one row per (memory, term) with tf and the memory's length,
 *                       indexed by (user_id, term) covering the rest (index-only scans), and by memory_id
 *   <table>_bm25_users  per user: docs (N) and total_len (Σ doc lengths, for the average)
 * Document frequency is not stored: a query reads every posting of its terms anyway (to score
 * them), so df is their count, and writes stay at one row per (memory, term) — no per-term
 * counter rows to update (and lock) on every insert.
 * Terms are `to_tsvector('english', text)` lexemes (stemmed, stop words dropped); tf is the number
 * of positions (PostgreSQL keeps at most 256 per lexeme, and positions stop at 16383).
 */
import type { Knex } from 'knex';

export const BM25_TEXT_CONFIG = 'english';
/** Kept as the postings table's comment: statistics of another layout (or tokeniser) are rebuilt. */
const LAYOUT = `memocha bm25 layout 1, to_tsvector('${BM25_TEXT_CONFIG}')`;

export const bm25Names = (table: string) =>
  ({
    postings: `${table}_bm25`,
    postingsByTerm: `${table}_bm25_term`,
    postingsByDoc: `${table}_bm25_doc`,
    users: `${table}_bm25_users`,
    usersKey: `${table}_bm25_users_pk`,
    onInsert: `${table}_bm25_ins`,
    onUpdate: `${table}_bm25_upd`,
    onDelete: `${table}_bm25_del`,
    onTruncate: `${table}_bm25_trunc`,
  }) as const;

/** A double-quoted identifier (function bodies are text: knex bindings cannot reach them). */
const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface Qualified {
  memories: string;
  postings: string;
  users: string;
}

/** SQL adding the terms of `source` (rows with id, user_id, text) to the statistics. */
function addSql(q: Qualified, source: string): string {
  return `with docs as (select s.id, s.user_id, to_tsvector('${BM25_TEXT_CONFIG}', s.text) as v from ${source} s),
    terms as (select d.id, d.user_id, t.lexeme, coalesce(array_length(t.positions, 1), 1) as tf from docs d cross join lateral unnest(d.v) t),
    lens as (select id, sum(tf)::int as len from terms group by id),
    added as (
      insert into ${q.postings} (user_id, term, memory_id, tf, doc_len)
      select t.user_id, t.lexeme, t.id, t.tf, l.len from terms t join lens l using (id)
    )
    insert into ${q.users} as u (user_id, docs, total_len)
    select d.user_id, count(*), coalesce(sum(l.len), 0) from docs d left join lens l using (id) group by d.user_id order by d.user_id
    on conflict (user_id) do update set docs = u.docs + excluded.docs, total_len = u.total_len + excluded.total_len`;
}

/** SQL removing the rows of `source` (with id, user_id) from the statistics: two statements. */
function removeSql(q: Qualified, source: string): string {
  return `with gone as (delete from ${q.postings} p using ${source} s where p.memory_id = s.id returning p.user_id, p.tf),
    lens as (select user_id, sum(tf) as len from gone group by user_id),
    per_user as (select user_id, count(*) as docs from ${source} s group by user_id)
    update ${q.users} u set docs = u.docs - pu.docs, total_len = u.total_len - coalesce(l.len, 0)
      from per_user pu left join lens l using (user_id) where u.user_id = pu.user_id;
    delete from ${q.users} u using (select distinct user_id from ${source} s) s where u.user_id = s.user_id and u.docs <= 0`;
}

/** Rows of `a` with no row of `b` of the same id, user and text (an update that changed nothing is skipped). */
const changed = (a: string, b: string) =>
  `(select x.id, x.user_id, x.text from ${a} x where not exists (select 1 from ${b} y where y.id = x.id and y.user_id = x.user_id and y.text = x.text))`;

function fn(schema: string, name: string, body: string): string {
  return `create or replace function ${ident(schema)}.${ident(name)}() returns trigger language plpgsql as $bm25$
    begin
      ${body};
      return null;
    end $bm25$`;
}

async function currentSchema(knex: Knex | Knex.Transaction): Promise<string> {
  const res = (await knex.raw('select current_schema() as s')) as { rows: { s: string | null }[] };
  const s = res.rows[0]?.s;
  if (!s) throw new Error('no schema on the search_path to create the BM25 tables in');
  return s;
}

/** Does `schema.name` exist (no search_path fall-through)? */
export async function relationExists(knex: Knex | Knex.Transaction, schema: string, name: string): Promise<boolean> {
  const res = (await knex.raw('select to_regclass(quote_ident(?) || \'.\' || quote_ident(?)) is not null as ok', [schema, name])) as { rows: { ok: boolean }[] };
  return res.rows[0]?.ok === true;
}

/**
 * Create the statistics tables and triggers for `table` (in the current schema, where the table
 * is) if missing, and fill them once from the rows already there (upgrade of an existing store).
 * Idempotent; concurrent callers are serialised by an advisory lock.
 */
export async function ensureBm25(knex: Knex, table: string): Promise<void> {
  const n = bm25Names(table);
  await knex.transaction(async (trx) => {
    const schema = await currentSchema(trx);
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`memocha-bm25:${schema}.${table}`]);
    const q: Qualified = { memories: `${ident(schema)}.${ident(table)}`, postings: `${ident(schema)}.${ident(n.postings)}`, users: `${ident(schema)}.${ident(n.users)}` };
    if ((await relationExists(trx, schema, n.postings)) && (await layoutOf(trx, q.postings)) === LAYOUT && (await triggersPresent(trx, schema, table))) {
      await createFunctions(trx, schema, table, q); // keeps the trigger bodies those of this version
      return;
    }
    // Writers wait until the statistics below include every row they could have written.
    await trx.raw(`lock table ${q.memories} in share row exclusive mode`);
    await trx.raw(`drop table if exists ${q.postings}, ${q.users}`);
    // "C": byte-wise comparisons, the cheapest; memory_id keeps the default to join the memories' primary key.
    await trx.raw(`create table ${q.postings} (
        user_id text collate "C" not null, term text collate "C" not null, memory_id text not null, tf int not null, doc_len int not null)`);
    await trx.raw(`create index ${ident(n.postingsByTerm)} on ${q.postings} (user_id, term) include (memory_id, tf, doc_len)`);
    await trx.raw(`create index ${ident(n.postingsByDoc)} on ${q.postings} (memory_id)`);
    await trx.raw(`comment on table ${q.postings} is '${LAYOUT.replaceAll("'", "''")}'`);
    await trx.raw(`create table ${q.users} (
        user_id text not null constraint ${ident(n.usersKey)} primary key, docs bigint not null, total_len bigint not null)`);
    await createFunctions(trx, schema, table, q);
    // One trigger per event: PostgreSQL allows transition tables only on single-event triggers.
    const fq = (name: string) => `${ident(schema)}.${ident(name)}`;
    await trx.raw(`drop trigger if exists ${ident(n.onInsert)} on ${q.memories}`);
    await trx.raw(`drop trigger if exists ${ident(n.onUpdate)} on ${q.memories}`);
    await trx.raw(`drop trigger if exists ${ident(n.onDelete)} on ${q.memories}`);
    await trx.raw(`drop trigger if exists ${ident(n.onTruncate)} on ${q.memories}`);
    await trx.raw(`create trigger ${ident(n.onInsert)} after insert on ${q.memories} referencing new table as new_rows for each statement execute function ${fq(n.onInsert)}()`);
    await trx.raw(
      `create trigger ${ident(n.onUpdate)} after update on ${q.memories} referencing old table as old_rows new table as new_rows for each statement execute function ${fq(n.onUpdate)}()`,
    );
    await trx.raw(`create trigger ${ident(n.onDelete)} after delete on ${q.memories} referencing old table as old_rows for each statement execute function ${fq(n.onDelete)}()`);
    await trx.raw(`create trigger ${ident(n.onTruncate)} after truncate on ${q.memories} for each statement execute function ${fq(n.onTruncate)}()`);
    await trx.raw(addSql(q, q.memories));
    await trx.raw(`analyze ${q.postings}`);
    await trx.raw(`analyze ${q.users}`);
  });
}

/**
 * Vacuum and analyze the postings (where nothing else does, i.e. PGlite): VACUUM marks pages
 * all-visible, which lets queries read postings from the index alone.
 */
export async function vacuumBm25(knex: Knex, table: string): Promise<void> {
  const n = bm25Names(table);
  await knex.raw('vacuum (analyze) ??, ??', [n.postings, n.users]);
}

async function createFunctions(trx: Knex.Transaction, schema: string, table: string, q: Qualified): Promise<void> {
  const n = bm25Names(table);
  await trx.raw(fn(schema, n.onInsert, addSql(q, 'new_rows')));
  await trx.raw(fn(schema, n.onUpdate, `${removeSql(q, changed('old_rows', 'new_rows'))};\n${addSql(q, changed('new_rows', 'old_rows'))}`));
  await trx.raw(fn(schema, n.onDelete, removeSql(q, 'old_rows')));
  await trx.raw(fn(schema, n.onTruncate, `truncate ${q.postings}, ${q.users}`));
}

async function layoutOf(trx: Knex.Transaction, qualified: string): Promise<string | null> {
  const res = (await trx.raw(`select obj_description('${qualified.replaceAll("'", "''")}'::regclass, 'pg_class') as c`)) as { rows: { c: string | null }[] };
  return res.rows[0]?.c ?? null;
}

async function triggersPresent(trx: Knex.Transaction, schema: string, table: string): Promise<boolean> {
  const n = bm25Names(table);
  const res = (await trx.raw(
    `select count(*)::int as n from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace s on s.oid = c.relnamespace
      where s.nspname = ? and c.relname = ? and t.tgname in (?, ?, ?, ?)`,
    [schema, table, n.onInsert, n.onUpdate, n.onDelete, n.onTruncate],
  )) as { rows: { n: number }[] };
  return res.rows[0]?.n === 4;
}
