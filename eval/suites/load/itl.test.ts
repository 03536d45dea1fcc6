import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../client/chat';
import { analyseItl } from './itl';
import type { LoadRecord } from './types';

const rec = (message: string, arrivals: number[], ok = true): LoadRecord => {
  const result: ChatResult = { ok, status: 200, sentAt: 0, endAt: 1000, chunks: arrivals.map((at) => ({ at, text: 't' })), outputTokens: arrivals.length, keepAlives: 0, bytes: 0 };
  return { seq: 0, vu: 0, turn: 0, user: 'u', message, warmup: false, abortedAtEnd: false, result };
};

describe('analyseItl', () => {
  it('computes added ITL, transit and simulator lateness by hand', () => {
    // configured ITL 100; the simulator wrote at 100, 201, 301 (gaps 101, 100); the client got them at 102, 205, 304
    const records = [rec('a', [102, 205, 304]), rec('b', [1, 2, 3], false)];
    const sim = [{ lastUserMessage: 'a', chunkSentAt: [100, 201, 301], itlMs: [101, 100], outcome: 'ok' as const }];
    const r = analyseItl(records, sim, 100);
    // client gaps 103 and 99 → p99 = 103 → added 3; transit 2, 4, 3 → p50 3, p99 4; sim p99 101 → lateness 1
    // (HdrHistogram keeps 3 significant digits: ~0.1 ms at 100 ms)
    expect(r.addedItlP99Ms).toBeCloseTo(3, 0);
    expect(r.transitP50Ms).toBeCloseTo(3, 1);
    expect(r.transitP99Ms).toBeCloseTo(4, 1);
    expect(r.simLatenessP99Ms).toBeCloseTo(1, 0);
    expect(r.matched).toBe(1);
    // client gaps 103, 99 vs simulator gaps 101, 100 → added 2 and −1 (clipped to 0) → p99 2
    expect(r.addedVsSimP99Ms).toBeCloseTo(2, 1);
    // only the gap ending at 304 (99 ms) lies in the steady window [250, 400]
    const steady = analyseItl(records, sim, 100, { from: 250, to: 400 });
    expect(steady.steadyItl.count).toBe(1);
    expect(steady.addedItlSteadyP99Ms).toBeCloseTo(-1, 0);
  });

  it('skips retried requests and chunk-count mismatches for transit', () => {
    const records = [rec('a', [10, 20]), rec('b', [10, 20])];
    const sim = [
      { lastUserMessage: 'a', chunkSentAt: [], itlMs: [], outcome: 'error' as const },
      { lastUserMessage: 'a', chunkSentAt: [5, 15], itlMs: [10], outcome: 'ok' as const },
      { lastUserMessage: 'b', chunkSentAt: [5], itlMs: [], outcome: 'ok' as const },
    ];
    const r = analyseItl(records, sim, 10);
    expect(r.matched).toBe(0);
    expect(r.transit.count).toBe(0);
    expect(r.clientItl.count).toBe(2);
    expect(r.addedItlP99Ms).toBeCloseTo(0, 1);
  });
});
