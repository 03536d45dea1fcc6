import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiProvider } from './openai';
import { closedPortUrl, DEFAULT_TOKENS, startTestUpstream, waitFor } from '../testing/upstream';
import type { TestUpstream } from '../testing/upstream';
import { countChatTokens, countTokens } from './tokens';
import { LlmError } from './types';
import type { LlmEvent, LlmProvider, LlmRequest } from './types';

const req: LlmRequest = { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }] };

async function collect(p: LlmProvider, r: LlmRequest = req, signal?: AbortSignal) {
  const tokens: string[] = [];
  let done: Extract<LlmEvent, { type: 'done' }> | undefined;
  for await (const ev of p.stream(r, { signal })) {
    if (ev.type === 'token') tokens.push(ev.text);
    else done = ev;
  }
  return { tokens, done };
}

async function errorOf(p: Promise<unknown>): Promise<LlmError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LlmError);
    return e as LlmError;
  }
  throw new Error('expected an LlmError');
}

let up: TestUpstream;
let llm: LlmProvider;
beforeAll(async () => {
  up = await startTestUpstream();
});
afterAll(() => up.close());
beforeEach(() => {
  up.requests.length = 0;
  up.setDefault({ kind: 'ok' });
  llm = createOpenAiProvider({ id: 'up', baseUrl: up.url, model: 'test-model', defaultTemperature: 0.3, defaultMaxTokens: 64 });
});

describe('openai provider: happy paths', () => {
  it('streams tokens then done with the usage from the final chunk', async () => {
    const { tokens, done } = await collect(llm);
    expect(tokens).toEqual(DEFAULT_TOKENS);
    expect(done).toMatchObject({ type: 'done', finishReason: 'stop', usage: { promptTokens: 11, completionTokens: 4, totalTokens: 15, source: 'provider' } });
    const body = up.requests[0]?.body;
    expect(body).toMatchObject({ model: 'test-model', stream: true, stream_options: { include_usage: true }, temperature: 0.3, max_tokens: 64 });
  });

  it('estimates usage with the tokenizer when the server sends none', async () => {
    up.push({ kind: 'ok', usage: false, tokens: ['The answer', ' is 42.'] });
    const { done } = await collect(llm, { ...req, temperature: 0, maxTokens: 50 });
    expect(done?.usage).toEqual({
      promptTokens: countChatTokens(req.messages),
      completionTokens: countTokens('The answer is 42.'),
      totalTokens: countChatTokens(req.messages) + countTokens('The answer is 42.'),
      source: 'estimated',
    });
    expect(up.requests[0]?.body).toMatchObject({ temperature: 0, max_tokens: 50 });
  });

  it('complete() returns text, usage, provider/model and ttftMs = totalMs', async () => {
    const c = await llm.complete(req);
    expect(c).toMatchObject({ text: 'Hello, world!', finishReason: 'stop', provider: 'up', model: 'test-model', usage: { promptTokens: 11, source: 'provider' } });
    expect(c.ttftMs).toBe(c.totalMs);
    expect(up.requests[0]?.body.stream).toBe(false);
    up.push({ kind: 'ok', usage: false });
    expect((await llm.complete(req)).usage.source).toBe('estimated');
  });

  it('sends a placeholder key when none is configured and uses max_completion_tokens on request', async () => {
    const p = createOpenAiProvider({ baseUrl: up.url, model: 'm', maxTokensParam: 'max_completion_tokens', defaultMaxTokens: 7 });
    expect(p.id).toBe(`openai:${new URL(up.url).host}`);
    await p.complete(req);
    expect(up.requests[0]?.body).toMatchObject({ max_completion_tokens: 7 });
    expect(up.requests[0]?.body.max_tokens).toBeUndefined();
  });
});

describe('openai provider: error mapping', () => {
  const cases: [number, string][] = [
    [400, 'client'],
    [401, 'client'],
    [404, 'client'],
    [422, 'client'],
    [408, 'server'],
    [409, 'server'],
    [500, 'server'],
    [502, 'server'],
    [503, 'server'],
    [429, 'rate_limited'],
  ];
  it.each(cases)('HTTP %i → %s (stream and complete)', async (status, kind) => {
    up.push({ kind: 'status', status }, { kind: 'status', status });
    const e1 = await errorOf(collect(llm));
    expect(e1.kind).toBe(kind);
    expect(e1.opts.status).toBe(status);
    expect(e1.opts.provider).toBe('up');
    expect((await errorOf(llm.complete(req))).kind).toBe(kind);
  });

  it('429 carries retryAfterMs from retry-after seconds, retry-after-ms, or an HTTP date', async () => {
    up.push(
      { kind: 'status', status: 429, headers: { 'retry-after': '2' } },
      { kind: 'status', status: 429, headers: { 'retry-after-ms': '150', 'retry-after': '9' } },
      { kind: 'status', status: 429, headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() } },
      { kind: 'status', status: 503, headers: { 'retry-after': '1' } },
    );
    expect((await errorOf(collect(llm))).opts.retryAfterMs).toBe(2000);
    expect((await errorOf(collect(llm))).opts.retryAfterMs).toBe(150);
    const dated = (await errorOf(collect(llm))).opts.retryAfterMs ?? 0;
    expect(dated).toBeGreaterThan(25_000);
    expect(dated).toBeLessThanOrEqual(30_000);
    const e503 = await errorOf(collect(llm));
    expect([e503.kind, e503.opts.retryAfterMs]).toEqual(['server', 1000]);
  });

  it('connection refused → connection', async () => {
    const p = createOpenAiProvider({ baseUrl: await closedPortUrl(), model: 'm' });
    expect((await errorOf(collect(p))).kind).toBe('connection');
    expect((await errorOf(p.complete(req))).kind).toBe('connection');
  });

  it('a reset before the response and a cut mid-stream → connection', async () => {
    up.push({ kind: 'reset' }, { kind: 'cut', afterTokens: 2 });
    expect((await errorOf(collect(llm))).kind).toBe('connection');
    const seen: string[] = [];
    const e = await errorOf(
      (async () => {
        for await (const ev of llm.stream(req)) if (ev.type === 'token') seen.push(ev.text);
      })(),
    );
    expect(e.kind).toBe('connection');
    expect(seen).toEqual(DEFAULT_TOKENS.slice(0, 2));
  });

  it('a malformed chunk or body → bad_response', async () => {
    up.push({ kind: 'malformed' }, { kind: 'malformed' });
    expect((await errorOf(collect(llm))).kind).toBe('bad_response');
    expect((await errorOf(llm.complete(req))).kind).toBe('bad_response');
  });

  it("the caller's abort cancels the upstream request → aborted", async () => {
    up.push({ kind: 'hang' }, { kind: 'stall', afterTokens: 1 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect((await errorOf(collect(llm, req, ac.signal))).kind).toBe('aborted');
    await waitFor(() => up.requests[0]?.closedByClient === true);

    const ac2 = new AbortController();
    const e = await errorOf(
      (async () => {
        for await (const ev of llm.stream(req, { signal: ac2.signal })) if (ev.type === 'token') ac2.abort();
      })(),
    );
    expect(e.kind).toBe('aborted');
    await waitFor(() => up.requests[1]?.closedByClient === true);
  });
});
