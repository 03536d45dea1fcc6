/** Histograms and their metrics in the report, under stable names: `<base>_<stat>_ms<suffix>`. */
import type { SuiteContext } from '../../harness/suite';
import type { LatencyHistogram } from '../../metrics/histogram';
import { bootstrapCi, mean } from '../../metrics/stats';
import { quantile } from './overhead';

export const ALL_STATS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean', 'stddev'] as const;
export type Stat = (typeof ALL_STATS)[number];

export interface EmitOptions {
  suffix?: string;
  stats?: readonly Stat[];
  /** the raw per-request values: adds 95 % percentile-bootstrap CIs to p50 (nearest rank) and mean */
  raw?: readonly number[];
  seed?: number;
  definition: string;
  /** metric names (full) to flag as headline */
  headline?: readonly string[];
}

/** Record `h` as histogram `<base><suffix>` and its statistics as metrics (lower is better). */
export function emitLatency(ctx: SuiteContext, base: string, h: LatencyHistogram, o: EmitOptions): void {
  const suffix = o.suffix ?? '';
  ctx.histogram(`${base}${suffix}`, h);
  const s = h.summary();
  for (const stat of o.stats ?? ALL_STATS) {
    const name = `${base}_${stat}_ms${suffix}`;
    const raw = o.raw && o.raw.length > 0 && (stat === 'p50' || stat === 'mean') ? o.raw : undefined;
    const ci = raw ? bootstrapCi(raw, stat === 'p50' ? quantile(50) : mean, { seed: o.seed ?? 1 }) : undefined;
    ctx.metric(name, s[stat], 'ms', {
      n: s.count,
      definition: `${o.definition}; HdrHistogram ${stat} (3 significant digits)${ci ? ', 95% percentile-bootstrap CI' : ''}`,
      higherIsBetter: false,
      ...(ci ? { ci } : {}),
      ...(o.headline?.includes(name) ? { headline: true } : {}),
    });
  }
}

/** A number for a table cell: rounded to 3 decimals, null when not finite. */
export function cell(x: number | null | undefined, digits = 3): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
