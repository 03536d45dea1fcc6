import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderBreaker } from './breaker';
import type { BreakerTransition } from './breaker';
import { createOpenAiProvider } from './openai';
import { createResilientLlm } from './resilience';
import type { ResilienceOptions, ResilientLlm } from './resilience';
import { closedPortUrl, DEFAULT_TOKENS, drain, startTestUpstream } from './test-upstream';
import type { TestUpstream } from './test-upstream';
import { LlmError } from './types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seq = (ts: BreakerTransition[]) => ts.map((t) => `${t.from}>${t.to}`);

describe('ProviderBreaker (unit)', () => {
  const made: ProviderBreaker[] = [];
  const make = (failures: number, windowMs: number, resetMs: number, log: BreakerTransition[] = []) => {
    const b = new ProviderBreaker('p', { failures, windowMs, resetMs }, (t) => log.push(t));
    made.push(b);
    return b;
  };
  afterEach(() => made.splice(0).forEach((b) => b.shutdown()));

  it('opens on the Nth failure in the window, rejects with the time until half-open', () => {
    const b = make(3, 10_000, 500);
    b.admit().report('failure');
    b.admit().report('success');
    b.admit().report('failure');
    expect(b.state).toBe('closed');
    b.admit().report('failure');
    expect(b.state).toBe('open');
    try {
      b.admit();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LlmError);
      expect((e as LlmError).kind).toBe('breaker_open');
      expect((e as LlmError).opts.retryAfterMs).toBeGreaterThan(0);
      expect((e as LlmError).opts.retryAfterMs).toBeLessThanOrEqual(500);
    }
    expect(b.snapshot()).toMatchObject({ state: 'open', stats: { failuresInWindow: 3, rejected: 1 } });
  });

  it('forgets failures older than the window', async () => {
    const b = make(2, 100, 500);
    b.admit().report('failure');
    await sleep(150);
    b.admit().report('failure');
    expect(b.state).toBe('closed');
  });

  it('neutral outcomes never count; failures from before a close do not count after it', async () => {
    const log: BreakerTransition[] = [];
    const b = make(2, 10_000, 50, log);
    for (let i = 0; i < 5; i++) b.admit().report('neutral');
    expect(b.state).toBe('closed');
    b.admit().report('failure');
    b.admit().report('failure');
    expect(b.state).toBe('open');
    await sleep(80);
    expect(b.state).toBe('halfOpen');
    const probe = b.admit();
    expect(probe.probe).toBe(true);
    expect(() => b.admit()).toThrow(LlmError); // one probe at a time
    probe.report('success');
    expect(b.state).toBe('closed');
    b.admit().report('failure');
    expect(b.state).toBe('closed');
    expect(seq(log)).toEqual(['closed>open', 'open>halfOpen', 'halfOpen>closed']);
  });

  it('a neutral probe (e.g. aborted) frees the probe slot; a failed probe reopens', async () => {
    const b = make(1, 10_000, 50);
    b.admit().report('failure');
    await sleep(80);
    b.admit().report('neutral');
    expect(b.state).toBe('halfOpen');
    b.admit().report('failure');
    expect(b.state).toBe('open');
  });

  it('outcomes of attempts admitted before the circuit opened do not move it', async () => {
    const b = make(1, 10_000, 50);
    const early = b.admit();
    b.admit().report('failure');
    await sleep(80);
    early.report('success'); // late success of an old attempt: the circuit stays half-open for a real probe
    expect(b.state).toBe('halfOpen');
  });
});

