import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { FullMemoryService } from '../../serve';
import { type ConfiguredStack, type Stack, type StackOptions, startStack } from '../../serve/testing';
import { api, postSse } from '../support/client';

/**
 * Forgetting wins: a delete (of a session, or of memories) cancels the matching running turns, and
 * nothing deleted is indexed or re-indexed later — not by the indexing queued after the turn, not by
 * an embedding in flight when the delete lands, not by the periodic sweep.
 * The memory races run on PGlite (the test PostgreSQL here has no pgvector); the cancellation and
 * shutdown cases run on the test PostgreSQL.
 */
const open: { close(): Promise<void> }[] = [];
async function stack(o: StackOptions & { llm?: 'built-in' } = {}): Promise<Stack> {
  const t = await startStack(o);
  open.push(t);
  return t;
}
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const as = (user: string) => ({ 'x-memocha-user': user });
async function newSession(t: ConfiguredStack, user = 'default') {
  return (await api(`${t.url}/v1/sessions`, { body: {}, headers: as(user) })).json.id as string;
}
/** Everything queued is indexed, then the sweep takes every pending message whatever its age (twice: a sweep may queue behind a job). */
async function drain(memory: FullMemoryService) {
  await memory.idle();
  await memory.sweep({ minAgeMs: 0 });
  await memory.idle();
}
async function until(fn: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}
/** Rows of a session left in the database (messages cascade with their session). */
async function rowsOf(t: ConfiguredStack, sessionId: string) {
  return Number(((await t.db.knex('messages').where('session_id', sessionId).count({ n: '*' })) as { n: string | number }[])[0]!.n);
}

describe('forget races (PGlite + pgvector, use-lite embeddings)', () => {
  // 100 turns, embeddings and searches: minutes on a busy 2-core machine.
  it('100 turns each followed at once by DELETE /v1/memories or DELETE /v1/sessions/:id: 0 memories come back', { timeout: 480_000 }, async () => {
    const t = await stack({ env: { MEMORY_SWEEP_MS: '3600000' } });
    const memory = t.runtime.memoryService!;
    const races = 100;
    const users = Array.from({ length: races }, (_, i) => `race-${i}`);
    let next = 0;
    // Four clients at a time, so deletes also land while other users' embeddings are in flight.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = next++; i < races; i = next++) {
          const user = users[i]!;
          const s = await newSession(t, user);
          const turn = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: `My locker code is ${1000 + i} and my cat is called Pixel${i}.` }, headers: as(user) });
          expect(turn.status).toBe(200);
          const del = i % 2 === 0 ? await api(`${t.url}/v1/memories`, { method: 'DELETE', headers: as(user) }) : await api(`${t.url}/v1/sessions/${s}`, { method: 'DELETE', headers: as(user) });
          expect(del.status).toBeLessThan(300);
        }
      }),
    );
    await drain(memory);
    await sleep(200);
    await drain(memory);
    let back = 0;
    for (const user of users) {
      back += await memory.count(user);
      const found = await api(`${t.url}/v1/memories?q=${encodeURIComponent('locker code cat')}&k=10`, { headers: as(user) });
      expect(found.status).toBe(200);
      back += (found.json.items as unknown[]).length;
    }
    const ix = memory.stats().indexer;
    console.info(`forget races: ${races}, memories back: ${back}, chunks deleted again after an in-flight upsert: ${ix.forgottenInFlight}, messages indexed: ${ix.messagesIndexed}`);
    expect(back).toBe(0);
    // The chat history outlives DELETE /v1/memories; only its memories are gone.
    const kept = await api(`${t.url}/v1/sessions?limit=5`, { headers: as(users[0]!) });
    expect(kept.json.items).toHaveLength(1);

    // The control: the same turn without a delete is remembered.
    const s = await newSession(t, 'control');
    await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'My locker code is 4242 and my cat is called Pixel.' }, headers: as('control') });
    await drain(memory);
    expect(await memory.count('control')).toBeGreaterThan(0);
  });

  it('a turn that failed upstream leaves its message unindexed; after DELETE /v1/memories the sweep never indexes it', async () => {
    const t = await stack({ env: { LLM_MAX_RETRIES: '0', BREAKER_ERROR_PERCENT: '100', MEMORY_SWEEP_MS: '3600000' }, sim: { faults: { errorRate: 1, errorStatus: 500 } } });
    const memory = t.runtime.memoryService!;
    for (const user of ['forgets', 'keeps']) {
      const s = await newSession(t, user);
      const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'My passport number is X1234567.' }, headers: as(user) });
      expect(r.status).toBe(502);
    }
    await memory.idle();
    expect(await memory.count('forgets')).toBe(0);
    expect((await api(`${t.url}/v1/memories`, { method: 'DELETE', headers: as('forgets') })).status).toBe(200);
    await drain(memory);
    expect(await memory.count('forgets')).toBe(0);
    expect(await memory.count('keeps')).toBeGreaterThan(0); // the sweep does index a failed turn's message nobody forgot
  });

  it('DELETE /v1/memories during an SSE answer: the stream ends with an error event, the turn is never indexed', async () => {
    const t = await stack({ env: { MEMORY_SWEEP_MS: '3600000' }, sim: { mode: 'lorem', outputTokens: 400, chunkTokens: 1, itl: { kind: 'fixed', ms: 15 } } });
    const memory = t.runtime.memoryService!;
    const s = await newSession(t, 'sse-forget');
    const streaming = postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'My bank PIN is 9876, remember it.' }, as('sse-forget'), AbortSignal.timeout(20_000));
    await until(() => (t.sim.requests[0]?.chunkSentAt.length ?? 0) >= 3);
    expect((await api(`${t.url}/v1/memories`, { method: 'DELETE', headers: as('sse-forget') })).status).toBe(200);
    const r = await streaming;
    expect(r.events[0]!.event).toBe('meta');
    expect(r.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'memories_forgotten' } });
    expect(r.events.some((e) => e.event === 'done')).toBe(false);
    await drain(memory);
    expect(await memory.count('sse-forget')).toBe(0);
  });
});

