import { describe, expect, it } from 'vitest';
import { detectSaturation } from './saturation';

const slo = { sloTtftP99Ms: 1000 };

describe('detectSaturation', () => {
  it('stops where the next step adds less than 10 % throughput', () => {
    // 10 → 50: ×4.5; 50 → 100: 45 → 48 is +6.7 % < 10 % → saturation 50
    const s = detectSaturation(
      [
        { concurrency: 1, throughput: 2, ttftP99Ms: 50 },
        { concurrency: 10, throughput: 10, ttftP99Ms: 80 },
        { concurrency: 50, throughput: 45, ttftP99Ms: 200 },
        { concurrency: 100, throughput: 48, ttftP99Ms: 400 },
        { concurrency: 200, throughput: 47, ttftP99Ms: 900 },
      ],
      slo,
    );
    expect(s).toEqual({ concurrency: 50, reason: 'throughput_plateau', triggeredBy: 100, maxThroughput: 48, maxThroughputAt: 100 });
  });

  it('a gain of exactly 10 % still counts as growth', () => {
    const s = detectSaturation([{ concurrency: 1, throughput: 10, ttftP99Ms: 1 }, { concurrency: 2, throughput: 11, ttftP99Ms: 1 }, { concurrency: 4, throughput: 12, ttftP99Ms: 1 }], slo);
    expect(s.concurrency).toBe(2);
    expect(s.triggeredBy).toBe(4);
  });

  it('stops at the last step within the TTFT objective, even while throughput grows', () => {
    const s = detectSaturation([{ concurrency: 1, throughput: 1, ttftP99Ms: 100 }, { concurrency: 10, throughput: 9, ttftP99Ms: 500 }, { concurrency: 50, throughput: 40, ttftP99Ms: 1500 }], slo);
    expect(s).toMatchObject({ concurrency: 10, reason: 'slo', triggeredBy: 50, maxThroughput: 40, maxThroughputAt: 50 });
  });

  it('reports not_reached (the highest step as a lower bound), slo_at_lowest and empty', () => {
    expect(detectSaturation([{ concurrency: 10, throughput: 5, ttftP99Ms: 10 }, { concurrency: 1, throughput: 1, ttftP99Ms: 10 }], slo)).toMatchObject({ concurrency: 10, reason: 'not_reached', triggeredBy: null });
    expect(detectSaturation([{ concurrency: 1, throughput: 1, ttftP99Ms: 2000 }], slo)).toMatchObject({ concurrency: null, reason: 'slo_at_lowest', triggeredBy: 1 });
    expect(detectSaturation([], slo)).toMatchObject({ concurrency: null, reason: 'empty', maxThroughputAt: null });
  });

  it('treats NaN throughput as no gain and NaN p99 as a breach', () => {
    expect(detectSaturation([{ concurrency: 1, throughput: 1, ttftP99Ms: 10 }, { concurrency: 2, throughput: Number.NaN, ttftP99Ms: 10 }], slo)).toMatchObject({ concurrency: 1, reason: 'throughput_plateau' });
    expect(detectSaturation([{ concurrency: 1, throughput: 1, ttftP99Ms: 10 }, { concurrency: 2, throughput: 5, ttftP99Ms: Number.NaN }], slo)).toMatchObject({ concurrency: 1, reason: 'slo' });
  });

  it('honours a custom minimum gain', () => {
    const pts = [{ concurrency: 1, throughput: 10, ttftP99Ms: 1 }, { concurrency: 2, throughput: 13, ttftP99Ms: 1 }];
    expect(detectSaturation(pts, { ...slo, minGain: 0.5 }).concurrency).toBe(1);
    expect(detectSaturation(pts, { ...slo, minGain: 0.2 }).reason).toBe('not_reached');
  });
});
