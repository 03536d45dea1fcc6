import { describe, expect, it } from 'vitest';
import { lognormalParams, mulberry32, parseDelay, requestRng, sampleDelay } from './delays';

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

describe('delays', () => {
  it('same seed gives the same sequence, other seeds differ', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const sa = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(sa);
    expect(sa.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('request streams depend on seed, sequence number and purpose only', () => {
    expect(requestRng(1, 5, 2)()).toBe(requestRng(1, 5, 2)());
    expect(requestRng(1, 5, 2)()).not.toBe(requestRng(1, 6, 2)());
    expect(requestRng(1, 5, 2)()).not.toBe(requestRng(1, 5, 3)());
    expect(requestRng(1, 5, 2)()).not.toBe(requestRng(2, 5, 2)());
  });

  it('fixed is exact', () => {
    const rng = mulberry32(1);
    for (let i = 0; i < 10; i++) expect(sampleDelay({ kind: 'fixed', ms: 17.5 }, rng)).toBe(17.5);
  });

  it('uniform stays within bounds and covers the range', () => {
    const rng = mulberry32(2);
    const xs = Array.from({ length: 10_000 }, () => sampleDelay({ kind: 'uniform', minMs: 10, maxMs: 30 }, rng));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...xs)).toBeLessThan(30);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(19.5);
    expect(mean).toBeLessThan(20.5);
  });

  it('lognormal matches its median and p99 over 20k samples', () => {
    expect(lognormalParams(100, 400).sigma).toBeCloseTo(Math.log(4) / 2.3263478740408408, 12);
    const rng = mulberry32(3);
    const xs = Array.from({ length: 20_000 }, () => sampleDelay({ kind: 'lognormal', medianMs: 100, p99Ms: 400 }, rng)).sort((a, b) => a - b);
    expect(quantile(xs, 0.5)).toBeGreaterThan(95);
    expect(quantile(xs, 0.5)).toBeLessThan(105);
    expect(quantile(xs, 0.99)).toBeGreaterThan(380);
    expect(quantile(xs, 0.99)).toBeLessThan(420);
    expect(xs[0]).toBeGreaterThan(0);
  });

  it('parses the CLI shorthand', () => {
    expect(parseDelay('20')).toEqual({ kind: 'fixed', ms: 20 });
    expect(parseDelay('10..30')).toEqual({ kind: 'uniform', minMs: 10, maxMs: 30 });
    expect(parseDelay('20:80')).toEqual({ kind: 'lognormal', medianMs: 20, p99Ms: 80 });
    expect(() => parseDelay('abc')).toThrow(/bad delay/);
    expect(() => parseDelay('-1')).toThrow(/bad delay/);
  });
});