describe('breaker and fallback in the resilient LLM', () => {
  let a: TestUpstream;
  let b: TestUpstream;
  const made: ResilientLlm[] = [];
  const make = (o: Partial<ResilienceOptions> & { urls?: string[] } = {}) => {
    const urls = o.urls ?? [a.url];
    const llm = createResilientLlm({
      providers: urls.map((url, i) => createOpenAiProvider({ id: `p${i + 1}`, baseUrl: url, model: `model-${i + 1}` })),
      attemptTimeoutMs: 2000,
      idleTimeoutMs: 2000,
      deadlineMs: 10_000,
      maxRetries: 0,
      retryBaseMs: 5,
      retryMaxMs: 20,
      breaker: { failures: 3, windowMs: 10_000, resetMs: 200 },
      queue: { maxConcurrency: 8, maxQueue: 8 },
      random: () => 0.5,
      ...o,
    });
    made.push(llm);
    return llm;
  };
  beforeAll(async () => {
    [a, b] = await Promise.all([startTestUpstream(), startTestUpstream()]);
  });
  afterAll(() => Promise.all([a.close(), b.close()]));
  beforeEach(() => {
    for (const u of [a, b]) {
      u.requests.length = 0;
      u.setDefault({ kind: 'ok' });
    }
  });
  afterEach(() => made.splice(0).forEach((l) => l.close()));

  it('N failures → open → rejected without upstream → half-open probe → success closes', async () => {
    a.setDefault({ kind: 'status', status: 500 });
    const llm = make();
    for (let i = 0; i < 3; i++) expect((await drain(llm)).error?.kind).toBe('server');
    expect(llm.breakerStates()[0]?.state).toBe('open');
    const rejected = await drain(llm);
    expect(rejected.error?.kind).toBe('breaker_open');
    expect(rejected.error?.opts.retryAfterMs).toBeGreaterThan(0);
    expect(a.requests).toHaveLength(3); // no network while open
    await sleep(250);
    expect(llm.breakerStates()[0]?.state).toBe('halfOpen');
    a.setDefault({ kind: 'ok' });
    expect((await drain(llm)).tokens).toEqual(DEFAULT_TOKENS);
    expect(a.requests).toHaveLength(4);
    expect(llm.breakerStates()[0]?.state).toBe('closed');
    const t = llm.stats().breakerTransitions;
    expect(seq(t)).toEqual(['closed>open', 'open>halfOpen', 'halfOpen>closed']);
    expect(t.every((x) => x.provider === 'p1' && x.at > 0)).toBe(true);
    expect(llm.stats().breakerRejections).toBe(1);
  });

  it('a failed probe reopens the circuit; state changes are logged (warn on open)', async () => {
    a.setDefault({ kind: 'status', status: 503 });
    const lines: { level: number; msg: string; provider?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
    const llm = make({ breaker: { failures: 1, windowMs: 10_000, resetMs: 100 }, logger });
    await drain(llm);
    await sleep(150);
    expect((await drain(llm)).error?.kind).toBe('server'); // the probe reached upstream and failed
    expect(a.requests).toHaveLength(2);
    expect(llm.breakerStates()[0]?.state).toBe('open');
    expect(seq(llm.stats().breakerTransitions)).toEqual(['closed>open', 'open>halfOpen', 'halfOpen>open']);
    const breakerLines = lines.filter((l) => l.msg.startsWith('LLM circuit breaker'));
    expect(breakerLines.map((l) => [l.level, l.msg, l.provider])).toEqual([
      [40, 'LLM circuit breaker opened', 'p1'],
      [30, 'LLM circuit breaker half-open', 'p1'],
      [40, 'LLM circuit breaker opened', 'p1'],
    ]);
  });

  it('a client error (4xx) does not count as a failure', async () => {
    a.setDefault({ kind: 'status', status: 400 });
    const llm = make({ breaker: { failures: 1, windowMs: 10_000, resetMs: 100 } });
    await drain(llm);
    await drain(llm);
    expect(llm.breakerStates()[0]?.state).toBe('closed');
  });

  it('fallback: primary on a closed port → the second provider answers after the primary retries', async () => {
    const llm = make({ urls: [await closedPortUrl(), b.url], maxRetries: 1 });
    const r = await drain(llm);
    expect(r.tokens).toEqual(DEFAULT_TOKENS);
    expect(r.done).toMatchObject({ provider: 'p2', model: 'model-2', attempts: 3 });
    expect(llm.stats().fallbacks).toBe(1);
  });

  it('fallback: primary answering 500s; once its breaker is open it is skipped without a request', async () => {
    a.setDefault({ kind: 'status', status: 500 });
    const llm = make({ urls: [a.url, b.url], breaker: { failures: 2, windowMs: 10_000, resetMs: 5000 } });
    for (let i = 0; i < 2; i++) expect((await drain(llm)).done?.provider).toBe('p2');
    expect(a.requests).toHaveLength(2);
    expect(llm.breakerStates().map((s) => s.state)).toEqual(['open', 'closed']);
    const r = await drain(llm);
    expect(r.done).toMatchObject({ provider: 'p2', attempts: 1 });
    expect(a.requests).toHaveLength(2);
    expect((await make({ urls: [a.url, b.url] }).complete({ messages: [{ role: 'user', content: 'x' }] })).provider).toBe('p2');
  });

  it('all providers failing → the last upstream error; all circuits open → breaker_open', async () => {
    a.setDefault({ kind: 'status', status: 500 });
    b.setDefault({ kind: 'status', status: 502 });
    const llm = make({ urls: [a.url, b.url], breaker: { failures: 1, windowMs: 10_000, resetMs: 5000 } });
    const first = await drain(llm);
    expect([first.error?.kind, first.error?.opts.status, first.error?.opts.attempts]).toEqual(['server', 502, 2]);
    const second = await drain(llm);
    expect(second.error?.kind).toBe('breaker_open');
    expect(second.error?.opts.retryAfterMs).toBeGreaterThan(0);
    expect(a.requests.length + b.requests.length).toBe(2);
  });
});
