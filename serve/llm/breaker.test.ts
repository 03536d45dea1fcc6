import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configWarnings, testConfig } from '../config';
import { ProviderBreaker } from './breaker';
import type { BreakerOptions, BreakerTransition } from './breaker';
import { createOpenAiProvider } from './openai';
import { breakerOutcome, createResilientLlm } from './resilience';
import type { ResilienceEvent, ResilienceOptions, ResilientLlm } from './resilience';
import { closedPortUrl, DEFAULT_TOKENS, drain, startTestUpstream } from '../testing/upstream';
import type { TestUpstream } from '../testing/upstream';
import { LlmError } from './types';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seq = (ts: BreakerTransition[]) => ts.map((t) => `${t.from}>${t.to}`);

describe('ProviderBreaker (unit): failure percentage over a rolling window with a minimum volume', () => {
  const made: ProviderBreaker[] = [];
  const make = (o: Partial<BreakerOptions> = {}, log: BreakerTransition[] = []) => {
    const b = new ProviderBreaker('p', { errorPercent: 50, volume: 4, windowMs: 10_000, resetMs: 500, ...o }, (t) => log.push(t));
    made.push(b);
    return b;
  };
  afterEach(() => made.splice(0).forEach((b) => b.shutdown()));

  it('opens once the window holds `volume` attempts and more than errorPercent % failed; rejects with the time until half-open', () => {
    const b = make();
    b.admit().report('failure');
    b.admit().report('success');
    b.admit().report('failure');
    expect(b.state).toBe('closed'); // 67 % failed, but only 3 attempts < volume 4
    b.admit().report('failure'); // 4 attempts, 75 % > 50 %: opossum opens inside report()
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
    expect(b.snapshot()).toMatchObject({ state: 'open', stats: { fires: 4, failures: 3, failuresInWindow: 3, errorPercent: 75, rejected: 1 } });
  });

  it('below the volume it stays closed, even when every attempt failed', () => {
    const b = make({ volume: 10 });
    for (let i = 0; i < 9; i++) b.admit().report('failure');
    expect(b.state).toBe('closed');
    b.admit().report('failure');
    expect(b.state).toBe('open');
  });

  it('at or under the percentage it stays closed, whatever the volume', () => {
    const b = make({ errorPercent: 50, volume: 2 });
    for (let i = 0; i < 50; i++) {
      b.admit().report('success');
      b.admit().report('failure'); // never more than 50 %
    }
    expect(b.state).toBe('closed');
    expect(b.snapshot().stats).toMatchObject({ fires: 100, failures: 50, errorPercent: 50 });
  });

  it('neutral outcomes (429s, client errors, aborts) never count, not even towards the volume', () => {
    const b = make({ errorPercent: 0, volume: 1 });
    for (let i = 0; i < 100; i++) b.admit().report('neutral');
    expect(b.state).toBe('closed');
    expect(b.snapshot().stats).toMatchObject({ fires: 0, failures: 0 });
  });

  it('forgets attempts older than the window', async () => {
    const b = make({ windowMs: 100, volume: 3, errorPercent: 50 });
    b.admit().report('failure');
    b.admit().report('failure');
    await sleep(150);
    b.admit().report('failure');
    expect(b.state).toBe('closed');
    expect(b.snapshot().stats.fires).toBe(1);
  });

  it('halfOpen → closed after the reset; one probe at a time; the window starts empty after a close', async () => {
    const log: BreakerTransition[] = [];
    const b = make({ volume: 2, resetMs: 50 }, log);
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
    // The failures from before the outage are gone: 1 success (the probe) + 1 failure = 50 %, not > 50 %.
    b.admit().report('failure');
    expect(b.state).toBe('closed');
    expect(b.snapshot().stats).toMatchObject({ fires: 2, failures: 1 });
    expect(seq(log)).toEqual(['closed>open', 'open>halfOpen', 'halfOpen>closed']);
  });

  it('a neutral probe (e.g. a 429 or an abort) frees the probe slot; a failed probe reopens', async () => {
    const log: BreakerTransition[] = [];
    const b = make({ volume: 1, resetMs: 50 }, log);
    b.admit().report('failure');
    await sleep(80);
    b.admit().report('neutral');
    expect(b.state).toBe('halfOpen');
    b.admit().report('failure');
    expect(b.state).toBe('open');
    expect(seq(log)).toEqual(['closed>open', 'open>halfOpen', 'halfOpen>open']);
  });

  it('outcomes of attempts admitted before the circuit opened do not move it', async () => {
    const b = make({ volume: 1, resetMs: 50 });
    const early = b.admit();
    b.admit().report('failure');
    await sleep(80);
    early.report('success'); // late success of an old attempt: the circuit stays half-open for a real probe
    expect(b.state).toBe('halfOpen');
  });

  it('classifies attempt errors: only upstream failures count, 429 and 4xx are neutral', () => {
    expect(breakerOutcome(new LlmError('server', '500', { status: 500 }))).toBe('failure');
    expect(breakerOutcome(new LlmError('connection', 'refused'))).toBe('failure');
    expect(breakerOutcome(new LlmError('timeout', 'slow'))).toBe('failure');
    expect(breakerOutcome(new LlmError('bad_response', 'garbage'))).toBe('failure');
    expect(breakerOutcome(new LlmError('rate_limited', '429', { status: 429 }))).toBe('neutral');
    expect(breakerOutcome(new LlmError('client', '400', { status: 400 }))).toBe('neutral');
    expect(breakerOutcome(new LlmError('aborted', 'bye'))).toBe('neutral');
    expect(breakerOutcome(new LlmError('deadline', 'late'))).toBe('neutral');
  });

  it('config: BREAKER_ERROR_PERCENT / BREAKER_VOLUME defaults; BREAKER_FAILURES is accepted but deprecated with a message', () => {
    const c = testConfig();
    expect([c.BREAKER_ERROR_PERCENT, c.BREAKER_VOLUME, c.BREAKER_WINDOW_MS, c.BREAKER_RESET_MS]).toEqual([50, 10, 10_000, 5_000]);
    expect(configWarnings(c)).toEqual([]);
    const old = testConfig({ BREAKER_FAILURES: '5' });
    expect(configWarnings(old)).toHaveLength(1);
    expect(configWarnings(old)[0]).toMatch(/BREAKER_FAILURES=5 is deprecated and ignored.*BREAKER_ERROR_PERCENT.*BREAKER_VOLUME/);
    expect(() => testConfig({ BREAKER_ERROR_PERCENT: '101' })).toThrow(/BREAKER_ERROR_PERCENT/);
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
      breaker: { errorPercent: 50, volume: 3, windowMs: 10_000, resetMs: 200 },
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

  it('5xx above the percentage with enough volume → open → rejected without upstream → half-open probe → success closes', async () => {
    a.setDefault({ kind: 'status', status: 500 });
    const llm = make();
    for (let i = 0; i < 2; i++) expect((await drain(llm)).error?.kind).toBe('server');
    expect(llm.breakerStates()[0]?.state).toBe('closed'); // 2 attempts < volume 3
    expect((await drain(llm)).error?.kind).toBe('server');
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

  it('429s alone never open the breaker: retried honouring Retry-After, the storm surfaces as rate_limited', async () => {
    a.setDefault({ kind: 'status', status: 429, headers: { 'retry-after-ms': '30' } });
    const events: ResilienceEvent[] = [];
    // The most trigger-happy policy: any counted failure would open it.
    const llm = make({ breaker: { errorPercent: 0, volume: 1, windowMs: 10_000, resetMs: 5000 }, maxRetries: 2, onEvent: (e) => events.push(e) });
    for (let i = 0; i < 4; i++) {
      const r = await drain(llm);
      expect([r.error?.kind, r.error?.opts.attempts]).toEqual(['rate_limited', 3]);
    }
    expect(a.requests).toHaveLength(12); // every attempt reached upstream: nothing short-circuited
    expect(llm.breakerStates()[0]).toMatchObject({ state: 'closed', stats: { fires: 0, failures: 0 } });
    expect(llm.stats().breakerTransitions).toEqual([]);
    const retried = events.filter((e): e is Extract<ResilienceEvent, { type: 'attempt_failed' }> => e.type === 'attempt_failed' && e.willRetry);
    expect(retried).toHaveLength(8);
    // full jitter with base 5 ms would sleep ≤ 10 ms; Retry-After asks for 30 ms and wins
    expect(retried.every((e) => e.kind === 'rate_limited' && e.delayMs === 30)).toBe(true);
    // and the provider is still healthy for the next call
    a.setDefault({ kind: 'ok' });
    expect((await drain(llm)).tokens).toEqual(DEFAULT_TOKENS);
  });

  it('a failed probe reopens the circuit; state changes are logged (warn on open)', async () => {
    a.setDefault({ kind: 'status', status: 503 });
    const lines: { level: number; msg: string; provider?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
    const llm = make({ breaker: { volume: 1, windowMs: 10_000, resetMs: 100 }, logger });
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
    const llm = make({ breaker: { errorPercent: 0, volume: 1, windowMs: 10_000, resetMs: 100 } });
    await drain(llm);
    await drain(llm);
    expect(llm.breakerStates()[0]).toMatchObject({ state: 'closed', stats: { fires: 0 } });
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
    const llm = make({ urls: [a.url, b.url], breaker: { volume: 2, windowMs: 10_000, resetMs: 5000 } });
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
    const llm = make({ urls: [a.url, b.url], breaker: { volume: 1, windowMs: 10_000, resetMs: 5000 } });
    const first = await drain(llm);
    expect([first.error?.kind, first.error?.opts.status, first.error?.opts.attempts]).toEqual(['server', 502, 2]);
    const second = await drain(llm);
    expect(second.error?.kind).toBe('breaker_open');
    expect(second.error?.opts.retryAfterMs).toBeGreaterThan(0);
    expect(a.requests.length + b.requests.length).toBe(2);
  });
});
