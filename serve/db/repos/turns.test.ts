import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, openTestDb, type TestDb } from '../../testing/db';
import { createRepos, type Repos } from './index';

describe.each(backends)('turns.start on %s', (backend) => {
  let t: TestDb;
  let repos: Repos;
  const user = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;
  const start = (userId: string, sessionId: string, window: number, content = 'hello') =>
    repos.turns.start({
      userId,
      sessionId,
      window,
      userMessage: { id: randomUUID(), content },
      answer: { id: randomUUID(), model: 'm-1', instanceId: 'inst-1' },
    });

  beforeAll(async () => {
    t = await openTestDb(backend);
    repos = createRepos(t.db.knex);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('reads the window before this turn and writes the user message, then the pending answer', async () => {
    const alice = user('alice');
    const s = await repos.sessions.create({ userId: alice });
    const earlier = [];
    for (let i = 0; i < 5; i++) {
      earlier.push(await repos.messages.insert({ sessionId: s.id, userId: alice, role: i % 2 ? 'assistant' : 'user', content: `m${i}` }));
    }
    const started = await start(alice, s.id, 3, 'the new question');
    expect(started).not.toBeNull();
    const { history, userMessage, answer } = started!;
    expect(history.map((m) => m.content)).toEqual(['m2', 'm3', 'm4']);
    expect(history.map((m) => m.id)).toEqual(earlier.slice(2).map((m) => m.id));
    expect(userMessage).toMatchObject({ sessionId: s.id, userId: alice, role: 'user', content: 'the new question', status: 'complete' });
    expect(answer).toMatchObject({ sessionId: s.id, userId: alice, role: 'assistant', content: '', status: 'pending', model: 'm-1', promptTokens: null });
    expect(userMessage.seq).toBeGreaterThan(earlier[4]!.seq);
    expect(answer.seq).toBeGreaterThan(userMessage.seq);

    // What was returned is what is stored; the owner is recorded for the sweep.
    expect(await repos.messages.get(userMessage.id)).toEqual(userMessage);
    expect(await repos.messages.get(answer.id)).toEqual(answer);
    const [row] = (await t.db.knex('messages').where({ id: answer.id }).select('instance_id')) as { instance_id: string }[];
    expect(row?.instance_id).toBe('inst-1');

    // The next turn's window includes this turn's rows.
    const next = await start(alice, s.id, 2);
    expect(next!.history.map((m) => m.id)).toEqual([userMessage.id, answer.id]);
  });

  it('writes nothing for a session that is missing or another user\'s', async () => {
    const alice = user('alice');
    const bob = user('bob');
    await repos.users.ensure(bob);
    const s = await repos.sessions.create({ userId: alice });
    expect(await start(bob, s.id, 10)).toBeNull();
    expect(await start(alice, randomUUID(), 10)).toBeNull();
    expect(await start(alice, 'not-a-uuid', 10)).toBeNull();
    expect(await repos.messages.countBySession(s.id)).toBe(0);
  });

  it('reads no window when asked for none, and stores content exactly', async () => {
    const alice = user('alice');
    const s = await repos.sessions.create({ userId: alice });
    await repos.messages.insert({ sessionId: s.id, userId: alice, role: 'user', content: 'old' });
    const tricky = `'); DROP TABLE messages; -- ?? ? $1 \u00e9 🎉\n`;
    const started = await start(alice, s.id, 0, tricky);
    expect(started!.history).toEqual([]);
    expect((await repos.messages.get(started!.userMessage.id))?.content).toBe(tricky);
    expect(await repos.messages.countBySession(s.id)).toBe(3);
  });

  const settleInput = (messageId: string, sessionId: string, userId: string, outcome: 'ok' | 'aborted' = 'ok') => ({
    messageId,
    sessionId,
    userId,
    content: 'the answer',
    status: 'complete' as const,
    model: 'm-2',
    promptTokens: 40,
    completionTokens: 7,
    ttftMs: 12.5,
    totalMs: 80.25,
    errorCode: null,
    errorMessage: null,
    usage: { provider: 'sim', costUsd: 0.001, outcome, attempts: 2 },
  });

  it('settles the answer, records its usage and touches the session together', async () => {
    const alice = user('alice');
    const s = await repos.sessions.create({ userId: alice, createdAt: '2001-01-01T00:00:00.000Z' });
    const { answer } = (await start(alice, s.id, 10))!;
    const settled = await repos.turns.settle(settleInput(answer.id, s.id, alice));
    expect(settled).toMatchObject({ id: answer.id, content: 'the answer', status: 'complete', model: 'm-2', promptTokens: 40, completionTokens: 7, ttftMs: 12.5, totalMs: 80.25, errorCode: null });
    expect(await repos.messages.get(answer.id)).toEqual(settled);
    const usage = await repos.usage.list({ userId: alice });
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ sessionId: s.id, messageId: answer.id, provider: 'sim', model: 'm-2', promptTokens: 40, completionTokens: 7, costUsd: 0.001, ttftMs: 12.5, totalMs: 80.25, outcome: 'ok', attempts: 2 });
    expect((await repos.sessions.get(alice, s.id))!.updatedAt > '2001-01-01T00:00:00.000Z').toBe(true);
  });

  it('records the usage of an answer whose session is gone, and returns null', async () => {
    const alice = user('alice');
    const s = await repos.sessions.create({ userId: alice });
    const { answer } = (await start(alice, s.id, 10))!;
    await repos.sessions.remove(alice, s.id);
    expect(await repos.turns.settle(settleInput(answer.id, s.id, alice))).toBeNull();
    expect(await repos.usage.list({ userId: alice })).toMatchObject([{ messageId: answer.id, outcome: 'ok' }]);
  });

  it('writes nothing when the ledger row fails: the answer stays pending', async () => {
    const alice = user('alice');
    const s = await repos.sessions.create({ userId: alice });
    const { answer } = (await start(alice, s.id, 10))!;
    const bad = settleInput(answer.id, s.id, alice, 'not-an-outcome' as 'ok');
    await expect(repos.turns.settle(bad)).rejects.toThrow(/llm_usage_outcome_check/);
    expect(await repos.messages.get(answer.id)).toMatchObject({ status: 'pending', content: '' });
    expect(await repos.usage.list({ userId: alice })).toEqual([]);
  });

  it('records a pending answer\'s prompt size only while it is pending', async () => {
    const alice = user('alice');
    const s = await repos.sessions.create({ userId: alice });
    const { answer } = (await start(alice, s.id, 10))!;
    expect(await repos.messages.setPendingPromptTokens(answer.id, 123)).toBe(true);
    expect((await repos.messages.get(answer.id))?.promptTokens).toBe(123);
    await repos.messages.update(answer.id, { status: 'complete', promptTokens: 120 });
    expect(await repos.messages.setPendingPromptTokens(answer.id, 999)).toBe(false);
    expect((await repos.messages.get(answer.id))?.promptTokens).toBe(120);
  });
});
