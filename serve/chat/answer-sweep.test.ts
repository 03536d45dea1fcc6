import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepos, type Repos } from '../db/repos';
import { countTokens } from '../llm/tokens';
import { backends, openTestDb, type TestDb } from '../testing/db';
import { sweepInterruptedAnswers } from './answer-sweep';

const ME = 'instance-me';
const OTHER = 'instance-dead';

describe.each(backends)('interrupted answers sweep on %s', (backend) => {
  let t: TestDb;
  let repos: Repos;
  beforeAll(async () => {
    t = await openTestDb(backend);
    repos = createRepos(t.db.knex);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  async function pendingAnswer(userId: string, instanceId: string, content: string, ageMs: number) {
    const s = await repos.sessions.create({ userId });
    await repos.messages.insert({ sessionId: s.id, userId, role: 'user', content: 'question', status: 'complete' });
    const m = await repos.messages.insert({ sessionId: s.id, userId, role: 'assistant', content: '', status: 'pending', model: 'gpt-4o-mini', promptTokens: 42, instanceId });
    await repos.messages.savePending(m.id, content);
    if (ageMs > 0) {
      await t.db.knex.raw("update messages set created_at = now() - (? * interval '1 millisecond'), updated_at = now() - (? * interval '1 millisecond') where id = ?", [ageMs + 5_000, ageMs, m.id]);
    }
    return { session: s, message: m };
  }

  it('marks dead instances’ pending answers interrupted with their saved text and records estimated usage', async () => {
    const text = 'The capital of Portugal is Lisbon, a city on the Tagus';
    const dead = await pendingAnswer('sweep-a', OTHER, text, 60_000);
    const deadEmpty = await pendingAnswer('sweep-a', OTHER, '', 60_000);
    const mine = await pendingAnswer('sweep-a', ME, 'still streaming here', 60_000);
    const liveElsewhere = await pendingAnswer('sweep-a', 'instance-live', 'streaming on another server', 0);

    const n = await sweepInterruptedAnswers({ knex: t.db.knex, instanceId: ME, staleMs: 30_000, costUsd: () => 0.5, batch: 1 });
    expect(n).toBe(2);

    const after = await repos.messages.get(dead.message.id);
    expect(after).toMatchObject({ status: 'interrupted', content: text, errorCode: 'interrupted', promptTokens: 42, completionTokens: countTokens(text) });
    expect(after!.totalMs).toBeGreaterThanOrEqual(4_000); // created 5 s before its last save
    expect((await repos.messages.get(deadEmpty.message.id))!.status).toBe('interrupted');
    // This instance's own rows and another instance's freshly saved rows are live: untouched.
    expect((await repos.messages.get(mine.message.id))!.status).toBe('pending');
    expect((await repos.messages.get(liveElsewhere.message.id))!.status).toBe('pending');

    const usage = await repos.usage.list({ userId: 'sweep-a' });
    expect(usage).toHaveLength(2);
    const row = usage.find((u) => u.messageId === dead.message.id);
    expect(row).toMatchObject({ outcome: 'interrupted', errorCode: 'interrupted', promptTokens: 42, completionTokens: countTokens(text), costUsd: 0.5, model: 'gpt-4o-mini', sessionId: dead.session.id });

    // A second sweep finds nothing more; a saved text is no longer writable once swept.
    expect(await sweepInterruptedAnswers({ knex: t.db.knex, instanceId: ME, staleMs: 30_000, costUsd: () => null })).toBe(0);
    expect(await repos.messages.savePending(dead.message.id, 'late')).toBe(false);
    expect((await repos.messages.get(dead.message.id))!.content).toBe(text);
  });

  it('with no lease (staleMs 0) takes every other instance’s pending answer, never its own', async () => {
    await t.db.knex('messages').where({ status: 'pending' }).update({ status: 'complete' }); // the first test's leftovers
    const fresh = await pendingAnswer('sweep-b', OTHER, 'just saved', 0);
    const mine = await pendingAnswer('sweep-b', ME, 'mine', 0);
    await new Promise((r) => setTimeout(r, 20)); // the database clock must move past the save
    expect(await sweepInterruptedAnswers({ knex: t.db.knex, instanceId: ME, staleMs: 0, costUsd: () => null })).toBe(1);
    expect((await repos.messages.get(fresh.message.id))!.status).toBe('interrupted');
    expect((await repos.messages.get(mine.message.id))!.status).toBe('pending');
  });
});
