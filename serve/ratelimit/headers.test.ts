import { describe, expect, it } from 'vitest';
import { openAiDuration, policyField, rateLimitField, rateLimitHeaders, retryAfterS, type LimitState } from './headers';

const rpm: LimitState = { kind: 'rpm', limit: 50, windowS: 60, remaining: 0, resetMs: 11_200 };
const tpm: LimitState = { kind: 'tpm', limit: 10_000, windowS: 60, remaining: 9_000, resetMs: 59_001 };
const slots: LimitState = { kind: 'concurrent', limit: 5, windowS: null, remaining: 4, resetMs: 0 };

describe('rate-limit fields', () => {
  it("OpenAI's durations", () => {
    expect(openAiDuration(0)).toBe('0ms');
    expect(openAiDuration(17.2)).toBe('18ms');
    expect(openAiDuration(1000)).toBe('1s');
    expect(openAiDuration(1001)).toBe('2s');
    expect(openAiDuration(360_000)).toBe('6m0s');
    expect(openAiDuration(3_723_000)).toBe('1h2m3s');
  });

  it('IETF structured fields: a policy per limit, its state with the reset in whole seconds', () => {
    expect(policyField([rpm, tpm, slots])).toBe('"rpm";q=50;w=60, "tpm";q=10000;w=60;qu="tokens", "concurrent";q=5;qu="concurrent-requests"');
    expect(rateLimitField([rpm, tpm, slots])).toBe('"rpm";r=0;t=12, "tpm";r=9000;t=60, "concurrent";r=4');
  });

  it('the OpenAI trios for requests and tokens, none for slots; nothing when no limit answered', () => {
    const h = rateLimitHeaders([rpm, tpm, slots]);
    expect(h).toMatchObject({
      'x-ratelimit-limit-requests': '50',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '12s',
      'x-ratelimit-limit-tokens': '10000',
      'x-ratelimit-remaining-tokens': '9000',
      'x-ratelimit-reset-tokens': '1m0s',
    });
    expect(Object.keys(h).filter((k) => k.startsWith('x-ratelimit'))).toHaveLength(6);
    expect(rateLimitHeaders([])).toEqual({});
  });

  it('Retry-After: the window end in whole seconds (at least 1); a slot: 1', () => {
    expect(retryAfterS(rpm)).toBe(12);
    expect(retryAfterS({ ...rpm, resetMs: 3 })).toBe(1);
    expect(retryAfterS({ ...rpm, resetMs: 0 })).toBe(1);
    expect(retryAfterS(slots)).toBe(1);
  });
});