describe('deleting a session during its answer (PostgreSQL)', () => {
  const sim = { mode: 'lorem' as const, outputTokens: 400, chunkTokens: 1, itl: { kind: 'fixed' as const, ms: 15 } };

  it('an SSE answer ends with an error event and the stream closes; nothing of the session is left', async () => {
    const t = await stack({ db: 'postgres', env: { MEMORY_ENABLED: 'false' }, sim });
    const s = await newSession(t);
    const streaming = postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'tell me a long story' }, {}, AbortSignal.timeout(20_000));
    await until(() => (t.sim.requests[0]?.chunkSentAt.length ?? 0) >= 3);
    expect((await api(`${t.url}/v1/sessions/${s}`, { method: 'DELETE' })).status).toBe(204);
    const r = await streaming;
    expect(r.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'session_deleted' } });
    await sleep(100);
    expect(await rowsOf(t, s)).toBe(0);
    expect((await api(`${t.url}/v1/sessions/${s}`)).status).toBe(404);
  });

  it('a JSON answer gets 410 session_deleted, not 500', async () => {
    const t = await stack({ db: 'postgres', env: { MEMORY_ENABLED: 'false' }, sim });
    const s = await newSession(t);
    const answering = api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'tell me a long story' } });
    await until(() => (t.sim.requests[0]?.chunkSentAt.length ?? 0) >= 3);
    expect((await api(`${t.url}/v1/sessions/${s}`, { method: 'DELETE' })).status).toBe(204);
    const r = await answering;
    expect(r.status).toBe(410);
    expect(r.json.error.code).toBe('session_deleted');
    await sleep(100);
    expect(await rowsOf(t, s)).toBe(0);
  });

  it('another session of the same user keeps answering', async () => {
    const t = await stack({ db: 'postgres', env: { MEMORY_ENABLED: 'false' }, sim: { ...sim, outputTokens: 40 } });
    const [a, b] = [await newSession(t), await newSession(t)];
    const other = postSse(`${t.url}/v1/sessions/${b}/messages`, { content: 'a short story' }, {}, AbortSignal.timeout(20_000));
    await until(() => (t.sim.requests[0]?.chunkSentAt.length ?? 0) >= 3);
    expect((await api(`${t.url}/v1/sessions/${a}`, { method: 'DELETE' })).status).toBe(204);
    expect((await other).events.at(-1)!.event).toBe('done');
  });
});

describe('shutdown during an answer (PostgreSQL)', () => {
  it('a JSON answer still open after the grace period gets 503 server_shutting_down', async () => {
    const t = await stack({ db: 'postgres', env: { MEMORY_ENABLED: 'false' }, sim: { mode: 'lorem', outputTokens: 500, chunkTokens: 1, itl: { kind: 'fixed', ms: 20 } } });
    const s = await newSession(t);
    const answering = api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'a very long story' } });
    await until(() => (t.sim.requests[0]?.chunkSentAt.length ?? 0) >= 3);
    await t.server.close(100);
    const r = await answering;
    expect(r.status).toBe(503);
    expect(r.json.error.code).toBe('server_shutting_down');
    expect(r.headers.get('retry-after')).toBeTruthy();
    const stored = await t.runtime.deps.repos.messages.list({ sessionId: s, userId: 'default', limit: 10 });
    expect(stored.items.map((m) => m.status)).toEqual(['complete', 'partial']);
  });
});
