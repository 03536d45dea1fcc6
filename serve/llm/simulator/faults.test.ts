import { describe, expect, it } from 'vitest';
import { mulberry32, requestRng } from './delays';
import { decideFault } from './faults';

describe('decideFault', () => {
  it('no faults configured: never a fault', () => {
    expect(decideFault(undefined, mulberry32(1), true)).toEqual({ kind: 'none' });
    expect(decideFault({}, mulberry32(1), true)).toEqual({ kind: 'none' });
  });

  it('rate 1 always faults, with defaults', () => {
    expect(decideFault({ errorRate: 1, errorStatus: 429 }, mulberry32(1), false)).toEqual({ kind: 'error', status: 429, retryAfterS: 1 });
    expect(decideFault({ errorRate: 1 }, mulberry32(1), false)).toEqual({ kind: 'error', status: 503, retryAfterS: 1 });
    expect(decideFault({ errorRate: 1, errorStatus: 500 }, mulberry32(1), false)).toEqual({ kind: 'error', status: 500 });
    expect(decideFault({ hangRate: 1 }, mulberry32(1), false)).toEqual({ kind: 'hang' });
    expect(decideFault({ cutRate: 1 }, mulberry32(1), true)).toEqual({ kind: 'cut', afterTokens: 3 });
    expect(decideFault({ malformedRate: 1 }, mulberry32(1), true)).toEqual({ kind: 'malformed' });
  });

  it('cut and malformed only apply to streams', () => {
    expect(decideFault({ cutRate: 1, malformedRate: 1 }, mulberry32(1), false)).toEqual({ kind: 'none' });
  });

  it('hits roughly the configured rate and is reproducible per request', () => {
    const decide = (seq: number) => decideFault({ errorRate: 0.2, hangRate: 0.1 }, requestRng(42, seq, 1), true).kind;
    const kinds = Array.from({ length: 5000 }, (_, i) => decide(i));
    const errors = kinds.filter((k) => k === 'error').length / kinds.length;
    const hangs = kinds.filter((k) => k === 'hang').length / kinds.length;
    expect(errors).toBeGreaterThan(0.17);
    expect(errors).toBeLessThan(0.23);
    expect(hangs).toBeGreaterThan(0.06); // 0.1 of the 80% left
    expect(hangs).toBeLessThan(0.1);
    expect(Array.from({ length: 5000 }, (_, i) => decide(i))).toEqual(kinds);
  });
});
