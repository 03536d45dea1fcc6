/**
 * Availability and recovery, from what clients saw.
 *
 * - availability = successful requests / all requests (a request that got an answer and a `done`).
 * - error rate of a period = failed / all among the requests *sent* in it.
 * - recovery time after a fault window ending at E: the time from E to t*, where t* is the end time of
 *   the earliest request completing at or after E such that the requests completing in the forward
 *   sliding window [t*, t* + W) number at least `minRequests` and at least `threshold` (99 %) of them
 *   succeeded. Null when that never happens before the run ends ("not recovered"). A service that is
 *   healthy the moment the fault ends recovers in the time to its first completion (≈ 0).
 */
export interface Outcome {
  sentAt: number;
  endAt: number;
  ok: boolean;
}

export interface RecoveryOptions {
  /** W, the sliding window (ms); default 2000 */
  windowMs?: number;
  /** default 0.99 */
  threshold?: number;
  /** the fewest completions a window must hold to judge it; default 10 */
  minRequests?: number;
}

export function availability(outcomes: readonly Outcome[]): number {
  if (outcomes.length === 0) return Number.NaN;
  return outcomes.filter((o) => o.ok).length / outcomes.length;
}

/** failed / all among requests sent in [from, to); NaN when none was. */
export function errorRateSent(outcomes: readonly Outcome[], from: number, to: number): { requests: number; failed: number; rate: number } {
  const inside = outcomes.filter((o) => o.sentAt >= from && o.sentAt < to);
  const failed = inside.filter((o) => !o.ok).length;
  return { requests: inside.length, failed, rate: inside.length ? failed / inside.length : Number.NaN };
}

export function recoveryTimeMs(outcomes: readonly Outcome[], faultEnd: number, o: RecoveryOptions = {}): number | null {
  const w = o.windowMs ?? 2000;
  const threshold = o.threshold ?? 0.99;
  const minN = o.minRequests ?? 10;
  const after = outcomes.filter((x) => x.endAt >= faultEnd).sort((a, b) => a.endAt - b.endAt);
  // two pointers: window [after[i].endAt, after[i].endAt + w)
  let j = 0;
  let okInWindow = 0;
  for (let i = 0; i < after.length; i++) {
    const start = (after[i] as Outcome).endAt;
    if (j < i) {
      j = i;
      okInWindow = 0;
    }
    while (j < after.length && (after[j] as Outcome).endAt < start + w) {
      if ((after[j] as Outcome).ok) okInWindow++;
      j++;
    }
    const n = j - i;
    if (n >= minN && okInWindow / n >= threshold) return start - faultEnd;
    if ((after[i] as Outcome).ok) okInWindow--;
  }
  return null;
}
