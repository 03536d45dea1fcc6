import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../config';
import { createRepos, type Repos } from '../db/repos';
import { NotFoundError } from '../errors';
import type { LlmEvent, LlmProvider } from '../llm/types';
import { createLogger } from '../logger';
import { openTestDb, type TestDb } from '../testing/db';
import type { MemoryService } from './memory-seam';
import { noMemory } from './memory-seam';
import { startTurn, type ChatDeps, type TurnEvent } from './turn';

/** The turn's database path (one call to start, one to settle) against a real PGlite database. */
describe('the turn on the database', () => {
  let t: TestDb;
  let repos: Repos;
  const calls: string[] = [];
  const llm: LlmProvider = {
    id: 'words',
    model: 'words-1',
    async *stream(req): AsyncIterable<LlmEvent> {
      calls.push(req.messages.map((m) => m.content).join('|'));
      for (const w of ['one ', 'two']) yield { type: 'token', text: w };
      yield { type: 'done', usage: { promptTokens: 9, completionTokens: 2, totalTokens: 11, source: 'provider' }, finishReason: 'stop' };
    },
    complete: () => Promise.reject(new Error('not used')),
  };
  const deps = (memory: MemoryService = noMemory): ChatDeps => ({
    config: testConfig({ SYSTEM_PROMPT: 'sys' }),
    repos,
    llm,
    memory,
    logger: createLogger('silent'),
    costUsd: () => 0.5,
    instanceId: 'this-instance',
  });
  const input = (userId: string, sessionId: string, content = 'a question') => ({ userId, sessionId, content, receivedAt: performance.now() });

  beforeAll(async () => {
    t = await openTestDb('pglite');
    repos = createRepos(t.db.knex);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('stores both rows before the LLM call, records the prompt size, and settles answer, ledger and session together', async () => {
    const user = `u-${randomUUID().slice(0, 8)}`;
    const s = await repos.sessions.create({ userId: user, createdAt: '2001-01-01T00:00:00.000Z' });
    await repos.messages.insert({ sessionId: s.id, userId: user, role: 'user', content: 'earlier' });
    const turn = await startTurn(deps(), input(user, s.id));
    const pending = await repos.messages.get(turn.meta.assistantMessageId);
    expect(pending).toMatchObject({ role: 'assistant', status: 'pending', content: '' });
    expect(await repos.messages.get(turn.meta.userMessageId)).toMatchObject({ role: 'user', content: 'a question', status: 'complete' });
    expect(calls).toHaveLength(0);

    const events: TurnEvent[] = [];
    for await (const ev of turn.run(new AbortController().signal)) events.push(ev);
    expect(calls.at(-1)).toBe('sys|earlier|a question'); // the window excludes this turn's own rows
    const done = events.at(-1);
    expect(done?.type).toBe('done');
    const stored = await repos.messages.get(turn.meta.assistantMessageId);
    expect(stored).toMatchObject({ status: 'complete', content: 'one two', promptTokens: 9, completionTokens: 2, model: 'words-1' });
    expect(done?.type === 'done' && done.message).toEqual(stored);
    expect(await repos.usage.list({ userId: user })).toMatchObject([{ messageId: stored!.id, provider: 'words', outcome: 'ok', costUsd: 0.5, promptTokens: 9 }]);
    expect((await repos.sessions.get(user, s.id))!.updatedAt > '2001-01-01T00:00:00.000Z').toBe(true);
  });

  it('records the planned prompt size on the pending row while it streams', async () => {
    const user = `u-${randomUUID().slice(0, 8)}`;
    const s = await repos.sessions.create({ userId: user });
    const turn = await startTurn(deps(), input(user, s.id));
    const it = turn.run(new AbortController().signal);
    await it.next(); // the first token: the LLM call has begun
    await expect.poll(async () => (await repos.messages.get(turn.meta.assistantMessageId))?.promptTokens).toBe(turn.meta.promptTokens.total);
    while (!(await it.next()).done);
  });

  it('stores nothing for another user\'s session', async () => {
    const owner = `u-${randomUUID().slice(0, 8)}`;
    const s = await repos.sessions.create({ userId: owner });
    await repos.users.ensure('intruder');
    await expect(startTurn(deps(), input('intruder', s.id))).rejects.toBeInstanceOf(NotFoundError);
    expect(await repos.messages.countBySession(s.id)).toBe(0);
  });

  it('settles the pending row as error when the turn fails before the LLM call', async () => {
    const user = `u-${randomUUID().slice(0, 8)}`;
    const s = await repos.sessions.create({ userId: user });
    const broken: MemoryService = {
      retrieve: () => {
        throw new Error('a bug in the memory wiring');
      },
      afterTurn: () => undefined,
    };
    await expect(startTurn(deps(broken), input(user, s.id))).rejects.toThrow('a bug in the memory wiring');
    const rows = (await repos.messages.list({ sessionId: s.id, userId: user, limit: 10 })).items;
    expect(rows.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'error'],
    ]);
  });
});
