import { describe, expect, it } from 'vitest';
import { closedLoop } from './closed-loop';

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
});
