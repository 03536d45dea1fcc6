/**
 * How a step's load spread across the server instances behind a balancer, from each response's
 * `X-Memocha-Instance` header. Per instance: the counted requests it answered, its share, its failures,
 * TTFT p50/p95 of its successes and its window throughput (the same window and rule as summary.ts).
 * Spread: max/min share and the coefficient of variation (population stddev / mean) of the request
 * counts; both are over the instances expected (a silent instance counts as 0) or seen.
 */
import { LatencyHistogram } from '../../metrics/histogram';
import { requestLatency } from '../../metrics/latency';
import { counted, inWindow, loadedWindow } from './summary';
import type { LoadRun } from './types';

/** The row of requests without an instance header: no response (refused, reset, timed out before headers), or a server that does not send it. */
export const NO_INSTANCE = '(no header)';

export interface InstanceLoad {
  instance: string;
  requests: number;
  /** requests / requests answered by any instance (null for the NO_INSTANCE row) */
  share: number | null;
  errors: number;
  ttftP50Ms: number;
  ttftP95Ms: number;
  requestsPerSec: number;
  outputTokensPerSec: number;
}

export interface InstanceSpread {
  /** instances in the spread (expected or seen), then NO_INSTANCE when some requests had no answer */
  instances: InstanceLoad[];
  /** highest share / lowest share over the instances; null with fewer than one instance, Infinity when one got nothing */
  maxMinRatio: number | null;
  /** population stddev / mean of the instances' request counts (0 = perfectly even); null without requests */
  cv: number | null;
}

export function instanceSpread(run: LoadRun, expected: readonly string[] = []): InstanceSpread {
  const recs = counted(run);
  const win = loadedWindow(run);
  const windowS = (win.to - win.from) / 1000;
  const names = [...new Set([...expected, ...recs.map((r) => r.result.instance).filter((x): x is string => x !== undefined)])].sort();
  const answered = recs.filter((r) => r.result.instance !== undefined).length;
  const row = (name: string | undefined): InstanceLoad => {
    const mine = recs.filter((r) => r.result.instance === name);
    const ttft = new LatencyHistogram();
    for (const r of mine) {
      const t = r.result.ok ? requestLatency(r.result).ttftMs : null;
      if (t !== null) ttft.record(t);
    }
    const done = run.records.filter((r) => r.result.instance === name && inWindow(r, win));
    const rate = (k: number) => (windowS > 0 ? k / windowS : Number.NaN);
    return {
      instance: name ?? NO_INSTANCE,
      requests: mine.length,
      share: name === undefined ? null : answered ? mine.length / answered : 0,
      errors: mine.filter((r) => !r.result.ok).length,
      ttftP50Ms: ttft.percentile(50),
      ttftP95Ms: ttft.percentile(95),
      requestsPerSec: rate(done.length),
      outputTokensPerSec: rate(done.reduce((sum, r) => sum + r.result.outputTokens, 0)),
    };
  };
  const rows = names.map(row);
  const counts = rows.map((r) => r.requests);
  const unanswered = recs.length - answered;
  return { instances: unanswered ? [...rows, row(undefined)] : rows, maxMinRatio: maxMin(counts), cv: coefficientOfVariation(counts) };
}

function maxMin(counts: number[]): number | null {
  if (!counts.length || counts.every((c) => c === 0)) return null;
  const lo = Math.min(...counts);
  return lo === 0 ? Number.POSITIVE_INFINITY : Math.max(...counts) / lo;
}

export function coefficientOfVariation(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (mean === 0) return null;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
  return Math.sqrt(variance) / mean;
}
