import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepos, type Repos } from '../db/repos';
import { backends, openTestDb, type TestDb } from '../testing/db';
import { createAnswerSaveBatcher } from './answer-save-batch';

describe.each(backends)('answer save batcher on %s', (backend) => {
  let t: TestDb;
  let repos: Repos;
  beforeAll(async () => {
    t = await openTestDb(backend);
    repos = createRepos(t.db.knex);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  async function pendingAnswers(n: number): Promise<string[]> {
    const userId = `u-${randomUUID().slice(0, 8)}`;
    const s = await repos.sessions.create({ userId });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const m = await repos.messages.insert({ sessionId: s.id, userId, role: 'assistant', content: '', status: 'pending' });
      ids.push(m.id);
    }
    return ids;
  }
  const contentOf = async (id: string) => ((await t.db.knex('messages').where({ id }).first()) as { content: string }).content;

  it('saves every answer, several per statement, the newest text of each', async () => {
    const ids = await pendingAnswers(40);
    const b = createAnswerSaveBatcher(repos.messages);
    // 40 answers × 3 saves issued at once: the first goes out alone, the rest wait for it and share statements.
    const results = await Promise.all(ids.flatMap((id, i) => [1, 2, 3].map((k) => b.save(id, `answer ${i} part ${k} — it's "quoted" ✓`))));
    expect(results.every((r) => r === true)).toBe(true);
    for (const [i, id] of ids.entries()) expect(await contentOf(id)).toBe(`answer ${i} part 3 — it's "quoted" ✓`);
    const st = b.stats();
    expect(st.rows).toBe(41); // the first alone, then one row per answer: its three texts collapse into the newest
    expect(st.statements).toBe(2);
  });

  it('reports false for a row that is no longer pending and leaves it unchanged', async () => {
    const [live, settled] = await pendingAnswers(2);
    await repos.messages.update(settled as string, { status: 'complete', content: 'final answer' });
    const b = createAnswerSaveBatcher(repos.messages);
    const [a, c] = await Promise.all([b.save(live as string, 'partial text'), b.save(settled as string, 'stale text')]);
    expect(a).toBe(true);
    expect(c).toBe(false);
    expect(await contentOf(settled as string)).toBe('final answer');
    expect(await contentOf(live as string)).toBe('partial text');
  });

  it('rejects every waiting save when the statement fails, then keeps working', async () => {
    const [id] = await pendingAnswers(1);
    let fail = true;
    const b = createAnswerSaveBatcher({
      savePendingMany: (rows) => (fail ? Promise.reject(new Error('db down')) : repos.messages.savePendingMany(rows)),
    });
    await expect(b.save(id as string, 'lost')).rejects.toThrow('db down');
    fail = false;
    expect(await b.save(id as string, 'saved')).toBe(true);
    expect(await contentOf(id as string)).toBe('saved');
  });
});
