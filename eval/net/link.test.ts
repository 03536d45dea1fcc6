import { describe, expect, it } from 'vitest';
import { LinkSchedule, sliceBytes } from './link';

describe('LinkSchedule', () => {
  it('adds the latency to each arrival when the rate is unlimited', () => {
    const l = new LinkSchedule({ latencyMs: 50 });
    expect(l.schedule(1000, 0)).toBe(50);
    expect(l.schedule(10, 3)).toBe(53);
  });

  it('serialises bytes at the rate, one slice after another, then adds the latency', () => {
    const l = new LinkSchedule({ latencyMs: 10, bytesPerSec: 1000 });
    // 100 B at t=0: on the link 0..100 ms, delivered at 110
    expect(l.schedule(100, 0)).toBe(110);
    // 50 B arriving at t=20 wait for the link (free at 100): 100..150, delivered at 160
    expect(l.schedule(50, 20)).toBe(160);
    // 10 B arriving at t=500 find the link idle: 500..510, delivered at 520
    expect(l.schedule(10, 500)).toBe(520);
  });

  it('never delivers out of order, even with no limits', () => {
    const l = new LinkSchedule();
    expect(l.schedule(5, 10)).toBe(10);
    expect(l.schedule(5, 4)).toBe(10);
  });

  it('rejects negative or non-finite limits', () => {
    expect(() => new LinkSchedule({ latencyMs: -1 })).toThrow(RangeError);
    expect(() => new LinkSchedule({ bytesPerSec: Number.NaN })).toThrow(RangeError);
  });
});

describe('sliceBytes', () => {
  it('is about 5 ms of the rate, within [1, 16384]', () => {
    expect(sliceBytes(2000)).toBe(10);
    expect(sliceBytes(100)).toBe(1);
    expect(sliceBytes(1e9)).toBe(16_384);
    expect(sliceBytes(undefined)).toBe(Number.POSITIVE_INFINITY);
    expect(sliceBytes(0)).toBe(Number.POSITIVE_INFINITY);
  });
});
