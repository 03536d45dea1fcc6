import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiProvider } from './openai';
import { createResilientLlm } from './resilience';
import type { ResilienceEvent, ResilienceOptions, ResilientLlm } from './resilience';
import { DEFAULT_TOKENS, drain, req, startTestUpstream, waitFor } from '../testing/upstream';
import type { TestUpstream } from '../testing/upstream';
import { LlmError } from './types';

let up: TestUpstream;
const made: ResilientLlm[] = [];
let events: ResilienceEvent[] = [];
function make(o: Partial<ResilienceOptions> = {}): ResilientLlm {
  const llm = createResilientLlm({
    providers: [createOpenAiProvider({ id: 'up', baseUrl: up.url, model: 'm1' })],
    attemptTimeoutMs: 2000,
    idleTimeoutMs: 2000,
    deadlineMs: 10_000,
    maxRetries: 2,
    retryBaseMs: 10,
    retryMaxMs: 40,
    breaker: { errorPercent: 100, windowMs: 10_000, resetMs: 1000 },
    queue: { maxConcurrency: 8, maxQueue: 8 },
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    ...o,
  });
  made.push(llm);
  return llm;
}

beforeAll(async () => {
  up = await startTestUpstream();
});
afterAll(() => up.close());
beforeEach(() => {
  up.requests.length = 0;
  up.setDefault({ kind: 'ok' });
  events = [];
});
afterEach(() => made.splice(0).forEach((l) => l.close()));

describe('resilient LLM: happy paths', () => {
  it('stream: tokens then done naming provider, model, attempts and queue wait', async () => {
    const r = await drain(make());
    expect(r.tokens).toEqual(DEFAULT_TOKENS);
    expect(r.done).toMatchObject({ provider: 'up', model: 'm1', attempts: 1, usage: { source: 'provider' } });
    expect(r.done?.queueWaitMs).toBeGreaterThanOrEqual(0);
    expect(events.map((e) => e.type)).toEqual(['call_done']);
  });

  it('complete: one non-streaming request', async () => {
    const c = await make().complete(req);
    expect(c).toMatchObject({ text: 'Hello, world!', provider: 'up', model: 'm1', attempts: 1 });
    expect(c.ttftMs).toBe(c.totalMs);
    expect(up.requests.map((r) => r.body.stream)).toEqual([false]);
  });
});

