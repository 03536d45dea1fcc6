import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSampled } from './sampling';

describe('isSampled', () => {
  const ids = Array.from({ length: 20_000 }, () => randomUUID());

  it('0 samples nothing, 1 everything', () => {
    expect(ids.some((id) => isSampled(id, 0))).toBe(false);
    expect(ids.every((id) => isSampled(id, 1))).toBe(true);
  });

  it('samples about the rate, the same ids every time, and a higher rate keeps every id a lower one took', () => {
    const at = (rate: number) => new Set(ids.filter((id) => isSampled(id, rate)));
    const tenth = at(0.1);
    // binomial(20000, 0.1): sd ≈ 42, so ±300 is > 7 sd
    expect(tenth.size).toBeGreaterThan(1700);
    expect(tenth.size).toBeLessThan(2300);
    expect(at(0.1)).toEqual(tenth);
    const half = at(0.5);
    expect([...tenth].every((id) => half.has(id))).toBe(true);
  });
});
