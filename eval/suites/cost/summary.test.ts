import { describe, expect, it } from 'vitest';
import { choosePrice } from './pricing';
import type { MessageRecord } from './runner';
import { compareModes, messageRow, priceRecords, summariseMode } from './summary';

const rec = (over: Partial<MessageRecord>): MessageRecord => ({
  mode: 'stream',
  conversation: 'u1-c1',
  user: 'u',
  turn: 1,
  ok: true,
  promptTokens: 1000,
  completionTokens: 100,
  timing: { sentAt: 0, chunks: [{ at: 50, text: 'a' }], endAt: 1000, outputTokens: 100 },
  ...over,
});

const table = { 'gpt-4o-mini': { inputPerM: 0.15, cachedInputPerM: 0.075, outputPerM: 0.6 } };
const choice = choosePrice('memocha-sim', table);

describe('priceRecords and summariseMode', () => {
  it('prices answered messages, leaves failed ones out of every statistic (hand-computed)', () => {
    const priced = priceRecords(
      [rec({ parts: { memories: 250, total: 1000 } }), rec({ turn: 2, promptTokens: 3000, completionTokens: 100, parts: { memories: 0, total: 3000 } }), rec({ turn: 3, ok: false, error: 'boom', timing: { sentAt: 0, chunks: [], endAt: 5, outputTokens: 0, error: 'boom' } })],
      choice,
      table,
    );
    // (1000 × 0.15 + 100 × 0.6) / 1e6 = 0.00021; (3000 × 0.15 + 60) / 1e6 = 0.00051
    expect(priced.map((p) => p.usd)).toEqual([expect.closeTo(0.00021, 15), expect.closeTo(0.00051, 15), 0]);
    const s = summariseMode(priced, 2000);
    expect(s.failed).toBe(1);
    expect(s.usage.messages).toBe(2);
    expect(s.usage.perMessage.usd).toBeCloseTo(0.00036, 15);
    expect(s.share.tokenWeighted).toBeCloseTo(250 / 4000, 12);
    // 200 output tokens over a 2 s wall → 100 tokens/s; each request 100 tokens / 1 s
    expect(s.latency.outputTokensPerSec).toBeCloseTo(100, 9);
    expect(s.latency.meanRequestTokensPerSec).toBeCloseTo(100, 9);
  });

  it('a row per message with its share, cost and throughput', () => {
    const [p] = priceRecords([rec({ parts: { memories: 250, total: 1000 }, memories: 2 })], choice, table);
    expect(messageRow(p!)).toMatchObject({ case: 'stream/u1-c1/t1', memory_share: 0.25, memories: 2, e2el_ms: 1000, ttft_ms: 50, tokens_per_sec: 100 });
  });
});

describe('compareModes (stream vs batch on the same conversations)', () => {
  it('pairs by conversation and turn and averages batch − stream', () => {
    const stream = [rec({}), rec({ turn: 2, promptTokens: 500 }), rec({ turn: 3, ok: false })];
    const batch = [rec({ mode: 'batch' }), rec({ mode: 'batch', turn: 2, promptTokens: 504, completionTokens: 98 }), rec({ mode: 'batch', turn: 3 })];
    const c = compareModes(stream, batch);
    expect(c).toEqual({ pairs: 2, sameTokens: 1, promptDiffPerMessage: 2, completionDiffPerMessage: -1 });
    expect(compareModes(stream, []).pairs).toBe(0);
    expect(compareModes(stream, []).promptDiffPerMessage).toBeNaN();
  });
});
