import { describe, expect, it } from 'vitest';
import { createRng } from '../../metrics/random';
import { makeMessage, requestTag } from './prompts';

describe('makeMessage', () => {
  it('has exactly the requested length, starts with the tag and does not end with a space', () => {
    for (const n of [10, 100, 1000, 4000]) {
      const m = makeMessage('a1', n, createRng(n));
      expect(m.length).toBe(n);
      expect(m.startsWith('a1 ')).toBe(true);
      expect(m.endsWith(' ')).toBe(false);
    }
  });

  it('is deterministic under the seed and unique by tag', () => {
    expect(makeMessage('x', 50, createRng(1))).toBe(makeMessage('x', 50, createRng(1)));
    expect(makeMessage('x', 50, createRng(1))).not.toBe(makeMessage('y', 50, createRng(1)));
  });

  it('truncates when shorter than the tag and rejects non-positive lengths', () => {
    expect(makeMessage('abcdef', 3, createRng(1))).toBe('abc');
    expect(() => makeMessage('a', 0, createRng(1))).toThrow(RangeError);
  });

  it('requestTag is phase + base-36 index', () => {
    expect(requestTag('v', 35)).toBe('vz');
    expect(requestTag('s', 36)).toBe('s10');
  });
});
