import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readSse } from '../../eval/client/sse';
import { startSimulator, type Simulator } from '../../serve';
import { type Stack, type StackOptions, startStack } from '../../serve/testing';
import { api, postSse } from '../support/client';

const open: { close(): Promise<void> }[] = [];
async function server(env: Record<string, string>, sim: StackOptions['sim'] = {}) {
  const t = await startStack({ env: { LLM_RETRY_BASE_MS: '5', LLM_RETRY_MAX_MS: '20', ...env }, sim });
  open.push(t);
  return t;
}
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function newSession(t: Stack) {
  return (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
}
async function messagesOf(t: Stack, session: string) {
  return (await api(`${t.url}/v1/sessions/${session}/messages?limit=200`)).json.items as { role: string; status: string; content: string; errorCode: string | null; id: string }[];
}
async function until<T>(fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('LLM faults', () => {
  it('a failing provider: retried, then a clear 502; the user message and the error are stored', async () => {
    const t = await server({ LLM_MAX_RETRIES: '1', BREAKER_ERROR_PERCENT: '100' }, { faults: { errorRate: 1, errorStatus: 500 } });
    const s = await newSession(t);
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'hello?' } });
    expect(r.status).toBe(502);
    expect(r.json.error.code).toBe('llm_error');
    expect(t.sim.requests).toHaveLength(2);
    const stored = await messagesOf(t, s);
    expect(stored.map((m) => [m.role, m.status, m.errorCode])).toEqual([
      ['user', 'complete', null],
      ['assistant', 'error', 'llm_error'],
    ]);
    const ledger = await t.runtime.deps.repos.usage.list({ userId: 'default' });
    expect(ledger.at(-1)).toMatchObject({ outcome: 'error', errorCode: 'llm_error', attempts: 2 });
  });

  it('retries transient 503s and 429s until the answer comes through', async () => {
    const t = await server({ LLM_MAX_RETRIES: '6', BREAKER_ERROR_PERCENT: '100' }, { seed: 7, faults: { errorRate: 0.5, errorStatus: 503, retryAfterS: 0 } });
    const s = await newSession(t);
    for (let i = 0; i < 6; i++) {
      const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: `question ${i}` } });
      expect(r.status).toBe(200);
    }
    expect(t.sim.requests.length).toBeGreaterThan(6);
    expect(t.sim.requests.filter((q) => q.status === 503).length).toBe(t.sim.requests.length - 6);
  });

  it('over SSE a failure is an `error` event after `meta`, and the stream closes', async () => {
    const t = await server({ LLM_MAX_RETRIES: '0', BREAKER_ERROR_PERCENT: '100' }, { faults: { errorRate: 1, errorStatus: 500 } });
    const s = await newSession(t);
    const r = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'hi' });
    expect(r.events.map((e) => e.event)).toEqual(['meta', 'error']);
    expect(r.events[1]!.data).toMatchObject({ code: 'llm_error', messageId: r.events[0]!.data.assistantMessageId });
  });

  it('a stream cut mid-answer is not retried once tokens were sent; the partial text is stored with the error', async () => {
    const t = await server({ LLM_MAX_RETRIES: '3', BREAKER_ERROR_PERCENT: '100' }, { mode: 'lorem', outputTokens: 30, chunkTokens: 1, itl: { kind: 'fixed', ms: 20 }, faults: { cutRate: 1, cutAfterTokens: 3 } });
    const s = await newSession(t);
    const r = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'go' });
    const tokens = r.events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
    expect(r.events.at(-1)!.event).toBe('error');
    expect(tokens.length).toBeGreaterThan(0);
    expect(t.sim.requests).toHaveLength(1);
    const assistant = (await messagesOf(t, s)).find((m) => m.role === 'assistant')!;
    expect(assistant).toMatchObject({ status: 'error', content: tokens });
  });

  it('a hanging provider times out: 504 llm_timeout', async () => {
    const t = await server({ LLM_MAX_RETRIES: '0', LLM_ATTEMPT_TIMEOUT_MS: '200', BREAKER_ERROR_PERCENT: '100' }, { faults: { hangRate: 1 } });
    const s = await newSession(t);
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'anyone?' } });
    expect(r.status).toBe(504);
    expect(r.json.error.code).toBe('llm_timeout');
    expect((await messagesOf(t, s)).map((m) => m.status)).toEqual(['complete', 'error']);
  });

  it('circuit breaker: below the volume it stays closed; 5xx above the percentage opens it → fast 503 with nothing stored → half-open probe → closed', async () => {
    const t = await server({ LLM_MAX_RETRIES: '0', BREAKER_ERROR_PERCENT: '50', BREAKER_VOLUME: '3', BREAKER_RESET_MS: '400' }, { faults: { errorRate: 1, errorStatus: 500 } });
    const s = await newSession(t);
    for (let i = 0; i < 2; i++) expect((await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: `x${i}` } })).status).toBe(502);
    // 100 % failures, but only 2 attempts in the window (< BREAKER_VOLUME): still closed, still calling upstream
    expect((await api(`${t.url}/readyz`)).json.status).toBe('ready');
    expect((await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'x2' } })).status).toBe(502);
    const hits = t.sim.requests.length;
    expect(hits).toBe(3);
    const before = (await messagesOf(t, s)).length;

    const refused = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'refused' } });
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe('llm_unavailable');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(t.sim.requests.length).toBe(hits);
    expect((await messagesOf(t, s)).length).toBe(before);
    const sse = await postSse(`${t.url}/chat`, { message: 'refused too' });
    expect(sse.status).toBe(503);
    expect(sse.json?.error).toMatchObject({ code: 'llm_unavailable' });
    const ready = await api(`${t.url}/readyz`);
    expect(ready.json).toMatchObject({ status: 'degraded', llm: { available: false } });

    t.sim.configure({ faults: {} });
    await sleep(450);
    const probe = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'probe' } });
    expect(probe.status).toBe(200);
    expect((await api(`${t.url}/readyz`)).json.status).toBe('ready');
    const states = t.runtime.deps.llm.stats().breakerTransitions.map((x: { to: string }) => x.to);
    expect(states).toEqual(['open', 'halfOpen', 'closed']);
  });

  it('429s alone never open the breaker: each call is retried upstream and surfaces as 503 llm_rate_limited', async () => {
    // The most trigger-happy policy: any counted failure in any volume would open it.
    const t = await server({ LLM_MAX_RETRIES: '1', BREAKER_ERROR_PERCENT: '0', BREAKER_VOLUME: '1' }, { faults: { errorRate: 1, errorStatus: 429, retryAfterS: 0 } });
    const s = await newSession(t);
    for (let i = 0; i < 4; i++) {
      const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: `q${i}` } });
      expect(r.status).toBe(503);
      expect(r.json.error.code).toBe('llm_rate_limited');
      expect(r.headers.get('retry-after')).toBeTruthy();
    }
    expect(t.sim.requests).toHaveLength(8); // every call tried upstream twice: nothing was short-circuited
    expect(t.sim.requests.every((q) => q.status === 429)).toBe(true);
    expect(t.runtime.deps.llm.breakerStates()[0]).toMatchObject({ state: 'closed', stats: { fires: 0 } });
    expect(t.runtime.deps.llm.stats().breakerTransitions).toEqual([]);
    expect((await api(`${t.url}/readyz`)).json.status).toBe('ready');
    t.sim.configure({ faults: {} });
    expect((await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'now?' } })).status).toBe(200);
  });

  it('falls back to the next provider when the primary fails', async () => {
    const backup: Simulator = await startSimulator({ mode: 'echo', model: 'backup-model', seed: 1 });
    open.push(backup);
    const fallbacks = JSON.stringify([{ baseUrl: backup.url, model: 'backup-model' }]);
    const t = await server({ LLM_MAX_RETRIES: '0', LLM_FALLBACKS: fallbacks }, { faults: { errorRate: 1, errorStatus: 503 } });
    const s = await newSession(t);
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'echo me' } });
    expect(r.status).toBe(200);
    expect(r.json.provider).toBe('fallback-1');
    expect(r.json.message).toMatchObject({ model: 'backup-model', content: 'echo me' });
    expect(backup.requests).toHaveLength(1);
  });

  it('queue overflow gets 503 llm_overloaded with Retry-After', async () => {
    const t = await server({ LLM_MAX_CONCURRENCY: '1', LLM_QUEUE_MAX: '0' }, { ttft: { kind: 'fixed', ms: 600 } });
    const s1 = await newSession(t);
    const s2 = await newSession(t);
    const slow = api(`${t.url}/v1/sessions/${s1}/messages`, { body: { content: 'slow' } });
    await until(async () => (t.sim.requests.length > 0 ? true : undefined));
    const refused = await api(`${t.url}/v1/sessions/${s2}/messages`, { body: { content: 'too many' } });
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe('llm_overloaded');
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect((await slow).status).toBe(200);
  });

  it('a client that disconnects mid-stream aborts the upstream call; the partial answer is stored as partial', async () => {
    const t = await server({}, { mode: 'lorem', outputTokens: 200, chunkTokens: 1, itl: { kind: 'fixed', ms: 30 } });
    const s = await newSession(t);
    const controller = new AbortController();
    const res = await fetch(`${t.url}/v1/sessions/${s}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ content: 'a long story please' }),
      signal: controller.signal,
    });
    let tokens = 0;
    let assistantId = '';
    try {
      for await (const item of readSse(res.body!)) {
        if (item.kind !== 'event') continue;
        if (item.event.event === 'meta') assistantId = (JSON.parse(item.event.data) as { assistantMessageId: string }).assistantMessageId;
        if (item.event.event === 'token' && ++tokens === 3) controller.abort();
      }
    } catch {
      // the abort ends the body with an AbortError
    }
    // The row exists (pending) from before the first token; wait for the abort to settle it.
    const row = await until(() => t.runtime.deps.repos.messages.get(assistantId).then((m) => (m && m.status !== 'pending' ? m : undefined)));
    expect(row.status).toBe('partial');
    expect(row.content.length).toBeGreaterThan(0);
    await until(async () => (t.sim.requests[0]?.outcome === 'aborted' ? true : undefined));
    const ledger = await t.runtime.deps.repos.usage.list({ userId: 'default' });
    expect(ledger.find((u) => u.messageId === assistantId)).toMatchObject({ outcome: 'aborted' });
  });
});
