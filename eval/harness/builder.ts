/** Collects what a suite measures into the parts of a report. */
import type { LatencyHistogram } from '../metrics/histogram';
import type { HistogramJson, HistogramSummaryJson, Metric, Row, RunError, Table } from '../report/schema';

export interface CiInput {
  low: number;
  high: number;
  confidence: number;
}

export interface MetricExtra {
  /** a confidence interval; a BootstrapCi from metrics/stats can be passed as it is */
  ci?: CiInput;
  n?: number;
  definition?: string;
  higherIsBetter?: boolean;
  headline?: boolean;
  rowField?: string;
}

export type RowInput = { case: string | number; error?: string } & Record<string, unknown>;
export type Cell = string | number | null;

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

export class ReportBuilder {
  readonly metrics: Record<string, Metric> = {};
  readonly histograms: Record<string, HistogramJson> = {};
  readonly tables: Record<string, Table> = {};
  readonly rows: Row[] = [];
  readonly errors: RunError[] = [];

  /** Record a metric. A non-finite value (NaN, ±Infinity) is stored as null: "could not be computed". */
  metric(name: string, value: number | null, unit: string, extra: MetricExtra = {}): void {
    if (name in this.metrics) throw new Error(`metric "${name}" was recorded twice`);
    const m: Metric = { value: finite(value) ? value : null, unit };
    const { ci } = extra;
    if (ci && finite(ci.low) && finite(ci.high)) m.ci = { low: ci.low, high: ci.high, confidence: ci.confidence };
    if (extra.n !== undefined) m.n = extra.n;
    if (extra.definition !== undefined) m.definition = extra.definition;
    if (extra.higherIsBetter !== undefined) m.higherIsBetter = extra.higherIsBetter;
    if (extra.headline !== undefined) m.headline = extra.headline;
    if (extra.rowField !== undefined) m.rowField = extra.rowField;
    this.metrics[name] = m;
  }

  /** Snapshot a latency histogram (its encoding and summary, in ms) under `name`. */
  histogram(name: string, h: LatencyHistogram): void {
    if (name in this.histograms) throw new Error(`histogram "${name}" was recorded twice`);
    const s = h.summary();
    const n = (x: number) => (finite(x) ? x : null);
    const summary: HistogramSummaryJson = {
      count: s.count,
      min: n(s.min),
      max: n(s.max),
      mean: n(s.mean),
      stddev: n(s.stddev),
      p50: n(s.p50),
      p90: n(s.p90),
      p95: n(s.p95),
      p99: n(s.p99),
      p999: n(s.p999),
    };
    this.histograms[name] = { unit: 'ms', encoding: h.encode(), summary };
  }

  /** A table (sweeps, per-category results); every row has one cell per column. */
  table(name: string, columns: readonly string[], rows: readonly (readonly Cell[])[]): void {
    const bad = rows.findIndex((r) => r.length !== columns.length);
    if (bad !== -1) throw new Error(`table "${name}": row ${bad} has ${rows[bad]?.length} cells for ${columns.length} columns`);
    this.tables[name] = { columns: [...columns], rows: rows.map((r) => r.map((c) => (typeof c === 'number' && !Number.isFinite(c) ? null : c))) };
  }

  /** A per-case record; `case` is its id (numbers become strings). */
  row(obj: RowInput): void {
    this.rows.push({ ...obj, case: String(obj.case) });
  }

  /** An error of one case (or of the run when caseId is undefined); the run goes on. */
  error(caseId: string | number | undefined, message: string | Error): void {
    const text = message instanceof Error ? message.message : message;
    this.errors.push(caseId === undefined ? { message: text } : { case: String(caseId), message: text });
  }
}
