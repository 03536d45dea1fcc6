import { describe, expect, it } from 'vitest';
import { breakerTimeline, transitionsFromPolls, type Transition } from './breaker-timeline';

const t = (from: Transition['from'], to: Transition['to'], at: number): Transition => ({ provider: 'p', from, to, at });

describe('breakerTimeline', () => {
  it('counts activations and time open from timestamped transitions', () => {
    // open 1000–3000, half-open 3000–3100, re-open 3100–5000, half-open 5000–5050, closed
    const tr = [t('closed', 'open', 1000), t('open', 'halfOpen', 3000), t('halfOpen', 'open', 3100), t('open', 'halfOpen', 5000), t('halfOpen', 'closed', 5050)];
    const r = breakerTimeline(tr, 0, 10_000);
    expect(r.activations).toBe(2);
    expect(r.openMs).toBe(2000 + 1900);
    expect(r.notClosedMs).toBe(4050);
    expect(r.openIntervals).toEqual([[1000, 3000], [3100, 5000]]);
  });

  it('clips to the period and keeps a circuit still open at the end', () => {
    const tr = [t('closed', 'open', 1000), t('open', 'halfOpen', 3000), t('halfOpen', 'closed', 3500), t('closed', 'open', 9000)];
    const r = breakerTimeline(tr, 2000, 9500);
    // open 2000–3000 and 9000–9500; half-open 3000–3500; the opening at 1000 is before the period
    expect(r).toEqual({ activations: 1, openMs: 1500, notClosedMs: 2000, openIntervals: [[2000, 3000], [9000, 9500]] });
  });

  it('is all zero without transitions', () => {
    expect(breakerTimeline([], 0, 100)).toEqual({ activations: 0, openMs: 0, notClosedMs: 0, openIntervals: [] });
  });
});

describe('transitionsFromPolls', () => {
  it('emits one transition per change of the polled state', () => {
    const polls = [
      { at: 0, state: 'closed' as const },
      { at: 100, state: 'open' as const },
      { at: 200, state: 'open' as const },
      { at: 300, state: 'halfOpen' as const },
      { at: 400, state: 'closed' as const },
    ];
    expect(transitionsFromPolls(polls)).toEqual([
      { provider: 'polled', from: 'closed', to: 'open', at: 100 },
      { provider: 'polled', from: 'open', to: 'halfOpen', at: 300 },
      { provider: 'polled', from: 'halfOpen', to: 'closed', at: 400 },
    ]);
  });
});
