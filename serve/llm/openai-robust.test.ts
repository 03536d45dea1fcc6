/**
 * The provider against a real HTTP upstream on 127.0.0.1 that misbehaves: answers longer than maxTokens,
 * broken answers (HTML, empty, no finish_reason), malformed lines, error bodies holding secrets.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toClientError } from '../chat/llm-errors';
import { createLogger } from '../logger';
import { drain, startTestUpstream, waitFor, type Step, type TestUpstream } from '../testing/upstream';
import { createOpenAiProvider } from './openai';
import { countTokens } from './tokens';
import type { LlmProvider, LlmRequest } from './types';

const req: LlmRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

const run = (p: LlmProvider, r: LlmRequest = req) => drain(p, undefined, r);

function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { lines, logger: createLogger('info', 'test', stream) };
}

let up: TestUpstream;
let llm: LlmProvider;
let log: ReturnType<typeof logSink>;
beforeAll(async () => {
  up = await startTestUpstream();
});
afterAll(() => up.close());
beforeEach(() => {
  up.requests.length = 0;
  up.setDefault({ kind: 'ok' });
  log = logSink();
  llm = createOpenAiProvider({ id: 'up', baseUrl: up.url, model: 'test-model', logger: log.logger });
});

describe('maxTokens is enforced on what upstream sends', () => {
  it('a stream longer than maxTokens is cut there, finishReason length, and the upstream request aborted', async () => {
    const words = Array.from({ length: 5_000 }, (_, i) => ` word${i % 7}`);
    up.push({ kind: 'ok', tokens: words, itlMs: 1 });
    const r = await run(llm, { ...req, maxTokens: 10 });
    expect(r.error).toBeUndefined();
    expect(r.done?.finishReason).toBe('length');
    const text = r.tokens.join('');
    expect(countTokens(text)).toBeLessThanOrEqual(10);
    expect(countTokens(text)).toBeGreaterThanOrEqual(9);
    expect(text).toBe(words.join('').slice(0, text.length));
    expect(r.done?.usage).toMatchObject({ completionTokens: countTokens(text), source: 'estimated' });
    expect(up.requests[0]?.body.max_tokens).toBe(10);
    await waitFor(() => up.requests[0]?.closedByClient === true);
  });

  it('the default maxTokens applies when a request names none; one huge chunk is cut too', async () => {
    const p = createOpenAiProvider({ baseUrl: up.url, model: 'm', defaultMaxTokens: 5 });
    up.push({ kind: 'ok', tokens: ['one two three four five six seven eight nine ten'] });
    const r = await run(p);
    expect(r.tokens.join('')).toBe('one two three four five');
    expect(r.done?.finishReason).toBe('length');
  });

  it('100,000 one-letter chunks without spaces end at maxTokens (counting stays linear)', async () => {
    up.push({ kind: 'ok', tokens: Array.from({ length: 100_000 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 2000))) });
    const r = await run(llm, { ...req, maxTokens: 2000 });
    expect(r.done?.finishReason).toBe('length');
    const n = countTokens(r.tokens.join(''));
    expect(n).toBeLessThanOrEqual(2000);
    expect(n).toBeGreaterThan(1990);
  });

  it('complete() truncates a body over maxTokens', async () => {
    up.push({ kind: 'ok', tokens: ['one two three four five six'] });
    const c = await llm.complete({ ...req, maxTokens: 3 });
    expect([c.text, c.finishReason, c.usage.completionTokens]).toEqual(['one two three', 'length', 3]);
  });
});

describe('broken answers are errors, not complete answers', () => {
  it.each<[string, Step]>([
    ['200 text/html', { kind: 'raw', contentType: 'text/html', body: '<html><body>Gateway login</body></html>' }],
    ['200 with an empty body', { kind: 'raw', contentType: 'text/event-stream', body: '' }],
    ['a stream with [DONE] but no finish_reason', { kind: 'ok', tokens: [], noFinish: true }],
  ])('%s → bad_response before any token (retryable)', async (_name, step) => {
    up.push(step);
    const r = await run(llm);
    expect(r.tokens).toEqual([]);
    expect(r.error?.kind).toBe('bad_response');
    expect(r.error?.retryable).toBe(true);
    expect(toClientError(r.error).code).toBe('llm_error');
  });

  it('tokens then the end of the body without finish_reason or [DONE] → bad_response after the tokens', async () => {
    up.push({ kind: 'ok', tokens: ['Hel', 'lo'], noFinish: true, noDone: true });
    const r = await run(llm);
    expect(r.tokens).toEqual(['Hel', 'lo']);
    expect(r.done).toBeUndefined();
    expect(r.error?.kind).toBe('bad_response');
  });

  it('a finish_reason without [DONE] is a complete answer', async () => {
    up.push({ kind: 'ok', tokens: ['Hi'], noDone: true });
    const r = await run(llm);
    expect(r.error).toBeUndefined();
    expect(r.done?.finishReason).toBe('stop');
  });

  it('complete(): a 200 HTML page, an empty body or a choice without a message → bad_response', async () => {
    up.push({ kind: 'raw', contentType: 'text/html', body: '<html>oops</html>' });
    await expect(llm.complete(req)).rejects.toMatchObject({ kind: 'bad_response' });
    up.push({ kind: 'raw', contentType: 'application/json', body: '' });
    await expect(llm.complete(req)).rejects.toMatchObject({ kind: 'bad_response' });
    up.push({ kind: 'raw', contentType: 'application/json', body: JSON.stringify({ choices: [{ index: 0 }] }) });
    await expect(llm.complete(req)).rejects.toMatchObject({ kind: 'bad_response' });
  });
});

describe('malformed stream lines', () => {
  it('one line that is not JSON is skipped (and logged); the answer completes', async () => {
    up.push({ kind: 'ok', tokens: ['A', 'B', 'C', 'D'], malformedAfter: 2 });
    const r = await run(llm);
    expect(r.error).toBeUndefined();
    expect(r.tokens).toEqual(['A', 'B', 'C', 'D']);
    expect(r.done?.finishReason).toBe('stop');
    const warn = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'LLM stream: skipped malformed lines');
    expect(warn).toMatchObject({ malformedLines: 1, provider: 'up' });
  });
});

describe('upstream error text never reaches clients; logs are redacted', () => {
  const secret = 'sk-proj-SECRETSECRET0123456789';
  it.each([
    [401, { error: { message: `Incorrect API key provided: ${secret}. Internal host 10.1.2.3:8443` } }, 'llm_rejected'],
    [500, '<html><h1>500</h1>upstream https://admin:hunter2@10.1.2.3/v1 failed</html>', 'llm_error'],
  ] as const)('HTTP %i: the client message is fixed, the log has no secret', async (status, body, code) => {
    up.push(typeof body === 'string' ? { kind: 'status', status, rawBody: body } : { kind: 'status', status, body });
    const r = await run(llm);
    const ce = toClientError(r.error);
    expect(ce.code).toBe(code);
    for (const leak of [secret, '10.1.2.3', 'hunter2', 'html', 'Incorrect']) expect(ce.message).not.toContain(leak);
    // the detail stays available to the log, redacted there
    expect(r.error?.message).toContain(status === 401 ? 'Incorrect API key' : '500');
    log.logger.warn({ err: r.error, headers: { authorization: `Bearer ${secret}` } }, `LLM call failed: ${r.error?.message}`);
    const line = log.lines.join('');
    expect(line).toContain('LLM call failed');
    expect(line).not.toContain(secret);
    expect(line).not.toContain('SECRETSECRET');
    expect(line).not.toContain('hunter2');
  });

  it('Retry-After of an upstream 503 is passed on, bounded to 300 s', async () => {
    up.push({ kind: 'status', status: 503, headers: { 'retry-after': '30' } }, { kind: 'status', status: 503, headers: { 'retry-after': '86400' } });
    expect(toClientError((await run(llm)).error)).toMatchObject({ status: 502, code: 'llm_error', retryAfterS: 30 });
    expect(toClientError((await run(llm)).error)).toMatchObject({ retryAfterS: 300 });
  });
});
