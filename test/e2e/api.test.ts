import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, probePostgres, startStack, type Stack } from '../../serve/testing';
import { api, postSse } from '../support/client';

// Memory works on PGlite, and on PostgreSQL only when it offers pgvector (otherwise it is unavailable and the chat answers without it).
const pgvectorOnPostgres = backends.includes('postgres') && (await probePostgres()).ok;
const memoryWorks = (backend: string) => backend === 'pglite' || pgvectorOnPostgres;

describe.each(backends)('HTTP API on %s', (backend) => {
  let t: Stack;
  beforeAll(async () => {
    t = await startStack({ db: backend, sim: { mode: 'extractive' } });
  });
  afterAll(async () => t?.close());

  it('answers liveness and readiness with the database backend and the simulator note', async () => {
    expect((await api(`${t.url}/healthz`)).json).toEqual({ status: 'ok' });
    const ready = await api(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.json.status).toBe('ready');
    expect(ready.json.database).toMatchObject({ ok: true, backend });
    expect(ready.json.llm.mode).toBe('sim');
    expect(ready.json.llm.note).toMatch(/simulator/);
    expect(ready.json.llm.breakers[0]).toMatchObject({ state: 'closed' });
    expect(ready.json.memory).toMatchObject({ enabled: true, embedder: 'use-lite' });
    if (memoryWorks(backend)) expect(ready.json.memory.error).toBeUndefined();
    else expect(ready.json.memory.error).toMatch(/pgvector extension is not installed/);
  });

  it('creates, lists (newest first, paginated), reads and deletes sessions', async () => {
    const user = { 'x-memocha-user': `sessions-${backend}` };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api(`${t.url}/v1/sessions`, { body: { title: `s${i}` }, headers: user });
      expect(r.status).toBe(201);
      ids.push(r.json.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api(`${t.url}/v1/sessions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { headers: user });
      expect(page.status).toBe(200);
      seen.push(...page.json.items.map((s: { id: string }) => s.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const one = await api(`${t.url}/v1/sessions/${ids[0]}`, { headers: user });
    expect(one.json).toMatchObject({ id: ids[0], title: 's0', userId: `sessions-${backend}` });
    expect((await api(`${t.url}/v1/sessions/${ids[0]}`, { method: 'DELETE', headers: user })).status).toBe(204);
    expect((await api(`${t.url}/v1/sessions/${ids[0]}`, { headers: user })).status).toBe(404);
  });

  it("keeps users apart: another user cannot read, list, post to or delete a user's session", async () => {
    const alice = { 'x-memocha-user': 'alice' };
    const bob = { 'x-memocha-user': 'bob' };
    const s = (await api(`${t.url}/v1/sessions`, { body: {}, headers: alice })).json.id as string;
    expect((await api(`${t.url}/v1/sessions/${s}`, { headers: bob })).json.error.code).toBe('session_not_found');
    expect((await api(`${t.url}/v1/sessions/${s}/messages`, { headers: bob })).status).toBe(404);
    expect((await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'hi' }, headers: bob })).status).toBe(404);
    expect((await api(`${t.url}/v1/sessions/${s}`, { method: 'DELETE', headers: bob })).status).toBe(404);
    const bobs = await api(`${t.url}/v1/sessions`, { headers: bob });
    expect(bobs.json.items.map((x: { id: string }) => x.id)).not.toContain(s);
    expect((await api(`${t.url}/v1/sessions/${s}`, { headers: alice })).status).toBe(200);
  });

  it('answers a message as JSON, stores both messages and a usage ledger row', async () => {
    const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'The capital of Peru is Lima.', maxTokens: 50 } });
    expect(r.status).toBe(200);
    expect(r.json.message).toMatchObject({ role: 'assistant', status: 'complete', sessionId: s });
    expect(r.json.message.content.length).toBeGreaterThan(0);
    expect(r.json.usage.completionTokens).toBeGreaterThan(0);
    expect(r.json.usage.source).toBe('provider');
    expect(r.json.timings.ttftMs).toBeGreaterThan(0);
    expect(r.json.timings.totalMs).toBeGreaterThanOrEqual(r.json.timings.ttftMs);

    const msgs = await api(`${t.url}/v1/sessions/${s}/messages`);
    expect(msgs.json.items.map((m: { role: string; status: string }) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    const ledger = await t.runtime.deps.repos.usage.list({ userId: 'default' });
    const row = ledger.find((u) => u.messageId === r.json.message.id);
    expect(row).toMatchObject({ outcome: 'ok', promptTokens: r.json.usage.promptTokens, completionTokens: r.json.usage.completionTokens, provider: 'simulator' });
  });

  it('streams SSE meta, tokens and done; the tokens concatenate to the stored answer', async () => {
    const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
    const r = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'Tell me something. Penguins live in Antarctica.' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const names = r.events.map((e) => e.event);
    expect(names[0]).toBe('meta');
    expect(names.at(-1)).toBe('done');
    expect(names.filter((n) => n === 'token').length).toBeGreaterThan(1);
    const meta = r.events[0]!.data;
    expect(meta).toMatchObject({ sessionId: s, model: 'memocha-sim-extractive', memory: memoryWorks(backend) ? 'ok' : 'unavailable' });
    const text = r.events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
    const done = r.events.at(-1)!.data as { message: { id: string; content: string }; timings: { ttftMs: number; totalMs: number } };
    expect(done.message.id).toBe(meta.assistantMessageId);
    expect(done.message.content).toBe(text);
    expect(done.timings.ttftMs).toBeGreaterThan(0);
    const stored = await t.runtime.deps.repos.messages.get(done.message.id);
    expect(stored).toMatchObject({ content: text, status: 'complete' });
  });

  it('?stream=true also streams, and /chat creates a session then continues it', async () => {
    const first = await api(`${t.url}/chat`, { body: { message: 'My locker code is 4512.' } });
    expect(first.status).toBe(200);
    const sessionId = first.json.sessionId as string;
    expect((await api(`${t.url}/v1/sessions/${sessionId}`)).status).toBe(200);
    const second = await postSse(`${t.url}/chat?stream=true`, { message: 'What is my locker code?', sessionId }, { accept: '*/*' });
    expect(second.events[0]!.data.sessionId).toBe(sessionId);
    const answer = second.events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
    // The extractive simulator answers from the recent window: the earlier message is in the prompt.
    expect(answer).toContain('4512');
    expect((await api(`${t.url}/v1/sessions/${sessionId}/messages`)).json.items).toHaveLength(4);
  });

  it('paginates messages oldest first with a cursor', async () => {
    const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
    for (const c of ['one', 'two', 'three']) await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: c } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api(`${t.url}/v1/sessions/${s}/messages?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.json.items.map((m: { role: string; content: string }) => `${m.role}:${m.role === 'user' ? m.content : ''}`));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['user:one', 'assistant:', 'user:two', 'assistant:', 'user:three', 'assistant:']);
  });
});

describe('the recent window', () => {
  it('with HISTORY_WINDOW=0 (and memory off) the model sees no earlier message', async () => {
    const t = await startStack({ env: { HISTORY_WINDOW: '0', MEMORY_ENABLED: 'false' }, sim: { mode: 'extractive' } });
    try {
      const first = await api(`${t.url}/chat`, { body: { message: 'My locker code is 4512.' } });
      const second = await api(`${t.url}/chat`, { body: { message: 'What is my locker code?', sessionId: first.json.sessionId } });
      expect(second.json.message.content).not.toContain('4512');
    } finally {
      await t.close();
    }
  });
});
