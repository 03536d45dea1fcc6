/**
 * Memocha in front of a misbehaving OpenAI-compatible upstream (a real HTTP server on 127.0.0.1):
 * broken answers are stored as errors, upstream text never reaches the client, Retry-After is passed
 * on, a malformed line does not end a good answer, and an endless answer is cut at maxTokens.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countTokens, createLogger } from '../../serve';
import { startStack, startTestUpstream, type ConfiguredStack, type TestUpstream } from '../../serve/testing';
import { api, postSse } from '../support/client';

const KEY = 'sk-proj-TOPSECRETKEY0123456789abcdef';
const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    logLines.push(chunk.toString('utf8'));
    cb();
  },
});

let up: TestUpstream;
let t: ConfiguredStack;
beforeAll(async () => {
  up = await startTestUpstream();
  t = await startStack({
    llm: 'config',
    logger: createLogger('info', 'upstream-faults', sink),
    env: { LLM_PROVIDER: 'openai', LLM_BASE_URL: up.url, LLM_API_KEY: KEY, LLM_MODEL: 'test-model', LLM_MAX_RETRIES: '0', BREAKER_ERROR_PERCENT: '100', BREAKER_VOLUME: '1000' },
  });
});
afterAll(async () => {
  await t?.close();
  await up?.close();
});
beforeEach(() => {
  up.requests.length = 0;
  up.setDefault({ kind: 'ok' });
});

async function newSession() {
  return (await api(`${t.url}/v1/sessions`, { body: {} })).json.id as string;
}
async function assistantOf(session: string) {
  const items = (await api(`${t.url}/v1/sessions/${session}/messages?limit=50`)).json.items as { role: string; status: string; content: string; errorCode: string | null; errorMessage: string | null }[];
  return items.filter((m) => m.role === 'assistant').at(-1);
}

describe('broken upstream answers', () => {
  it('200 text/html → 502 llm_error, stored as an error (not complete)', async () => {
    up.push({ kind: 'raw', contentType: 'text/html', body: '<html><body>Sign in to the proxy</body></html>' });
    const s = await newSession();
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'hello?' } });
    expect(r.status).toBe(502);
    expect(r.json.error.code).toBe('llm_error');
    expect(await assistantOf(s)).toMatchObject({ status: 'error', errorCode: 'llm_error' });
  });

  it('a stream that stops after tokens without finish_reason or [DONE] → SSE error, not a complete answer', async () => {
    up.push({ kind: 'ok', tokens: ['Half', ' an'], noFinish: true, noDone: true });
    const s = await newSession();
    const r = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'go' });
    expect(r.events.map((e) => e.event)).toEqual(['meta', 'token', 'token', 'error']);
    expect(r.events.at(-1)!.data).toMatchObject({ code: 'llm_error' });
    const stored = await assistantOf(s);
    expect(stored?.status).not.toBe('complete');
    expect(stored?.content).toBe('Half an');
  });

  it('one malformed line in the middle of a good answer is skipped: the answer completes', async () => {
    up.push({ kind: 'ok', tokens: ['One', ' two', ' three'], malformedAfter: 1 });
    const s = await newSession();
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'count' } });
    expect(r.status).toBe(200);
    expect(await assistantOf(s)).toMatchObject({ status: 'complete', content: 'One two three' });
  });
});

describe('upstream errors reach clients as codes with fixed messages', () => {
  it('a 401 echoing the API key and an internal address: neither reaches the client (JSON, SSE, stored message) nor the log', async () => {
    const body = { error: { message: `Incorrect API key provided: ${KEY}. Request from 10.20.30.40 to https://admin:pw123@internal.example/v1` } };
    up.push({ kind: 'status', status: 401, body }, { kind: 'status', status: 401, body });
    const s = await newSession();
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'hi' } });
    expect(r.status).toBe(502);
    expect(r.json.error.code).toBe('llm_rejected');
    const sse = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'hi again' });
    const errorEvent = sse.events.find((e) => e.event === 'error')!;
    expect(errorEvent.data.code).toBe('llm_rejected');
    const stored = await assistantOf(s);
    for (const out of [JSON.stringify(r.json), JSON.stringify(errorEvent.data), JSON.stringify(stored)]) {
      for (const leak of ['TOPSECRET', '10.20.30.40', 'pw123', 'internal.example', 'Incorrect API key']) expect(out).not.toContain(leak);
    }
    const log = logLines.join('');
    expect(log).toContain('LLM call failed');
    expect(log).toContain('Incorrect API key provided'); // the detail is logged…
    expect(log).not.toContain('TOPSECRET'); // …without the key
    expect(log).not.toContain('pw123');
  });

  it('an upstream 503 with Retry-After: 30 → 502 with Retry-After: 30 (JSON header, SSE retryAfterS)', async () => {
    up.push({ kind: 'status', status: 503, headers: { 'retry-after': '30' } }, { kind: 'status', status: 503, headers: { 'retry-after': '30' } });
    const s = await newSession();
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'busy?' } });
    expect(r.status).toBe(502);
    expect(r.headers.get('retry-after')).toBe('30');
    const sse = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'busy?' });
    expect(sse.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'llm_error', retryAfterS: 30 } });
  });
});

describe('maxTokens', () => {
  it('an upstream that ignores max_tokens and sends 100,000 chunks without spaces is cut at maxTokens', async () => {
    up.push({ kind: 'ok', tokens: Array.from({ length: 100_000 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 2000))), itlMs: 0 });
    const s = await newSession();
    const r = await postSse(`${t.url}/v1/sessions/${s}/messages`, { content: 'write forever', maxTokens: 300 });
    const done = r.events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.finishReason).toBe('length');
    const text = r.events.filter((e) => e.event === 'token').map((e) => e.data.text as string).join('');
    expect(countTokens(text)).toBeLessThanOrEqual(300);
    expect(up.requests[0]?.body.max_tokens).toBe(300);
    const stored = await assistantOf(s);
    expect(stored).toMatchObject({ status: 'complete', content: text });
  });

  it('without maxTokens in the request, LLM_MAX_TOKENS is sent upstream and enforced', async () => {
    up.push({ kind: 'ok', tokens: Array.from({ length: 5_000 }, () => ' la') });
    const s = await newSession();
    const r = await api(`${t.url}/v1/sessions/${s}/messages`, { body: { content: 'sing' } });
    expect(r.status).toBe(200);
    expect(up.requests[0]?.body.max_tokens).toBe(t.config.LLM_MAX_TOKENS);
    expect(countTokens((await assistantOf(s))!.content)).toBeLessThanOrEqual(t.config.LLM_MAX_TOKENS);
  });
});
