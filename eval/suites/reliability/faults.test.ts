import { describe, expect, it } from 'vitest';
import { planWindows, runWindows } from './faults';

describe('fault windows', () => {
  it('plans baseline, windows and gaps', () => {
    const p = planWindows([{ name: 'a', faults: { errorRate: 0.3 } }, { name: 'b', faults: { hangRate: 0.1 } }], { baselineMs: 1000, windowMs: 500, gapMs: 2000 });
    expect(p.windows.map((w) => [w.name, w.startMs, w.endMs])).toEqual([['a', 1000, 1500], ['b', 3500, 4000]]);
    expect(p.totalMs).toBe(6000);
  });

  it('switches faults on and off at the planned times and clears them at the end', async () => {
    const calls: { at: number; faults: unknown }[] = [];
    const sim = { configure: (p: { faults?: unknown }) => void calls.push({ at: performance.now(), faults: p.faults }) };
    const { windows } = planWindows([{ name: 'a', faults: { errorRate: 1 } }], { baselineMs: 30, windowMs: 40, gapMs: 10 });
    const t0 = performance.now();
    const applied = await runWindows(sim, windows, t0, new AbortController().signal);
    expect(calls.map((c) => c.faults)).toEqual([{ errorRate: 1 }, {}, {}]);
    // order only (no wall-clock thresholds: timers on a loaded machine fire late, and the schedule is absolute)
    expect(calls[0]!.at).toBeGreaterThan(t0);
    expect(calls[1]!.at).toBeGreaterThan(calls[0]!.at);
    expect(applied[0]!.endedAt).toBeGreaterThan(applied[0]!.startedAt);
    const ac = new AbortController();
    ac.abort();
    const none = await runWindows(sim, windows, performance.now(), ac.signal);
    expect(none).toEqual([]);
    expect(calls.at(-1)?.faults).toEqual({});
  });
});
