import { describe, expect, it } from 'vitest';
import { chunkSizes, chunksPerSecond, clientServerGaps, sizeStats, streamingTimeMs } from './chunk-stats';

describe('sizeStats', () => {
  it('computes count, total, mean and nearest-rank percentiles (hand-computed)', () => {
    // sorted: 1 2 3 4 10 → p50 = rank 3 = 3; p90 = rank ceil(4.5) = 5 → 10
    expect(sizeStats([4, 10, 1, 3, 2])).toEqual({ n: 5, total: 20, mean: 4, p50: 3, p90: 10, p99: 10, max: 10 });
  });

  it('is empty-safe', () => {
    const s = sizeStats([]);
    expect(s.n).toBe(0);
    expect(s.total).toBe(0);
    expect(s.mean).toBeNaN();
    expect(s.p50).toBeNaN();
  });
});

describe('chunkSizes', () => {
  it('measures UTF-8 bytes and o200k tokens of content chunks only', () => {
    const s = chunkSizes([{ at: 0, text: '' }, { at: 1, text: ' hello' }, { at: 2, text: 'é' }, { at: 3, text: ' hello world' }]);
    expect(s.bytes).toEqual([6, 2, 12]);
    expect(s.tokens).toEqual([1, 1, 2]);
  });
});

describe('streaming time and chunks per second', () => {
  const a = { chunks: [{ at: 10, text: '' }, { at: 50, text: 'a' }, { at: 60, text: 'b' }, { at: 70, text: 'c' }], endAt: 150 };
  const b = { chunks: [{ at: 20, text: 'x' }], endAt: 120 };
  const none = { chunks: [{ at: 5, text: '' }], endAt: 9 };

  it('streaming time runs from the first content chunk to the end of the stream', () => {
    expect(streamingTimeMs(a)).toBe(100);
    expect(streamingTimeMs(b)).toBe(100);
    expect(streamingTimeMs(none)).toBeNull();
  });

  it('pools chunks over streaming time: (3 + 1) chunks / (100 + 100) ms = 20 /s', () => {
    expect(chunksPerSecond([a, b, none])).toBeCloseTo(20, 9);
    expect(chunksPerSecond([none])).toBeNaN();
  });
});

describe('clientServerGaps', () => {
  it('pairs the client TTFT with the server TTFT, skipping requests without either', () => {
    const g = clientServerGaps([
      { sentAt: 100, chunks: [{ at: 160, text: 'a' }], serverTtftMs: 52 },
      { sentAt: 0, chunks: [{ at: 30, text: '' }, { at: 45, text: 'b' }], serverTtftMs: 40 },
      { sentAt: 0, chunks: [{ at: 30, text: 'c' }] },
      { sentAt: 0, chunks: [], serverTtftMs: 10 },
    ]);
    expect(g).toEqual({ client: [60, 45], server: [52, 40], gap: [8, 5] });
  });
});
