import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './histogram';

/** 3 significant digits: a reported value v for a true value x satisfies x <= v <= x * 1.001. */
const within3sd = (v: number, x: number) => {
  expect(v).toBeGreaterThanOrEqual(x);
  expect(v).toBeLessThanOrEqual(x * 1.001);
};

function oneToHundred(): LatencyHistogram {
  const h = new LatencyHistogram();
  for (let i = 1; i <= 100; i++) h.record(i);
  return h;
}

describe('LatencyHistogram', () => {
  it('summarises 1..100 ms as computed by hand (within 3 significant digits)', () => {
    const s = oneToHundred().summary();
    expect(s.count).toBe(100);
    // nearest rank: p50 is the 50th value = 50 ms, p90 the 90th = 90, p99 the 99th = 99
    within3sd(s.p50, 50);
    within3sd(s.p90, 90);
    within3sd(s.p95, 95);
    within3sd(s.p99, 99);
    // p99.9 → rank ceil(99.9) = 100 → the maximum
    within3sd(s.p999, 100);
    within3sd(s.max, 100);
    // values below 2048 µs are stored exactly
    expect(s.min).toBe(1);
    // mean = 5050 / 100 = 50.5; population sd = sqrt((100² − 1) / 12) = 28.866
    within3sd(s.mean, 50.5);
    expect(s.stddev).toBeCloseTo(28.866, 1);
  });

  it('reports min and max as the lowest / highest equivalent values', () => {
    // 50 ms = 50 000 µs lies in [32 768, 65 536) where buckets are 32 µs wide: [49 984, 50 016)
    const s = new LatencyHistogram().record(50).summary();
    expect(s.min).toBe(49.984);
    expect(s.max).toBe(50.015);
  });

  it('records sub-millisecond values at microsecond resolution', () => {
    const h = new LatencyHistogram().record(0.25).record(0.75);
    expect(h.summary().min).toBe(0.25);
    expect(h.summary().max).toBe(0.75);
    expect(h.percentile(50)).toBe(0.25);
  });

  it('is NaN but countable when empty, and rejects bad input', () => {
    const h = new LatencyHistogram();
    expect(h.count).toBe(0);
    expect(h.summary().p50).toBeNaN();
    expect(() => h.record(-1)).toThrow(RangeError);
    expect(() => h.record(Number.NaN)).toThrow(RangeError);
    expect(() => h.percentile(101)).toThrow(RangeError);
  });

  it('auto-resizes beyond one hour', () => {
    const h = new LatencyHistogram().record(2 * 3_600_000);
    within3sd(h.summary().max, 7_200_000);
  });

  it('round-trips through the compressed base64 encoding', () => {
    const h = oneToHundred();
    const encoded = h.encode();
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const d = LatencyHistogram.decode(encoded);
    expect(d.summary()).toEqual(h.summary());
    // the decoded histogram keeps recording, including beyond its original range
    d.record(5_000_000);
    expect(d.count).toBe(101);
  });

  it('merges another histogram', () => {
    const a = new LatencyHistogram().recordAll([1, 2, 3]);
    const b = new LatencyHistogram().recordAll([10, 20]);
    a.merge(b);
    expect(a.count).toBe(5);
    within3sd(a.summary().max, 20);
    within3sd(a.summary().mean, 36 / 5);
  });
});
