import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { referenceBm25, type ReferenceDoc } from '../../testing/bm25-reference';
import { openPgliteKnex, openPostgresKnex, probePostgres, type TestKnex } from '../../testing/pg';
import { DEFAULT_BM25, checkBm25Params, pgBm25Scores, type Bm25Params } from './pg-bm25';
import { bm25Names, ensureBm25 } from './pg-bm25-schema';
import type { MemoryFilter } from './types';

describe('reference BM25 (hand-computed)', () => {
  // d1 = cat cat dog (|d| 3), d2 = dog (1), d3 = bird fish (2): N = 3, avg|d| = 6 / 3 = 2.
  const docs: ReferenceDoc[] = [
    { id: 'd1', tokens: ['cat', 'cat', 'dog'] },
    { id: 'd2', tokens: ['dog'] },
    { id: 'd3', tokens: ['bird', 'fish'] },
  ];

  it('scores one term with IDF, saturation and length normalisation', () => {
    // idf(cat) = ln(1 + (3 − 1 + 0.5) / (1 + 0.5)) = ln(1 + 2.5/1.5) = ln(8/3)
    // d1: tf 2, 1 − b + b·3/2 = 0.25 + 1.125 = 1.375 → 2·2.2 / (2 + 1.2·1.375) = 4.4 / 3.65
    const s = referenceBm25(docs, ['cat'], DEFAULT_BM25);
    expect([...s.keys()]).toEqual(['d1']);
    expect(s.get('d1')).toBeCloseTo(Math.log(8 / 3) * (4.4 / 3.65), 12);
    expect(s.get('d1')).toBeCloseTo(1.18236951, 8);
  });

  it('sums over distinct query terms; a shorter doc wins on the same tf', () => {
    // idf(dog) = ln(1 + (3 − 2 + 0.5) / (2 + 0.5)) = ln(1.6)
    // d1 dog: tf 1, norm 1.375 → 2.2 / (1 + 1.65) = 2.2 / 2.65;  d2 dog: tf 1, norm 0.25 + 0.375 = 0.625 → 2.2 / 1.75
    const s = referenceBm25(docs, ['dog', 'cat', 'dog'], DEFAULT_BM25);
    expect(s.get('d1')).toBeCloseTo(Math.log(8 / 3) * (4.4 / 3.65) + Math.log(1.6) * (2.2 / 2.65), 12);
    expect(s.get('d2')).toBeCloseTo(Math.log(1.6) * (2.2 / 1.75), 12);
    expect([s.get('d1'), s.get('d2')]).toEqual([expect.closeTo(1.57256120, 8), expect.closeTo(0.59086171, 8)]);
    expect(s.has('d3')).toBe(false);
  });

  it('b = 0 ignores length; k1 = 0 reduces a match to its IDF', () => {
    // b = 0: d1 dog = ln(1.6) · 2.2 / (1 + 1.2) = ln(1.6), the same as d2
    const noLength = referenceBm25(docs, ['dog'], { k1: 1.2, b: 0 });
    expect(noLength.get('d1')).toBeCloseTo(Math.log(1.6), 12);
    expect(noLength.get('d2')).toBeCloseTo(Math.log(1.6), 12);
    // k1 = 0: tf·1 / tf = 1 → idf(cat) = ln(8/3) whatever the tf
    expect(referenceBm25(docs, ['cat'], { k1: 0, b: 0.75 }).get('d1')).toBeCloseTo(Math.log(8 / 3), 12);
  });

  it('a filter chooses the docs scored, not the statistics', () => {
    const s = referenceBm25(docs, ['dog'], DEFAULT_BM25, (id) => id === 'd2');
    expect([...s.keys()]).toEqual(['d2']);
    expect(s.get('d2')).toBeCloseTo(Math.log(1.6) * (2.2 / 1.75), 12);
  });

  it('refuses bad parameters', () => {
    expect(() => checkBm25Params({ k1: -1, b: 0.75 })).toThrow(/k1/);
    expect(() => checkBm25Params({ k1: 1.2, b: 1.5 })).toThrow(/b must be/);
  });
});

const DAY = 86_400_000;
const T0 = Date.parse('2024-05-01T00:00:00.000Z');

