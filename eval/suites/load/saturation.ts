/**
 * The saturation point of a concurrency sweep (steps in increasing concurrency):
 *
 *   saturation = the last concurrency c_i before the first step c_{i+1} that either
 *     (a) adds less than `minGain` (default 10 %) throughput: X(c_{i+1}) < (1 + minGain) · X(c_i), or
 *     (b) breaks the latency objective: p99 TTFT(c_{i+1}) > sloTtftP99Ms.
 *
 * If no step does, the curve has not saturated within the sweep: the result is the highest
 * concurrency tested with reason `not_reached` (a lower bound). If the lowest step already breaks the
 * objective the result is null (`slo_at_lowest`). Throughput is successful requests/s; a step with no
 * throughput (NaN) counts as no gain, a p99 that could not be computed (no success) as a breach.
 */
export interface SweepPoint {
  concurrency: number;
  throughput: number;
  ttftP99Ms: number;
}

export type SaturationReason = 'throughput_plateau' | 'slo' | 'not_reached' | 'slo_at_lowest' | 'empty';

export interface Saturation {
  concurrency: number | null;
  reason: SaturationReason;
  /** the step that showed it (c_{i+1}); null for not_reached / empty */
  triggeredBy: number | null;
  maxThroughput: number;
  /** the concurrency of the highest throughput */
  maxThroughputAt: number | null;
}

export function detectSaturation(points: readonly SweepPoint[], o: { minGain?: number; sloTtftP99Ms: number }): Saturation {
  const minGain = o.minGain ?? 0.1;
  const steps = [...points].sort((a, b) => a.concurrency - b.concurrency);
  let maxThroughput = Number.NaN;
  let maxThroughputAt: number | null = null;
  for (const p of steps) {
    if (Number.isFinite(p.throughput) && !(p.throughput <= maxThroughput)) {
      maxThroughput = p.throughput;
      maxThroughputAt = p.concurrency;
    }
  }
  const base = { maxThroughput, maxThroughputAt };
  const breaches = (p: SweepPoint) => !(p.ttftP99Ms <= o.sloTtftP99Ms);
  const first = steps[0];
  if (!first) return { concurrency: null, reason: 'empty', triggeredBy: null, ...base };
  if (breaches(first)) return { concurrency: null, reason: 'slo_at_lowest', triggeredBy: first.concurrency, ...base };
  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1] as SweepPoint;
    const cur = steps[i] as SweepPoint;
    if (breaches(cur)) return { concurrency: prev.concurrency, reason: 'slo', triggeredBy: cur.concurrency, ...base };
    if (!(cur.throughput >= (1 + minGain) * prev.throughput)) return { concurrency: prev.concurrency, reason: 'throughput_plateau', triggeredBy: cur.concurrency, ...base };
  }
  return { concurrency: (steps[steps.length - 1] as SweepPoint).concurrency, reason: 'not_reached', triggeredBy: null, ...base };
}
