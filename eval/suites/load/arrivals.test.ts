import { describe, expect, it } from 'vitest';
import { createRng } from '../../metrics/random';
import { arrivalOffsetsMs, gamma, interArrivalsMs } from './arrivals';

function take(it: Iterator<number>, n: number): number[] {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(it.next().value as number);
  return xs;
}
const meanOf = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const varOf = (xs: number[]) => {
  const m = meanOf(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
};

describe('arrival processes', () => {
  it('Poisson (burstiness 1): mean gap 1/rate and CV² = 1', () => {
    const gaps = take(interArrivalsMs({ rate: 10, seed: 7 }), 40_000);
    // 1/rate = 100 ms; exponential: variance = mean² = 10 000 ms²
    expect(meanOf(gaps)).toBeGreaterThan(98);
    expect(meanOf(gaps)).toBeLessThan(102);
    expect(varOf(gaps) / meanOf(gaps) ** 2).toBeGreaterThan(0.95);
    expect(varOf(gaps) / meanOf(gaps) ** 2).toBeLessThan(1.05);
  });

  it.each([0.25, 0.5, 2, 4])('gamma with burstiness %d keeps mean 1/rate and CV² = 1/burstiness', (k) => {
    const gaps = take(interArrivalsMs({ rate: 20, burstiness: k, seed: 3 }), 40_000);
    expect(Math.abs(meanOf(gaps) - 50) / 50).toBeLessThan(0.03);
    const cv2 = varOf(gaps) / meanOf(gaps) ** 2;
    expect(Math.abs(cv2 - 1 / k) / (1 / k)).toBeLessThan(0.08);
  });

  it('gamma(shape, scale) has mean shape·scale and variance shape·scale²', () => {
    const rng = createRng(11);
    const xs = Array.from({ length: 40_000 }, () => gamma(rng, 3, 2));
    expect(Math.abs(meanOf(xs) - 6) / 6).toBeLessThan(0.02);
    expect(Math.abs(varOf(xs) - 12) / 12).toBeLessThan(0.05);
    expect(() => gamma(rng, 0, 1)).toThrow(RangeError);
  });

  it('is deterministic under the seed and bounded by duration and count', () => {
    const a = arrivalOffsetsMs({ rate: 50, seed: 1, durationMs: 10_000 });
    const b = arrivalOffsetsMs({ rate: 50, seed: 1, durationMs: 10_000 });
    expect(a).toEqual(b);
    // about rate · duration = 500 arrivals (Poisson sd ≈ 22)
    expect(a.length).toBeGreaterThan(430);
    expect(a.length).toBeLessThan(570);
    expect(a.every((t, i) => t < 10_000 && (i === 0 || t >= (a[i - 1] as number)))).toBe(true);
    expect(arrivalOffsetsMs({ rate: 50, seed: 1, durationMs: 10_000, maxCount: 7 })).toHaveLength(7);
    expect(arrivalOffsetsMs({ rate: 50, seed: 2, durationMs: 10_000 })).not.toEqual(a);
    expect(() => interArrivalsMs({ rate: 0, seed: 1 }).next()).toThrow(RangeError);
  });
});
