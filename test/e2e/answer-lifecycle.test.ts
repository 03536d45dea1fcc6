import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSse, type SseItem } from '../../eval/client/sse';
import { backends, startStack, type Stack } from '../../serve/testing';
import { api } from '../support/client';

/** Opens an SSE turn and hands back its events as they arrive. */
async function openTurn(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(body) });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return readSse(res.body!) as AsyncGenerator<SseItem>;
}

describe.each(backends)('an answer’s lifecycle on %s', (backend) => {
  let t: Stack;
  beforeAll(async () => {
    t = await startStack({
      db: backend,
      env: { ANSWER_SAVE_INTERVAL_MS: '50', MEMORY_ENABLED: 'false' },
      llm: 'provider',
      sim: { mode: 'lorem', outputTokens: 200, chunkTokens: 1, ttft: { kind: 'fixed', ms: 5 }, itl: { kind: 'fixed', ms: 20 }, recordPrompts: true },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the answer is stored pending before the first token and its text saved while it streams', async () => {
    const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
    const events = await openTurn(`${t.url}/v1/sessions/${s}/messages`, { content: 'tell me a long story' });
    let delivered = '';
    let assistantId = '';
    const seenWhileStreaming: { status: string; content: string }[] = [];
    for await (const item of events) {
      if (item.kind !== 'event') continue;
      const data = JSON.parse(item.event.data) as Record<string, unknown>;
      if (item.event.event === 'meta') {
        assistantId = data.assistantMessageId as string;
        const rows = (await api(`${t.url}/v1/sessions/${s}/messages`)).json.items as { id: string; status: string; content: string }[];
        expect(rows.map((m) => m.status)).toEqual(['complete', 'pending']);
        expect(rows[1]!.id).toBe(assistantId);
      } else if (item.event.event === 'token') {
        delivered += data.text as string;
        if (delivered.split(' ').length % 25 === 0) {
          const row = (await api(`${t.url}/v1/sessions/${s}/messages`)).json.items[1] as { status: string; content: string };
          seenWhileStreaming.push({ status: row.status, content: row.content });
        }
      } else {
        expect(item.event.event).toBe('done');
      }
    }
    // Mid-stream the row was pending with a growing prefix of the answer (the server may run ahead of this
    // reader, so late looks can already see it complete); at the end it is complete.
    const pending = seenWhileStreaming.filter((r) => r.status === 'pending');
    expect(pending.length).toBeGreaterThanOrEqual(2);
    for (const r of pending) expect(delivered.startsWith(r.content)).toBe(true);
    for (let i = 1; i < pending.length; i++) expect(pending[i]!.content.startsWith(pending[i - 1]!.content)).toBe(true);
    expect(pending.at(-1)!.content.length).toBeGreaterThan(0);
    for (const r of seenWhileStreaming.filter((x) => x.status !== 'pending')) expect(r).toEqual({ status: 'complete', content: delivered });
    const final = (await api(`${t.url}/v1/sessions/${s}/messages`)).json.items as { id: string; status: string; content: string; completionTokens: number }[];
    expect(final[1]).toMatchObject({ id: assistantId, status: 'complete', content: delivered });
    const usage = await t.runtime.deps.repos.usage.list({ userId: 'default' });
    expect(usage.filter((u) => u.messageId === assistantId).map((u) => u.outcome)).toEqual(['ok']);
  });

  it('the prompt window skips another turn’s pending answer', async () => {
    const s = (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
    const repos = t.runtime.deps.repos;
    await repos.messages.insert({ sessionId: s, userId: 'default', role: 'user', content: 'first question', status: 'complete' });
    await repos.messages.insert({ sessionId: s, userId: 'default', role: 'assistant', content: 'PENDING-HALF-ANSWER', status: 'pending', instanceId: 'elsewhere' });
    await repos.messages.insert({ sessionId: s, userId: 'default', role: 'assistant', content: 'INTERRUPTED-HALF-ANSWER', status: 'interrupted' });
    const before = t.sim.requests.length;
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'second question' } });
    expect(r.status).toBe(200);
    const prompt = JSON.stringify(t.sim.requests.slice(before).map((q) => q.messages));
    expect(prompt).toContain('first question');
    expect(prompt).not.toContain('PENDING-HALF-ANSWER');
    expect(prompt).toContain('INTERRUPTED-HALF-ANSWER'); // an interrupted answer's text was said, like a partial one
  });
});
