/**
 * Circuit-breaker time line from state changes with timestamps (serve/llm/breaker.ts `BreakerTransition`,
 * epoch ms — opossum's open / halfOpen / close events), or from polling /readyz.
 *
 * - activations = transitions into `open` within [from, to] (a re-open after a failed half-open probe counts).
 * - openMs = time spent in `open`; notClosedMs = time in `open` or `halfOpen`, both clipped to [from, to].
 *   The state before the first transition is taken as `closed` unless `initial` says otherwise.
 */
export type BreakerState = 'closed' | 'open' | 'halfOpen';

export interface Transition {
  provider: string;
  from: BreakerState;
  to: BreakerState;
  /** epoch ms */
  at: number;
}

export interface BreakerTimeline {
  activations: number;
  openMs: number;
  notClosedMs: number;
  /** the open intervals, clipped ([start, end] epoch ms) */
  openIntervals: [number, number][];
}

export function breakerTimeline(transitions: readonly Transition[], from: number, to: number, initial: BreakerState = 'closed'): BreakerTimeline {
  const sorted = [...transitions].sort((a, b) => a.at - b.at);
  const out: BreakerTimeline = { activations: 0, openMs: 0, notClosedMs: 0, openIntervals: [] };
  let state = initial;
  let since = from;
  let openStart: number | null = state === 'open' ? from : null;
  const close = (until: number) => {
    const a = Math.max(since, from);
    const b = Math.min(until, to);
    if (b > a) {
      if (state === 'open') out.openMs += b - a;
      if (state !== 'closed') out.notClosedMs += b - a;
    }
  };
  for (const t of sorted) {
    if (t.at > to) break;
    close(t.at);
    if (t.to === 'open' && t.at >= from) out.activations++;
    if (state === 'open' && t.to !== 'open' && openStart !== null) {
      if (t.at > from) out.openIntervals.push([Math.max(openStart, from), t.at]);
      openStart = null;
    }
    if (t.to === 'open') openStart = t.at;
    state = t.to;
    since = t.at;
  }
  close(to);
  if (state === 'open' && openStart !== null) out.openIntervals.push([Math.max(openStart, from), to]);
  return out;
}

/** Turn a sequence of polled states (epoch ms) into transitions (one per change). */
export function transitionsFromPolls(polls: readonly { at: number; state: BreakerState }[], provider = 'polled'): Transition[] {
  const out: Transition[] = [];
  let prev: BreakerState = 'closed';
  for (const p of polls) {
    if (p.state !== prev) out.push({ provider, from: prev, to: p.state, at: p.at });
    prev = p.state;
  }
  return out;
}