/** [user, session, day, text]: shared and rare terms, repeats, stemming variants, stop words only. */
const FIXTURE: [string, string | null, number, string][] = [
  ['ana', 's1', 0, 'My sister lives in Lisbon and she loves the ocean.'],
  ['ana', 's1', 0, 'We walked the dog in the park, the dog was running and running.'],
  ['ana', 's1', 1, 'Book a flight to Lisbon next week, a cheap flight please.'],
  ['ana', 's2', 2, 'My dentist appointment moved to Tuesday.'],
  ['ana', 's2', 3, 'The park near my flat is closed for the summer.'],
  ['ana', 's2', 4, 'I run every morning; runs keep me sane. I ran 10 km yesterday.'],
  ['ana', 's3', 5, 'Lisbon, Porto and Madrid are on the list for the trip with my sister.'],
  ['ana', null, 6, 'and the of to'],
  ['ana', 's3', 7, 'Dog food, dog toys, dog bed: the dog is spoiled.'],
  ['ana', 's3', 8, 'My boss wants the quarterly report by Friday.'],
  ['ana', 's4', 9, 'Remind me to call my sister about the flight to Madrid.'],
  ['ana', 's4', 10, ''],
  ['bob', 's9', 0, 'Lisbon Lisbon Lisbon dog dog park.'],
  ['bob', 's9', 1, 'Nothing in common here at all.'],
];
const QUERIES = ['Where does my sister live? Lisbon?', 'dog in the park', 'running', 'flight to Madrid next week', 'quarterly report dentist'];

const id = (i: number) => `m${String(i).padStart(2, '0')}`;

const pg = await probePostgres();
const targets: { name: string; open: () => Promise<TestKnex>; skip?: string }[] = [
  { name: 'PGlite', open: openPgliteKnex },
  // No pgvector needed here: the statistics live on a plain table.
  { name: 'PostgreSQL', open: () => openPostgresKnex(), ...(!pg.ok && !pg.reachable ? { skip: pg.reason } : {}) },
];

