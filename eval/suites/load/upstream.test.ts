import { describe, expect, it } from 'vitest';
import { accountRetries, type ClientRequest, type UpstreamAttempt } from './upstream';

const ok = (message: string): ClientRequest => ({ message, result: { ok: true, status: 200 } });
const fail = (message: string, errorCode?: string, status = 200): ClientRequest => ({ message, result: { ok: false, status, ...(errorCode ? { errorCode } : {}) } });
const att = (lastUserMessage: string, status: number): UpstreamAttempt => ({ lastUserMessage, status, outcome: status === 200 ? 'ok' : 'error' });

describe('accountRetries', () => {
  it('links attempts to requests by message and computes the hand-counted shares', () => {
    const clients = [ok('a'), ok('b'), fail('c', 'llm_rate_limited'), fail('d', 'llm_unavailable', 503), ok('e')];
    const attempts = [
      att('a', 200), // a: one attempt
      att('b', 429), att('b', 200), // b: 429 then ok → retried, absorbed
      att('c', 429), att('c', 429), att('c', 429), // c: three 429s → retried, seen
      att('e', 500), att('e', 200), // e: 500 then ok → retried
      att('zzz', 429), // not one of ours
    ];
    const r = accountRetries(clients, attempts);
    expect(r).toMatchObject({ requests: 5, upstreamAttempts: 8, withoutUpstream: 1, retried: 3, retriedOk: 2, upstream429: 4, hit429: 2, absorbed429: 1, seen429: 1, clientRateLimited: 1, clientBreakerRefused: 1 });
    expect(r.retrySuccessRate).toBeCloseTo(2 / 3, 10);
    expect(r.share429Absorbed).toBe(0.5);
    expect(r.share429Seen).toBe(0.5);
  });

  it('gives NaN rates when nothing was retried or rate limited', () => {
    const r = accountRetries([ok('a')], [att('a', 200)]);
    expect(r.retrySuccessRate).toBeNaN();
    expect(r.share429Absorbed).toBeNaN();
  });
});
