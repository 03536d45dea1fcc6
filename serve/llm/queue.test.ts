import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiProvider } from './openai';
import { BoundedQueue } from './queue';
import { createResilientLlm } from './resilience';
import type { ResilientLlm } from './resilience';
import { DEFAULT_TOKENS, drain, req, startTestUpstream, waitFor } from '../testing/upstream';
import type { TestUpstream } from '../testing/upstream';
import { LlmError } from './types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('BoundedQueue (unit)', () => {
  it('admits maxConcurrency, queues maxQueue FIFO, rejects the rest at once', async () => {
    const q = new BoundedQueue({ maxConcurrency: 1, maxQueue: 2 });
    const r1 = await q.acquire();
    const order: number[] = [];
    const p2 = q.acquire().then((r) => (order.push(2), r));
    const p3 = q.acquire().then((r) => (order.push(3), r));
    const err = await q.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).kind).toBe('queue_full');
    expect((err as LlmError).opts.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(q.snapshot()).toMatchObject({ active: 1, waiting: 2, rejected: 1 });
    r1();
    r1(); // idempotent
    const r2 = await p2;
    expect(q.snapshot()).toMatchObject({ active: 1, waiting: 1 });
    r2();
    (await p3)();
    expect(order).toEqual([2, 3]);
    expect(q.snapshot()).toMatchObject({ active: 0, waiting: 0 });
  });

  it('a waiter whose signal aborts leaves the queue', async () => {
    const q = new BoundedQueue({ maxConcurrency: 1, maxQueue: 1 });
    const r1 = await q.acquire();
    const ac = new AbortController();
    const p = q.acquire(ac.signal);
    ac.abort();
    const err = await p.catch((e: unknown) => e);
    expect((err as LlmError).kind).toBe('aborted');
    expect(q.snapshot().waiting).toBe(0);
    const p3 = q.acquire(); // the freed queue place is usable
    r1();
    (await p3)();
    expect(q.snapshot().active).toBe(0);
  });
});

describe('queue in the resilient LLM', () => {
  let up: TestUpstream;
  const made: ResilientLlm[] = [];
  const make = () => {
    const llm = createResilientLlm({
      providers: [createOpenAiProvider({ id: 'up', baseUrl: up.url, model: 'm' })],
      attemptTimeoutMs: 5000,
      idleTimeoutMs: 5000,
      deadlineMs: 10_000,
      maxRetries: 0,
      retryBaseMs: 5,
      retryMaxMs: 20,
      breaker: { errorPercent: 50, volume: 5, windowMs: 10_000, resetMs: 1000 },
      queue: { maxConcurrency: 1, maxQueue: 1 },
    });
    made.push(llm);
    return llm;
  };
  beforeAll(async () => {
    up = await startTestUpstream();
  });
  afterAll(() => up.close());
  beforeEach(() => {
    up.requests.length = 0;
    up.setDefault({ kind: 'ok' });
  });
  afterEach(() => made.splice(0).forEach((l) => l.close()));

  it('third concurrent call gets queue_full at once; breaking out of for-await frees the slot and aborts upstream', async () => {
    up.push({ kind: 'stall', afterTokens: 1 });
    const llm = make();
    const first = llm.stream(req)[Symbol.asyncIterator]();
    expect((await first.next()).value).toEqual({ type: 'token', text: DEFAULT_TOKENS[0] });
    expect(llm.stats().queue).toMatchObject({ active: 1, waiting: 0 });

    const second = drain(llm);
    await waitFor(() => llm.stats().queue.waiting === 1);
    const t0 = performance.now();
    const third = await drain(llm);
    expect(third.error?.kind).toBe('queue_full');
    expect(third.error?.opts.retryAfterMs).toBeGreaterThanOrEqual(1000);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(llm.stats().queueRejections).toBe(1);

    await sleep(50);
    await first.return?.(); // what `break` in a for-await does
    const r2 = await second;
    expect(r2.tokens).toEqual(DEFAULT_TOKENS);
    expect(r2.done?.queueWaitMs).toBeGreaterThanOrEqual(40);
    await waitFor(() => up.requests[0]?.closedByClient === true);
    expect(up.requests).toHaveLength(2);
    expect(llm.stats().queue).toMatchObject({ active: 0, waiting: 0 });
    // a stopped-after-tokens stream is not a breaker failure
    expect(llm.breakerStates()[0]?.stats.failuresInWindow).toBe(0);
  });

  it('break inside for-await releases the slot', async () => {
    up.setDefault({ kind: 'ok', itlMs: 30 });
    const llm = make();
    for await (const ev of llm.stream(req)) {
      expect(ev.type).toBe('token');
      break;
    }
    expect(llm.stats().queue.active).toBe(0);
    expect((await drain(llm)).tokens).toEqual(DEFAULT_TOKENS);
  });

  it('a queued caller that aborts leaves the queue without a request', async () => {
    up.push({ kind: 'ok', ttftMs: 200 });
    const llm = make();
    const first = drain(llm);
    await waitFor(() => llm.stats().queue.active === 1);
    const ac = new AbortController();
    const second = drain(llm, ac.signal);
    await waitFor(() => llm.stats().queue.waiting === 1);
    ac.abort();
    expect((await second).error?.kind).toBe('aborted');
    expect(llm.stats().queue.waiting).toBe(0);
    expect((await first).tokens).toEqual(DEFAULT_TOKENS);
    expect(up.requests).toHaveLength(1);
  });
});
