import { describe, expect, it } from 'vitest';
import type { ChatResult } from '../../client/chat';
import { effectiveStatus } from './outcome';
import { dominantStage, summarise } from './summary';
import type { LoadRecord, LoadRun } from './types';

const res = (p: Partial<ChatResult> & { sentAt: number; endAt: number }): ChatResult => ({ ok: false, status: 200, chunks: [], outputTokens: 0, keepAlives: 0, bytes: 0, ...p });
const rec = (seq: number, result: ChatResult, extra: Partial<LoadRecord> = {}): LoadRecord => ({ seq, vu: 0, turn: 0, user: 'u', message: `m${seq}`, warmup: false, abortedAtEnd: false, result, ...extra });

describe('summarise', () => {
  const run: LoadRun = {
    startedAt: 0,
    measureFrom: 1000,
    measureTo: 3000,
    endedAt: 3500,
    peakInFlight: 2,
    dropped: 0,
    records: [
      rec(0, res({ ok: true, sentAt: 900, endAt: 1100, outputTokens: 4, chunks: [{ at: 950, text: 'w' }] }), { warmup: true }),
      rec(1, res({ ok: true, sentAt: 1000, endAt: 1200, outputTokens: 2, chunks: [{ at: 1100, text: 'a' }, { at: 1150, text: 'b' }], serverTimings: { dbMs: 10, retrievalMs: 20, promptMs: 5, queueWaitMs: 15, llmTtftMs: 40, ttftMs: 80 } })),
      rec(2, res({ sentAt: 1500, endAt: 1600, errorCode: 'llm_rate_limited', messageId: 'x' })),
      rec(3, res({ sentAt: 2000, endAt: 2010, status: 429 })),
      rec(4, res({ ok: true, sentAt: 2500, endAt: 3500, outputTokens: 1, chunks: [{ at: 2600, text: '' }, { at: 2700, text: 'x' }] })),
      rec(5, res({ sentAt: 2900, endAt: 3400, error: 'aborted' }), { abortedAtEnd: true }),
    ],
  };
  const s = summarise(run);

  it('counts only measured, non-aborted requests and classifies failures by effective status', () => {
    expect(s).toMatchObject({ requests: 4, ok: 2, failed: 2, errorRate: 0.5, abortedAtEnd: 1, share429: 0.25, share503: 0.25 });
    expect(s.statuses).toEqual({ 200: 2, 429: 1, 503: 1 });
    expect(s.errors).toEqual({ llm_rate_limited: 1, 'HTTP 429': 1 });
  });

  it('times successful requests only (TTFT skips empty chunks)', () => {
    // TTFT 100 and 200 ms; TTC 200 and 1000 ms; the one ITL gap is 50 ms
    expect(s.ttft.p50).toBeCloseTo(100, 0);
    expect(s.ttft.p99).toBeCloseTo(200, 0);
    expect(s.ttc.p99).toBeCloseTo(1000, 0);
    expect(s.itl.p99).toBeCloseTo(50, 0);
  });

  it('throughput = completions inside [measureFrom, min(measureTo, last send)] / that window', () => {
    // window 1000..2900 = 1.9 s; completions at 1100 (4 tokens, a warm-up request) and 1200 (2 tokens)
    expect(s.windowMs).toBe(1900);
    expect(s.requestsPerSec).toBeCloseTo(2 / 1.9, 6);
    expect(s.outputTokensPerSec).toBeCloseTo(6 / 1.9, 6);
  });

  it("throughput 'completion' (vLLM) = successful counted requests / (last end − first send)", () => {
    // counted: sent 1000..2500, last end 3500 → 2.5 s; 2 successes with 2 + 1 tokens
    const c = summarise(run, 'completion');
    expect(c.windowMs).toBe(2500);
    expect(c.requestsPerSec).toBeCloseTo(2 / 2.5, 6);
    expect(c.outputTokensPerSec).toBeCloseTo(3 / 2.5, 6);
  });

  it('splits server TTFT into stages', () => {
    // llm wait = llmTtft 40 − queue 15 = 25; other = 80 − (10 + 20 + 5 + 40) = 5; client overhead = 100 − 80
    expect(s.stages.queueWaitMs.mean).toBeCloseTo(15, 1);
    expect(s.stages.llmWaitMs.mean).toBeCloseTo(25, 1);
    expect(s.stages.otherMs.mean).toBeCloseTo(5, 1);
    expect(s.stages.retrievalMs.p99).toBeCloseTo(20, 1);
    expect(s.clientOverhead.mean).toBeCloseTo(20, 1);
    expect(dominantStage(s)).toBe('llmWaitMs');
  });
});

describe('effectiveStatus', () => {
  it('maps SSE error codes to the status a JSON client would see', () => {
    expect(effectiveStatus(res({ ok: true, sentAt: 0, endAt: 1 }))).toBe(200);
    expect(effectiveStatus(res({ sentAt: 0, endAt: 1, status: 503 }))).toBe(503);
    expect(effectiveStatus(res({ sentAt: 0, endAt: 1, errorCode: 'llm_timeout' }))).toBe(504);
    expect(effectiveStatus(res({ sentAt: 0, endAt: 1, errorCode: 'llm_error' }))).toBe(502);
    expect(effectiveStatus(res({ sentAt: 0, endAt: 1, status: 0, error: 'ECONNRESET' }))).toBe(0);
  });
});
