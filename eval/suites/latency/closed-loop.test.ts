import { describe, expect, it } from 'vitest';
import { closedLoop } from './closed-loop';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('closedLoop', () => {
  it('runs every task once, never more than `concurrency` at a time, results in index order', async () => {
    let inflight = 0;
    let peak = 0;
    const out = await closedLoop(10, 3, async (i) => {
      inflight++;
      peak = Math.max(peak, inflight);
      await tick(i % 2 ? 2 : 5);
      inflight--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(peak).toBe(3);
  });

  it('stops starting tasks once the signal fires', async () => {
    const ac = new AbortController();
    const out = await closedLoop(100, 2, async (i) => {
      if (i === 3) ac.abort();
      await tick(1);
      return i;
    }, ac.signal);
    expect(out.length).toBeLessThan(100);
    expect(out.slice(0, 4)).toEqual([0, 1, 2, 3]);
  });

  it('ramps the workers up over rampMs', async () => {
    const starts: number[] = [];
    const t0 = performance.now();
    // each task outlasts the ramp, so worker w runs exactly task w
    await closedLoop(4, 4, async (i) => {
      starts[i] = performance.now() - t0;
      await tick(100);
    }, undefined, 60);
    // workers start at 0, 15, 30, 45 ms (lower bounds only)
    expect(starts[1]).toBeGreaterThanOrEqual(14);
    expect(starts[3]).toBeGreaterThanOrEqual(44);
  });

  it('handles fewer tasks than workers and rejects a bad concurrency', async () => {
    expect(await closedLoop(2, 8, async (i) => i)).toEqual([0, 1]);
    await expect(closedLoop(2, 0, async (i) => i)).rejects.toThrow(RangeError);
  });
});
