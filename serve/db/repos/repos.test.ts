import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors';
import { backends, openTestDb, type TestDb } from '../../testing/db';
import { createRepos, type Repos, type SessionRow } from './index';

const TRICKY = [
  `'); DROP TABLE messages; --`,
  `<script>alert(1)</script>`,
  `Robert"); DELETE FROM sessions WHERE ('1'='1`,
  `?? ? :name $1 \\ \\\\ %s %% _`,
  `héllo wörld — 你好 🎉👩‍👩‍👧‍👦 ∑ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢`,
  `line1\nline2\r\n\ttabbed   `,
];

describe.each(backends)('repositories on %s', (backend) => {
  let t: TestDb;
  let repos: Repos;
  const user = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    t = await openTestDb(backend);
    repos = createRepos(t.db.knex);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('ensures users idempotently', async () => {
    const alice = user('alice');
    await repos.users.ensure(alice);
    await repos.users.ensure(alice);
    const rows = await t.db.knex('users').where({ id: alice });
    expect(rows).toHaveLength(1);
  });

  it('creates, gets, touches and removes a session', async () => {
    const alice = user('alice');
    const s = await repos.sessions.create({ userId: alice, title: 'First' });
    expect(s).toMatchObject({ userId: alice, title: 'First' });
    expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(s.createdAt).toISOString()).toBe(s.createdAt);
    expect(await repos.sessions.get(alice, s.id)).toEqual(s);

    await repos.sessions.touch(s.id, '2099-01-01T00:00:00.000Z');
    expect((await repos.sessions.get(alice, s.id))?.updatedAt).toBe('2099-01-01T00:00:00.000Z');

    expect(await repos.sessions.remove(alice, s.id)).toBe(true);
    expect(await repos.sessions.remove(alice, s.id)).toBe(false);
    expect(await repos.sessions.get(alice, s.id)).toBeNull();
    expect(await repos.sessions.get(alice, 'not-a-uuid')).toBeNull();
    expect(await repos.sessions.create({ userId: alice })).toMatchObject({ title: null });
  });

  it('isolates users: B cannot get, list or delete A’s session', async () => {
    const a = user('a');
    const b = user('b');
    const s = await repos.sessions.create({ userId: a, title: 'private' });
    await repos.messages.insert({ sessionId: s.id, userId: a, role: 'user', content: 'secret' });
    await repos.users.ensure(b);
    expect(await repos.sessions.get(b, s.id)).toBeNull();
    expect((await repos.sessions.list({ userId: b, limit: 50 })).items).toEqual([]);
    expect(await repos.sessions.remove(b, s.id)).toBe(false);
    expect((await repos.messages.list({ sessionId: s.id, userId: b, limit: 50 })).items).toEqual([]);
    expect(await repos.sessions.get(a, s.id)).not.toBeNull();
  });

  it('lists sessions newest first across pages, stable under created_at ties', async () => {
    const u = user('pager');
    const tie = new Date('2024-05-01T12:00:00.000Z');
    const created: SessionRow[] = [];
    for (let i = 0; i < 7; i++) created.push(await repos.sessions.create({ userId: u, title: `tie ${i}`, createdAt: tie }));
    // Sub-millisecond differences must not be lost by the cursor.
    for (const us of ['000001', '000002', '000999']) {
      created.push(await repos.sessions.create({ userId: u, createdAt: `2024-05-01T12:00:00.${us}Z` }));
    }
    created.push(await repos.sessions.create({ userId: u, createdAt: new Date('2024-06-01T00:00:00Z') }));
    created.push(await repos.sessions.create({ userId: u, createdAt: new Date('2024-01-01T00:00:00Z') }));

    const seen: SessionRow[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repos.sessions.list({ userId: u, limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 20);

    expect(pages).toBe(4);
    expect(new Set(seen.map((s) => s.id)).size).toBe(created.length);
    expect(seen).toHaveLength(created.length);
    // Ties on created_at come out by id desc; microsecond-apart rows keep their order.
    const byIdDesc = created.slice(0, 7).map((s) => s.id).sort().reverse();
    const [later, micro1, micro2, micro999, earlier] = [10, 7, 8, 9, 11].map((i) => created[i]?.id);
    expect(seen.map((s) => s.id)).toEqual([later, micro999, micro2, micro1, ...byIdDesc, earlier]);
  });

  it('rejects malformed cursors with a ValidationError', async () => {
    const u = user('cursor');
    for (const cursor of ['%%%', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')]) {
      await expect(repos.sessions.list({ userId: u, limit: 5, cursor })).rejects.toBeInstanceOf(ValidationError);
    }
    const sid = randomUUID();
    await expect(repos.messages.list({ sessionId: sid, userId: u, limit: 5, cursor: 'bad' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('inserts, updates and gets messages with all fields', async () => {
    const u = user('m');
    const s = await repos.sessions.create({ userId: u });
    const m = await repos.messages.insert({ sessionId: s.id, userId: u, role: 'assistant', content: '', status: 'pending', model: 'sim' });
    expect(m).toMatchObject({ sessionId: s.id, userId: u, role: 'assistant', status: 'pending', model: 'sim', promptTokens: null, ttftMs: null });
    expect(typeof m.seq).toBe('number');

    const patched = await repos.messages.update(m.id, {
      content: 'done',
      status: 'error',
      promptTokens: 12,
      completionTokens: 34,
      ttftMs: 12.5,
      totalMs: 99.25,
      errorCode: 'upstream_timeout',
      errorMessage: 'took too long',
    });
    expect(patched).toMatchObject({ content: 'done', status: 'error', promptTokens: 12, completionTokens: 34, ttftMs: 12.5, totalMs: 99.25, errorCode: 'upstream_timeout' });
    expect(patched?.seq).toBe(m.seq);
    expect(await repos.messages.get(m.id)).toEqual(patched);
    expect(await repos.messages.update(randomUUID(), { content: 'x' })).toBeNull();
    expect(await repos.messages.get('nope')).toBeNull();

    const withId = randomUUID();
    expect((await repos.messages.insert({ id: withId, sessionId: s.id, userId: u, role: 'user', content: 'hi' })).id).toBe(withId);
    await expect(repos.messages.insert({ sessionId: s.id, userId: u, role: 'user', content: 'x', status: 'bogus' as 'complete' })).rejects.toThrow();
    expect(await repos.messages.countBySession(s.id)).toBe(2);
  });

  it('paginates messages oldest first by seq, and recent(n) is chronological', async () => {
    const u = user('seq');
    const s = await repos.sessions.create({ userId: u });
    const at = new Date('2024-02-02T02:02:02.000Z');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const role = i % 2 === 0 ? 'user' : 'assistant';
      ids.push((await repos.messages.insert({ sessionId: s.id, userId: u, role, content: `m${i}`, createdAt: at })).id);
    }
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await repos.messages.list({ sessionId: s.id, userId: u, limit: 4, cursor });
      pages.push(page.items.map((m) => m.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([4, 4, 2]);
    expect(pages.flat()).toEqual(ids);

    expect((await repos.messages.recent(s.id, 3)).map((m) => m.content)).toEqual(['m7', 'm8', 'm9']);
    expect((await repos.messages.recent(s.id, 50)).map((m) => m.id)).toEqual(ids);
    expect(await repos.messages.recent(s.id, 0)).toEqual([]);
    expect(await repos.messages.countBySession(s.id)).toBe(10);
  });

  it('keeps seq unique under concurrent inserts', async () => {
    const u = user('conc');
    const s = await repos.sessions.create({ userId: u });
    const rows = await Promise.all(
      Array.from({ length: 20 }, (_, i) => repos.messages.insert({ sessionId: s.id, userId: u, role: 'user', content: `c${i}` })),
    );
    expect(new Set(rows.map((r) => r.seq)).size).toBe(20);
    expect(await repos.messages.countBySession(s.id)).toBe(20);
  });

  it('stores SQL-shaped, HTML and unicode content verbatim', async () => {
    const u = user(`o'brien"; --`);
    const s = await repos.sessions.create({ userId: u, title: TRICKY[0] });
    expect((await repos.sessions.get(u, s.id))?.title).toBe(TRICKY[0]);
    for (const content of TRICKY) {
      const m = await repos.messages.insert({ sessionId: s.id, userId: u, role: 'user', content });
      expect((await repos.messages.get(m.id))?.content).toBe(content);
    }
    expect((await repos.messages.recent(s.id, TRICKY.length)).map((m) => m.content)).toEqual(TRICKY);
    expect(await t.db.knex.schema.hasTable('messages')).toBe(true);
  });

  it('cascades a session delete to its messages but keeps llm_usage rows', async () => {
    const u = user('cascade');
    const s = await repos.sessions.create({ userId: u });
    const m = await repos.messages.insert({ sessionId: s.id, userId: u, role: 'assistant', content: 'a' });
    await repos.usage.record({ userId: u, sessionId: s.id, messageId: m.id, provider: 'sim', model: 'x', promptTokens: 5, completionTokens: 7, outcome: 'ok' });
    expect(await repos.sessions.remove(u, s.id)).toBe(true);
    expect(await repos.messages.get(m.id)).toBeNull();
    expect(await repos.messages.countBySession(s.id)).toBe(0);
    const ledger = await repos.usage.list({ userId: u });
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ sessionId: s.id, messageId: m.id, attempts: 1, costUsd: null });
  });

  it('records usage, lists since a date and sums totals', async () => {
    const u = user('usage');
    const other = user('other');
    const base = { provider: 'primary', model: 'gpt', outcome: 'ok' as const };
    const r1 = await repos.usage.record({ ...base, userId: u, promptTokens: 10, completionTokens: 20, costUsd: 0.5, ttftMs: 1.5, totalMs: 3, createdAt: '2024-01-01T00:00:00Z' });
    expect(r1).toMatchObject({ userId: u, promptTokens: 10, completionTokens: 20, costUsd: 0.5, ttftMs: 1.5, totalMs: 3, sessionId: null, createdAt: '2024-01-01T00:00:00.000Z' });
    await repos.usage.record({ ...base, userId: u, promptTokens: 1, completionTokens: 2, outcome: 'error', errorCode: 'timeout', attempts: 3, createdAt: '2024-03-01T00:00:00Z' });
    await repos.usage.record({ ...base, userId: other, promptTokens: 100, completionTokens: 200, costUsd: 1.25 });

    expect((await repos.usage.list({ userId: u })).map((r) => r.promptTokens)).toEqual([10, 1]);
    const since = await repos.usage.list({ userId: u, since: new Date('2024-02-01T00:00:00Z') });
    expect(since).toHaveLength(1);
    expect(since[0]).toMatchObject({ outcome: 'error', errorCode: 'timeout', attempts: 3 });

    expect(await repos.usage.totals({ userId: u })).toEqual({ calls: 2, promptTokens: 11, completionTokens: 22, costUsd: 0.5 });
    expect(await repos.usage.totals({ userId: user('nobody') })).toEqual({ calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 });
    const all = await repos.usage.totals();
    expect(all.promptTokens).toBeGreaterThanOrEqual(111);
    expect(all.costUsd).toBeGreaterThanOrEqual(1.75);
  });
});
