import { describe, expect, it } from 'vitest';
import type { RequestTiming } from './latency';
import { aggregateLatency, meetsSlo, requestLatency } from './latency';

// A: a role-only empty first chunk, then 3 content chunks carrying 5 tokens
const A: RequestTiming = {
  sentAt: 1000,
  chunks: [
    { at: 1010, text: '' },
    { at: 1050, text: 'Hel' },
    { at: 1070, text: 'lo' },
    { at: 1080, text: '' }, // a keep-alive between content chunks does not split a gap
    { at: 1100, text: ' world' },
  ],
  endAt: 1120,
  outputTokens: 5,
};
// B: a single output token
const B: RequestTiming = { sentAt: 1020, chunks: [{ at: 1040, text: 'x' }], endAt: 1045, outputTokens: 1 };
// C: failed
const C: RequestTiming = { sentAt: 1030, chunks: [{ at: 1400, text: 'partial' }], endAt: 1500, outputTokens: 1, error: 'HTTP 503' };

describe('requestLatency', () => {
  it('computes TTFT, E2EL, TPOT, ITL and throughput by hand', () => {
    const r = requestLatency(A);
    expect(r.ttftMs).toBe(50); // 1050 − 1000: the empty chunk at 1010 does not count
    expect(r.e2elMs).toBe(120); // 1120 − 1000
    expect(r.tpotMs).toBe(17.5); // (120 − 50) / (5 − 1)
    expect(r.itlMs).toEqual([20, 30]); // 1070 − 1050, 1100 − 1070
    expect(r.tokensPerSec).toBeCloseTo(5 / 0.12, 10); // 41.667 tokens/s
  });

  it('has no TPOT for a single output token and no TTFT without content', () => {
    const b = requestLatency(B);
    expect(b).toMatchObject({ ttftMs: 20, e2elMs: 25, tpotMs: null, itlMs: [], tokensPerSec: 40 });
    const empty = requestLatency({ sentAt: 0, chunks: [{ at: 5, text: '' }], endAt: 10, outputTokens: 0 });
    expect(empty).toMatchObject({ ttftMs: null, tpotMs: null, e2elMs: 10, tokensPerSec: 0 });
  });
});

describe('meetsSlo', () => {
  it('checks every objective given; a single-token request meets the TPOT objective (vLLM)', () => {
    const a = requestLatency(A);
    const b = requestLatency(B);
    expect(meetsSlo(a, { ttftMs: 50 })).toBe(true); // at the limit passes
    expect(meetsSlo(a, { ttftMs: 49 })).toBe(false);
    expect(meetsSlo(a, { tpotMs: 10 })).toBe(false);
    expect(meetsSlo(b, { tpotMs: 10 })).toBe(true);
    expect(meetsSlo(a, { e2elMs: 100 })).toBe(false);
    expect(meetsSlo(a, {})).toBe(true);
  });
});

describe('aggregateLatency', () => {
  it('excludes failed requests from latency and counts them apart', () => {
    const agg = aggregateLatency([A, B, C]);
    expect(agg).toMatchObject({ requests: 3, completed: 2, failed: 1, outputTokens: 6 });
    expect(agg.failureRate).toBeCloseTo(1 / 3, 12);
    // wall time = max end − min sent = 1500 − 1000 (the failed request still occupied the run)
    expect(agg.durationMs).toBe(500);
    expect(agg.outputTokensPerSec).toBe(12); // 6 tokens / 0.5 s
    expect(agg.requestsPerSec).toBe(4); // 2 completed / 0.5 s
    expect(agg.ttft.count).toBe(2);
    expect(agg.e2el.summary().max).toBeLessThan(120.12); // 120 ms within 0.1 %: C's 500 ms is not in it
    expect(agg.tpot.count).toBe(1);
    expect(agg.itl.count).toBe(2); // pooled [20, 30]
    expect(agg.itl.summary().min).toBe(20);
    expect(agg.meanRequestTokensPerSec).toBeCloseTo((5 / 0.12 + 40) / 2, 10);
    expect(agg.meanUserTokensPerSec).toBeCloseTo(1000 / 17.5, 10);
    expect(agg.goodput).toBeUndefined();
  });

  it('computes goodput = requests meeting all SLOs / duration', () => {
    expect(aggregateLatency([A, B, C], { slo: { ttftMs: 30 } }).goodput).toMatchObject({ requests: 1, perSec: 2 });
    const all = aggregateLatency([A, B, C], { slo: { ttftMs: 60, tpotMs: 20, e2elMs: 130 }, durationMs: 1000 });
    expect(all.goodput).toMatchObject({ requests: 2, perSec: 2 }); // 2 requests / 1 s
    expect(all.outputTokensPerSec).toBe(6);
  });

  it('is empty but well-defined for no requests', () => {
    const agg = aggregateLatency([]);
    expect(agg).toMatchObject({ requests: 0, failed: 0, failureRate: 0, durationMs: 0 });
    expect(agg.outputTokensPerSec).toBeNaN();
  });
});
