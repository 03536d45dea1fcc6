/** The openai provider and the resilient wrapper against the real simulator (serve/llm/simulator). */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiProvider } from './openai';
import { createResilientLlm } from './resilience';
import type { ResilienceOptions, ResilientLlm } from './resilience';
import { startSimulator } from './simulator';
import type { Simulator } from './simulator';
import { drain } from '../testing/upstream';
import { countChatTokens, countTokens } from './tokens';
import type { LlmRequest } from './types';

const question = 'Where is the long term memory of Memocha kept?';
const echoReq: LlmRequest = { messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: question }] };

let sim: Simulator;
const made: ResilientLlm[] = [];
function make(o: Partial<ResilienceOptions> = {}): ResilientLlm {
  const llm = createResilientLlm({
    providers: [createOpenAiProvider({ id: 'sim', baseUrl: sim.url, model: 'memocha-sim' })],
    attemptTimeoutMs: 1000,
    idleTimeoutMs: 500,
    deadlineMs: 10_000,
    maxRetries: 6,
    retryBaseMs: 5,
    retryMaxMs: 20,
    breaker: { errorPercent: 100, windowMs: 10_000, resetMs: 1000 },
    queue: { maxConcurrency: 4, maxQueue: 100 },
    ...o,
  });
  made.push(llm);
  return llm;
}

beforeAll(async () => {
  sim = await startSimulator({ mode: 'echo', seed: 7, ttft: { kind: 'fixed', ms: 5 }, itl: { kind: 'fixed', ms: 1 } });
});
afterAll(() => sim.close());
beforeEach(() => sim.configure({ faults: {}, reportUsage: true }));
afterEach(() => made.splice(0).forEach((l) => l.close()));

describe('against the simulator', () => {
  it('streams the echoed answer with usage from the stream', async () => {
    const before = sim.requests.length;
    const r = await drain(make(), undefined, echoReq);
    expect(r.error).toBeUndefined();
    expect(r.tokens.length).toBeGreaterThan(1);
    expect(r.tokens.join('')).toBe(question);
    expect(r.done).toMatchObject({ provider: 'sim', model: 'memocha-sim', attempts: 1, usage: { source: 'provider' } });
    const rec = sim.requests.at(-1);
    expect(sim.requests.length).toBe(before + 1);
    expect(r.done?.usage.promptTokens).toBe(rec?.promptTokens);
    expect(r.done?.usage.completionTokens).toBe(rec?.completionTokens);
  });

  it('estimates usage with the tokenizer when the server reports none', async () => {
    sim.configure({ reportUsage: false });
    const r = await drain(make(), undefined, echoReq);
    expect(r.done?.usage).toEqual({
      promptTokens: countChatTokens(echoReq.messages),
      completionTokens: countTokens(question),
      totalTokens: countChatTokens(echoReq.messages) + countTokens(question),
      source: 'estimated',
    });
    const c = await make().complete(echoReq);
    expect([c.text, c.usage.source]).toEqual([question, 'estimated']);
  });

  it('rides out a 30% error rate with retries: every call succeeds and attempts match upstream requests', async () => {
    sim.configure({ faults: { errorRate: 0.3, errorStatus: 503, retryAfterS: 0 } });
    const llm = make({ maxRetries: 10 });
    const before = sim.requests.length;
    const results = await Promise.all(Array.from({ length: 20 }, () => drain(llm, undefined, echoReq)));
    expect(results.every((r) => r.error === undefined && r.tokens.join('') === question)).toBe(true);
    const s = llm.stats();
    expect(s.succeeded).toBe(20);
    expect(s.retries).toBeGreaterThan(0);
    expect(s.attempts).toBe(20 + s.retries);
    expect(sim.requests.length - before).toBe(s.attempts);
    expect(results.reduce((n, r) => n + (r.done?.attempts ?? 0), 0)).toBe(s.attempts);
  });

  it('cuts mid-stream surface as partial errors and are never retried', async () => {
    sim.configure({ faults: { cutRate: 1, cutAfterTokens: 2 } });
    const before = sim.requests.length;
    const r = await drain(make(), undefined, echoReq);
    expect(r.error?.kind).toBe('connection');
    expect(r.error?.opts.partial).toBe(true);
    expect(r.tokens.length).toBeGreaterThan(0);
    expect(sim.requests.length - before).toBe(1);
  });

  it('hangs are cut by the attempt timeout and retried; a malformed line is skipped, its answer completes', async () => {
    sim.configure({ faults: { hangRate: 0.3, malformedRate: 0.2 } });
    const llm = make({ attemptTimeoutMs: 150 });
    const before = sim.requests.length;
    const results = await Promise.all(Array.from({ length: 12 }, () => drain(llm, undefined, echoReq)));
    expect(results.filter((r) => r.error === undefined).length).toBeGreaterThanOrEqual(10);
    const records = sim.requests.slice(before);
    const s = llm.stats();
    expect(s.attempts).toBe(records.length);
    expect(s.timeouts.firstToken).toBe(records.filter((r) => r.outcome === 'hang').length);
    const failedCalls = results.filter((r) => r.error !== undefined).length;
    // every hung attempt is followed by a retry, except the last one of a call that ran out of retries
    expect(s.retries).toBe(records.filter((r) => r.outcome === 'hang').length - failedCalls);
    for (const r of results.filter((x) => x.error === undefined)) expect(r.tokens.join('')).toBe(question);
  });

  it('a malformed line in every stream: skipped, every answer completes without a retry', async () => {
    sim.configure({ faults: { malformedRate: 1 } });
    const llm = make();
    const before = sim.requests.length;
    const results = await Promise.all(Array.from({ length: 4 }, () => drain(llm, undefined, echoReq)));
    expect(results.map((r) => [r.error, r.tokens.join('')])).toEqual(results.map(() => [undefined, question]));
    expect(sim.requests.slice(before).map((r) => r.outcome)).toEqual(['malformed', 'malformed', 'malformed', 'malformed']);
    expect(llm.stats().retries).toBe(0);
  });
});
