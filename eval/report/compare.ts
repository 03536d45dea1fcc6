/** Compare two reports metric by metric: differences, significance, regressions. */
import { welchT } from '../metrics/stats';
import { formatNumber, formatPercent, textTable } from './format';
import type { Metric, Report } from './schema';

export type Direction = 'better' | 'worse' | 'same' | 'unknown';

export interface Significance {
  /** welch-t: on the per-case row values; ci-overlap: on the reported CIs; unknown: neither exists */
  method: 'welch-t' | 'ci-overlap' | 'unknown';
  pValue?: number;
  /** null when unknown */
  significant: boolean | null;
  note: string;
}

export interface MetricComparison {
  metric: string;
  unit: string;
  a: number | null;
  b: number | null;
  /** b − a */
  diff: number | null;
  /** (b − a) / |a| */
  relDiff: number | null;
  higherIsBetter?: boolean;
  direction: Direction;
  significance: Significance;
  /** b is worse than a and the difference is not shown to be noise (significant, or significance unknown) */
  regression: boolean;
}

export interface Comparison {
  a: { suite: string; runId: string };
  b: { suite: string; runId: string };
  alpha: number;
  metrics: MetricComparison[];
}

/** Compare baseline `a` with candidate `b` (every difference is b − a). */
export function compareReports(a: Report, b: Report, { alpha = 0.05 } = {}): Comparison {
  const names = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])];
  return {
    a: { suite: a.suite, runId: a.runId },
    b: { suite: b.suite, runId: b.runId },
    alpha,
    metrics: names.map((name) => compareMetric(name, a, b, alpha)),
  };
}

function compareMetric(name: string, ra: Report, rb: Report, alpha: number): MetricComparison {
  const ma = ra.metrics[name];
  const mb = rb.metrics[name];
  const a = ma?.value ?? null;
  const b = mb?.value ?? null;
  const higherIsBetter = mb?.higherIsBetter ?? ma?.higherIsBetter;
  const diff = a !== null && b !== null ? b - a : null;
  const relDiff = diff === null || a === null ? null : a !== 0 ? diff / Math.abs(a) : diff === 0 ? 0 : Math.sign(diff) * Infinity;
  let direction: Direction = 'unknown';
  if (diff === 0) direction = 'same';
  else if (diff !== null && higherIsBetter !== undefined) direction = diff > 0 === higherIsBetter ? 'better' : 'worse';
  const significance =
    ma && mb && diff !== null
      ? significanceOf(name, ma, mb, ra, rb, alpha)
      : { method: 'unknown' as const, significant: null, note: ma ? (mb ? 'no value' : 'only in a') : 'only in b' };
  const out: MetricComparison = {
    metric: name,
    unit: mb?.unit ?? ma?.unit ?? '',
    a,
    b,
    diff,
    relDiff,
    direction,
    significance,
    regression: direction === 'worse' && significance.significant !== false,
  };
  if (higherIsBetter !== undefined) out.higherIsBetter = higherIsBetter;
  return out;
}

function significanceOf(name: string, ma: Metric, mb: Metric, ra: Report, rb: Report, alpha: number): Significance {
  const field = mb.rowField ?? ma.rowField ?? name;
  const xa = rowValues(ra, field);
  const xb = rowValues(rb, field);
  if (xa.length >= 2 && xb.length >= 2) {
    const t = welchT(xa, xb);
    if (!Number.isNaN(t.pValue)) {
      const note = `Welch t on per-case "${field}" (n = ${xa.length} vs ${xb.length})`;
      return { method: 'welch-t', pValue: t.pValue, significant: t.pValue < alpha, note };
    }
  }
  if (ma.ci && mb.ci) {
    const overlap = ma.ci.low <= mb.ci.high && mb.ci.low <= ma.ci.high;
    return { method: 'ci-overlap', significant: !overlap, note: overlap ? 'CIs overlap' : 'CIs do not overlap' };
  }
  return { method: 'unknown', significant: null, note: 'no per-case values or CIs' };
}

/** Finite numeric values of `field` in the rows without an error. */
function rowValues(r: Report, field: string): number[] {
  const out: number[] = [];
  for (const row of r.rows) {
    const v = row[field];
    if (row.error === undefined && typeof v === 'number' && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** The CLI's verdict word for a metric (the dashboard shows the same). */
export function verdict(m: MetricComparison): string {
  if (m.regression) return m.significance.significant === null ? 'REGRESSION?' : 'REGRESSION';
  if (m.direction === 'worse') return 'worse (noise)';
  if (m.direction === 'better') return m.significance.significant === false ? 'better (noise)' : 'better';
  return m.direction;
}

export function significanceText(s: Significance): string {
  if (s.method === 'welch-t') return `p=${formatNumber(s.pValue)}`;
  if (s.method === 'ci-overlap') return s.significant ? 'CIs apart' : 'CIs overlap';
  return s.note === 'no per-case values or CIs' ? '?' : s.note;
}

/** A text table for the terminal. */
export function formatComparison(c: Comparison): string {
  const head = `a = ${c.a.suite}/${c.a.runId}   b = ${c.b.suite}/${c.b.runId}   (diff = b − a, alpha ${c.alpha})`;
  const rows = c.metrics.map((m) => [
    m.metric,
    m.unit,
    formatNumber(m.a),
    formatNumber(m.b),
    formatNumber(m.diff),
    formatPercent(m.relDiff),
    significanceText(m.significance),
    verdict(m),
  ]);
  const table = textTable(['metric', 'unit', 'a', 'b', 'diff', 'rel', 'significance', 'verdict'], rows);
  const regressions = c.metrics.filter((m) => m.regression).length;
  return `${head}\n\n${table}\n\n${regressions} regression${regressions === 1 ? '' : 's'}\n`;
}
