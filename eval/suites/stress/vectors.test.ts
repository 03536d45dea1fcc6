import { describe, expect, it } from 'vitest';
import { createRng } from '../../metrics/random';
import { randomUnitVector } from './vectors';

describe('randomUnitVector', () => {
  it('has unit length, is seeded, and two of them are nearly orthogonal in 512-d', () => {
    const a = randomUnitVector(createRng(1), 512);
    const b = randomUnitVector(createRng(2), 512);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * (y[i] as number), 0);
    expect(dot(a, a)).toBeCloseTo(1, 5);
    expect(randomUnitVector(createRng(1), 512)).toEqual(a);
    // cosine of random directions ~ N(0, 1/512): |cos| < 0.25 is a > 5 sigma bound
    expect(Math.abs(dot(a, b))).toBeLessThan(0.25);
  });
});
