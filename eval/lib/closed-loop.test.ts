import { describe, expect, it } from 'vitest';
import { closedLoop } from './closed-loop';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('closedLoop', () => {
  it('runs exactly `total` operations over the workers, never more than `workers` at once', async () => {
    let active = 0;
    let most = 0;
    const seen: number[] = [];
    const r = await closedLoop({
      workers: 3,
      total: 10,
      op: async (i) => {
        active++;
        most = Math.max(most, active);
        seen.push(i);
        await new Promise((res) => setTimeout(res, 2));
        active--;
      },
    });
    expect(r.ok).toBe(10);
    expect(r.latency.count).toBe(10);
    expect(most).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.opsPerSec).toBeCloseTo(10 / (r.wallMs / 1000), 9);
  });

  it('counts failures apart and keeps the first message', async () => {
    const r = await closedLoop({ workers: 2, total: 4, op: async (i) => (i % 2 ? Promise.reject(new Error(`bad ${i}`)) : undefined) });
    expect(r).toMatchObject({ ok: 2, errors: 2 });
    expect(r.firstError).toMatch(/^bad [13]$/);
    expect(r.latency.count).toBe(2);
  });

  it('stops starting work once aborted', async () => {
    const ac = new AbortController();
    const r = await closedLoop({ workers: 1, total: 100, signal: ac.signal, op: async (i) => (i === 4 ? ac.abort() : undefined) });
    expect(r.ok).toBe(5);
  });

  it('runs every task once, never more than `concurrency` at a time, results in index order', async () => {
    let inflight = 0;
    let peak = 0;
    const { results: out } = await closedLoop({
      total: 10,
      workers: 3,
      keepResults: true,
      op: async (i) => {
        inflight++;
        peak = Math.max(peak, inflight);
        await tick(i % 2 ? 2 : 5);
        inflight--;
        return i * 10;
      },
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(peak).toBe(3);
  });

  it('stops starting tasks once the signal fires', async () => {
    const ac = new AbortController();
    const { results: out } = await closedLoop({
      total: 100,
      workers: 2,
      keepResults: true,
      signal: ac.signal,
      op: async (i) => {
        if (i === 3) ac.abort();
        await tick(1);
        return i;
      },
    });
    expect(out.length).toBeLessThan(100);
    expect(out.slice(0, 4)).toEqual([0, 1, 2, 3]);
  });

  it('ramps the workers up over rampMs', async () => {
    const starts: number[] = [];
    const t0 = performance.now();
    // each task outlasts the ramp, so worker w runs exactly task w
    await closedLoop({
      total: 4,
      workers: 4,
      rampMs: 60,
      op: async (i) => {
        starts[i] = performance.now() - t0;
        await tick(100);
      },
    });
    // workers start at 0, 15, 30, 45 ms (lower bounds only)
    expect(starts[1]).toBeGreaterThanOrEqual(14);
    expect(starts[3]).toBeGreaterThanOrEqual(44);
  });

  it('handles fewer tasks than workers and rejects a bad concurrency', async () => {
    expect((await closedLoop({ total: 2, workers: 8, keepResults: true, op: async (i) => i })).results).toEqual([0, 1]);
    await expect(closedLoop({ total: 2, workers: 0, keepResults: true, op: async (i) => i })).rejects.toThrow(RangeError);
  });

  it('without a total, runs until canStart says no; each operation knows its worker', async () => {
    const byWorker: number[][] = [[], []];
    const r = await closedLoop({ workers: 2, canStart: () => byWorker.flat().length < 6, op: async (i, w) => void byWorker[w]?.push(i) });
    expect(r.ok).toBe(6);
    expect(byWorker.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.results).toEqual([]);
  });

  it('with failFast, an operation that throws rejects the loop', async () => {
    await expect(closedLoop({ workers: 2, total: 5, failFast: true, op: async (i) => (i === 2 ? Promise.reject(new Error('boom')) : undefined) })).rejects.toThrow('boom');
  });
});