for (const target of targets) {
  describe.skipIf(target.skip !== undefined)(`BM25 in SQL on ${target.name}${target.skip ? ` — skipped: ${target.skip}` : ''}`, () => {
    const T = 'mem_plain';
    let db: TestKnex;
    let knex: Knex;
    const scores = (query: string, filter: MemoryFilter, params: Bm25Params = DEFAULT_BM25, k = 100) => pgBm25Scores(knex, { table: T, query, filter, k, params });

    /** Each memory's lexemes from the database's own to_tsvector, for the reference. */
    async function referenceDocs(userId: string): Promise<ReferenceDoc[]> {
      const res = (await knex.raw(
        `select m.id, coalesce(array_agg(t.lexeme order by t.lexeme) filter (where t.lexeme is not null), '{}') as lexemes,
                coalesce(array_agg(array_length(t.positions, 1) order by t.lexeme) filter (where t.lexeme is not null), '{}') as tfs
           from ?? m left join lateral unnest(to_tsvector('english', m.text)) t on true where m.user_id = ? group by m.id order by m.id`,
        [T, userId],
      )) as { rows: { id: string; lexemes: string[]; tfs: number[] }[] };
      return res.rows.map((r) => ({ id: r.id, tokens: r.lexemes.flatMap((l, i) => Array<string>(r.tfs[i] as number).fill(l)) }));
    }
    const queryTerms = async (q: string) => ((await knex.raw("select tsvector_to_array(to_tsvector('english', ?)) as a", [q])) as { rows: { a: string[] }[] }).rows[0]!.a;

    async function expectMatchesReference(userId: string, query: string, params: Bm25Params = DEFAULT_BM25, extra: Omit<MemoryFilter, 'userId'> = {}) {
      const inFilter = new Set(((await applyExtra(knex(T).select('id').where('user_id', userId), extra)) as { id: string }[]).map((r) => r.id));
      const expected = referenceBm25(await referenceDocs(userId), await queryTerms(query), params, (x) => inFilter.has(x));
      const got = await scores(query, { userId, ...extra }, params);
      expect(got.map((g) => g.id).sort()).toEqual([...expected.keys()].sort());
      for (const g of got) expect(Math.abs(g.bm25 - (expected.get(g.id) as number))).toBeLessThan(1e-9);
      expect(got.map((g) => g.bm25)).toEqual([...got.map((g) => g.bm25)].sort((a, b) => b - a));
      return got;
    }

    /** The statistics equal a recomputation from scratch over the table as it is now. */
    async function expectConsistent() {
      const n = bm25Names(T);
      const postings = await knex.raw(`select user_id, term, memory_id, tf, doc_len from ?? order by user_id collate "C", term collate "C", memory_id collate "C"`, [n.postings]);
      const fresh = await knex.raw(
        `select m.user_id, t.lexeme as term, m.id as memory_id, array_length(t.positions, 1) as tf,
                sum(array_length(t.positions, 1)) over (partition by m.id)::int as doc_len
           from ?? m cross join lateral unnest(to_tsvector('english', m.text)) t
          order by m.user_id collate "C", t.lexeme collate "C", m.id collate "C"`,
        [T],
      );
      expect((postings as { rows: unknown[] }).rows).toEqual((fresh as { rows: unknown[] }).rows);
      const users = (await knex.raw('select user_id, docs, total_len from ?? order by 1', [n.users])) as { rows: Record<string, unknown>[] };
      const freshUsers = (await knex.raw(
        `select m.user_id, count(*) as docs,
                coalesce(sum((select sum(array_length(positions, 1)) from unnest(to_tsvector('english', m.text)))), 0) as total_len
           from ?? m group by m.user_id order by 1`,
        [T],
      )) as { rows: Record<string, unknown>[] };
      expect(users.rows.map((r) => [r.user_id, Number(r.docs), Number(r.total_len)])).toEqual(freshUsers.rows.map((r) => [r.user_id, Number(r.docs), Number(r.total_len)]));
    }

    async function insertFixture() {
      await knex(T).insert(FIXTURE.map(([user_id, session_id, day, text], i) => ({ id: id(i), user_id, session_id, text, created_at: new Date(T0 + day * DAY) })));
    }

    beforeAll(async () => {
      db = await target.open();
      knex = db.knex;
      await knex.raw(`create table ${T} (id text primary key, user_id text not null, session_id text null, text text not null, created_at timestamptz not null)`);
      await ensureBm25(knex, T);
      await insertFixture();
    });
    afterAll(async () => {
      await db?.close();
    });

    it('keeps postings and per-user totals equal to a recomputation after inserts', async () => {
      await expectConsistent();
      const [ana] = (await knex.raw('select docs::int as docs from ?? where user_id = ?', [bm25Names(T).users, 'ana'])).rows as { docs: number }[];
      expect(ana?.docs).toBe(12); // the stop-word-only and the empty memory count in N
    });

    it('scores equal the reference BM25 to 1e-9, over the user’s memories only', async () => {
      for (const q of QUERIES) await expectMatchesReference('ana', q);
      const lisbon = await scores('Lisbon', { userId: 'ana' });
      expect(lisbon.map((h) => h.id).sort()).toEqual([id(0), id(2), id(6)]); // bob's Lisbon Lisbon Lisbon is not ana's
      await expectMatchesReference('bob', 'Lisbon dog');
    });

    it('stems the query like the memories, and a stop-word-only query finds nothing', async () => {
      const runs = await scores('runs', { userId: 'ana' });
      expect(runs.map((h) => h.id).sort()).toEqual([id(1), id(5)]);
      expect(await scores('the and of', { userId: 'ana' })).toEqual([]);
      expect(await scores('Lisbon', { userId: 'nobody' })).toEqual([]);
    });

    it('k1 and b change the scores as the reference does', async () => {
      for (const params of [{ k1: 1.5, b: 0.75 }, { k1: 0.9, b: 0.4 }, { k1: 1.2, b: 0 }, { k1: 0, b: 1 }]) await expectMatchesReference('ana', 'dog park running', params);
    });

    it('session and time filters restrict the hits but keep IDF and average length over all the user’s memories', async () => {
      const all = new Map((await scores('dog sister Lisbon', { userId: 'ana' })).map((h) => [h.id, h.bm25]));
      const s3 = await expectMatchesReference('ana', 'dog sister Lisbon', DEFAULT_BM25, { sessionId: 's3' });
      expect(s3.map((h) => h.id).sort()).toEqual([id(6), id(8)]);
      for (const h of s3) expect(h.bm25).toBe(all.get(h.id));
      const window = { from: new Date(T0 + 1 * DAY), to: new Date(T0 + 5 * DAY) };
      const inWindow = await expectMatchesReference('ana', 'dog sister Lisbon flight', DEFAULT_BM25, window);
      expect(inWindow.map((h) => h.id).sort()).toEqual([id(2), id(6)]);
      expect((await scores('Lisbon', { userId: 'ana' }, DEFAULT_BM25, 2)).map((h) => h.id)).toHaveLength(2);
    });

    it('replacing a memory’s text (upsert of an existing id) moves its postings; the same text changes nothing', async () => {
      const upsert = (rows: { id: string; user_id: string; text: string }[]) =>
        knex.raw(
          `insert into ?? (id, user_id, session_id, text, created_at) values ${rows.map(() => '(?, ?, null, ?, ?)').join(', ')}
           on conflict (id) do update set text = excluded.text where ??.user_id = excluded.user_id`,
          [T, ...rows.flatMap((r) => [r.id, r.user_id, r.text, new Date(T0)]), T],
        );
      await upsert([
        { id: id(1), user_id: 'ana', text: 'The cat sat on the mat; the cat slept.' },
        { id: id(3), user_id: 'ana', text: FIXTURE[3]![3] },
        { id: 'new-1', user_id: 'ana', text: 'A new memory about a cat and Lisbon.' },
      ]);
      await expectConsistent();
      expect((await scores('dog park', { userId: 'ana' })).map((h) => h.id)).not.toContain(id(1));
      await expectMatchesReference('ana', 'cat Lisbon dog');
      await knex(T).where({ id: 'x-other' }).update({ text: 'nothing' }); // an update touching no row
      await knex(T).where({ user_id: 'bob' }).update({ text: knex.raw('text') }); // rows updated, texts unchanged
      await expectConsistent();
    });

    it('every delete path keeps the statistics exact: ids, session, time (TTL), oldest beyond a cap, user, truncate', async () => {
      await knex(T).where('user_id', 'ana').whereIn('id', [id(0), 'no-such']).del();
      await expectConsistent();
      await knex(T).where({ user_id: 'ana', session_id: 's2' }).del();
      await expectConsistent();
      await knex(T).where('user_id', 'ana').where('created_at', '<=', new Date(T0 + 1 * DAY)).del();
      await expectConsistent();
      await knex.raw(`delete from ?? where user_id = ? and id in (select id from ?? where user_id = ? order by created_at desc, id desc offset 2)`, [T, 'ana', T, 'ana']);
      await expectConsistent();
      await expectMatchesReference('ana', QUERIES.join(' '));
      await knex(T).where({ user_id: 'ana' }).del();
      await expectConsistent();
      const users = (await knex(bm25Names(T).users).select('user_id')) as { user_id: string }[];
      expect(users.map((u) => u.user_id)).toEqual(['bob']); // a user with no memory left leaves no row
      await knex.raw('truncate ??', [T]);
      expect(Number(((await knex(bm25Names(T).postings).count({ n: '*' })) as { n: string | number }[])[0]?.n)).toBe(0);
      await expectConsistent();
      expect(await scores('Lisbon', { userId: 'bob' })).toEqual([]);
    });

    it('upgrades a table that has memories but no statistics: one backfill, then idempotent', async () => {
      const U = 'mem_old';
      await knex.raw(`create table ${U} (id text primary key, user_id text not null, session_id text null, text text not null, created_at timestamptz not null)`);
      await knex(U).insert(FIXTURE.map(([user_id, session_id, day, text], i) => ({ id: id(i), user_id, session_id, text, created_at: new Date(T0 + day * DAY) })));
      await ensureBm25(knex, U);
      await ensureBm25(knex, U);
      const count = async () => Number(((await knex(bm25Names(U).postings).count({ n: '*' })) as { n: string | number }[])[0]?.n);
      const postings = await count();
      expect(postings).toBeGreaterThan(40);
      const before = await pgBm25Scores(knex, { table: U, query: 'dog sister', filter: { userId: 'ana' }, k: 50, params: DEFAULT_BM25 });
      await knex.raw('truncate ??', [T]);
      await insertFixture();
      const fresh = await scores('dog sister', { userId: 'ana' }, DEFAULT_BM25, 50);
      expect(before.map((h) => h.id)).toEqual(fresh.map((h) => h.id));
      before.forEach((h, i) => expect(Math.abs(h.bm25 - fresh[i]!.bm25)).toBeLessThan(1e-12));
      await knex(U).insert({ id: 'later', user_id: 'ana', session_id: null, text: 'dog', created_at: new Date(T0) });
      expect(await count()).toBe(postings + 1); // the triggers are in place after the upgrade
      // statistics of another layout (an older version's) are rebuilt from the memories
      await knex.raw(`comment on table ?? is 'some older layout'`, [bm25Names(U).postings]);
      await knex(bm25Names(U).postings).where({ memory_id: 'later' }).del();
      await ensureBm25(knex, U);
      expect(await count()).toBe(postings + 1);
    });
  });
}

function applyExtra(qb: Knex.QueryBuilder, extra: Omit<MemoryFilter, 'userId'>): Knex.QueryBuilder {
  if (extra.sessionId !== undefined) qb.where('session_id', extra.sessionId);
  if (extra.from !== undefined) qb.where('created_at', '>=', extra.from);
  if (extra.to !== undefined) qb.where('created_at', '<=', extra.to);
  return qb;
}