describe('retries', () => {
  it('two 503s then success: 3 attempts, tokens delivered once', async () => {
    up.push({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const llm = make();
    const r = await drain(llm);
    expect(r.tokens).toEqual(DEFAULT_TOKENS);
    expect(r.done?.attempts).toBe(3);
    expect(up.requests).toHaveLength(3);
    expect(llm.stats()).toMatchObject({ attempts: 3, retries: 2, retrySuccesses: 1, succeeded: 1, fallbacks: 0 });
    expect(events.filter((e) => e.type === 'attempt_failed').map((e) => e.type === 'attempt_failed' && e.willRetry)).toEqual([true, true]);
  });

  it('gives up after maxRetries and throws the upstream error with attempts', async () => {
    up.setDefault({ kind: 'status', status: 500 });
    const r = await drain(make({ maxRetries: 1 }));
    expect(r.error?.kind).toBe('server');
    expect(r.error?.opts.attempts).toBe(2);
    expect(up.requests).toHaveLength(2);
  });

  it('never retries client errors', async () => {
    up.push({ kind: 'status', status: 400 });
    const r = await drain(make());
    expect(r.error?.kind).toBe('client');
    expect(up.requests).toHaveLength(1);
  });

  it('complete() retries a malformed body', async () => {
    up.push({ kind: 'malformed' });
    expect((await make().complete(req)).attempts).toBe(2);
  });

  it('honours Retry-After (waits at least its value even when jitter is 0)', async () => {
    up.push({ kind: 'status', status: 429, headers: { 'retry-after': '0.3' } });
    const t0 = performance.now();
    const r = await drain(make({ random: () => 0 }));
    expect(r.done?.attempts).toBe(2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(295);
  });

  it('stops retrying when Retry-After would pass the deadline', async () => {
    up.push({ kind: 'status', status: 429, headers: { 'retry-after': '5' } });
    const t0 = performance.now();
    const r = await drain(make({ deadlineMs: 1000 }));
    expect(r.error?.kind).toBe('rate_limited');
    expect(r.error?.opts.retryAfterMs).toBe(5000);
    expect(up.requests).toHaveLength(1);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('never retries once a token was yielded: a cut stream → partial error, upstream hit once', async () => {
    up.push({ kind: 'cut', afterTokens: 2 });
    const llm = make();
    const r = await drain(llm);
    expect(r.tokens).toEqual(DEFAULT_TOKENS.slice(0, 2));
    expect(r.error?.kind).toBe('connection');
    expect(r.error?.opts.partial).toBe(true);
    expect(up.requests).toHaveLength(1);
    expect(llm.stats().partialFailures).toBe(1);
  });
});

describe('timeouts and deadline', () => {
  it('attempt timeout: a hung request is aborted and retried', async () => {
    up.push({ kind: 'hang' });
    const llm = make({ attemptTimeoutMs: 100 });
    const r = await drain(llm);
    expect(r.tokens).toEqual(DEFAULT_TOKENS);
    expect(r.done?.attempts).toBe(2);
    expect(llm.stats().timeouts.firstToken).toBe(1);
    await waitFor(() => up.requests[0]?.closedByClient === true);
  });

  it('attempt timeout applies to complete() too', async () => {
    up.setDefault({ kind: 'hang' });
    const t0 = performance.now();
    const err = await make({ attemptTimeoutMs: 80, maxRetries: 1 }).complete(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).kind).toBe('timeout');
    expect(up.requests).toHaveLength(2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('idle timeout: a stream that stalls mid-way fails (partial) and is not retried', async () => {
    up.push({ kind: 'stall', afterTokens: 1 });
    const llm = make({ idleTimeoutMs: 100 });
    const r = await drain(llm);
    expect(r.tokens).toEqual(DEFAULT_TOKENS.slice(0, 1));
    expect(r.error?.kind).toBe('timeout');
    expect(r.error?.opts.partial).toBe(true);
    expect(up.requests).toHaveLength(1);
    expect(llm.stats().timeouts.idle).toBe(1);
    await waitFor(() => up.requests[0]?.closedByClient === true);
  });

  it('slow but steady streams within the idle timeout succeed', async () => {
    up.push({ kind: 'ok', ttftMs: 60, itlMs: 60 });
    expect((await drain(make({ attemptTimeoutMs: 150, idleTimeoutMs: 150 }))).done?.attempts).toBe(1);
  });

  it('deadline bounds the whole call across retries', async () => {
    up.setDefault({ kind: 'hang' });
    const llm = make({ attemptTimeoutMs: 150, deadlineMs: 400, maxRetries: 10 });
    const t0 = performance.now();
    const r = await drain(llm);
    expect(r.error?.kind).toBe('deadline');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(395);
    expect(up.requests.length).toBeGreaterThanOrEqual(2);
    expect(llm.stats().timeouts.deadline).toBe(1);
    await waitFor(() => up.requests.every((q) => q.closedByClient));
  });
});

describe('caller abort', () => {
  it('aborts the upstream request, is not retried and not counted by the breaker', async () => {
    up.push({ kind: 'hang' });
    const llm = make({ breaker: { errorPercent: 0, volume: 1, windowMs: 10_000, resetMs: 1000 } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await drain(llm, ac.signal);
    expect(r.error?.kind).toBe('aborted');
    await waitFor(() => up.requests[0]?.closedByClient === true);
    expect(up.requests).toHaveLength(1);
    expect(llm.breakerStates()[0]).toMatchObject({ state: 'closed', stats: { failuresInWindow: 0, failures: 0 } });
    expect(llm.stats().aborted).toBe(1);
  });

  it('an already aborted signal fails at once without a request', async () => {
    const r = await drain(make(), AbortSignal.abort());
    expect(r.error?.kind).toBe('aborted');
    expect(up.requests).toHaveLength(0);
  });
});
