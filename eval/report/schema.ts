/** The versioned report every suite writes (report.json). Bump REPORT_SCHEMA_VERSION on a breaking change. */
import { z } from 'zod';

export const REPORT_SCHEMA_VERSION = 1 as const;

const num = z.number();

const stat = num.nullable();

/** In ms; every statistic is null when count is 0. */
export const histogramSummarySchema = z.object({
  count: z.number().int().nonnegative(),
  min: stat,
  max: stat,
  mean: stat,
  stddev: stat,
  p50: stat,
  p90: stat,
  p95: stat,
  p99: stat,
  p999: stat,
});

export const ciSchema = z.object({
  low: num,
  high: num,
  /** e.g. 0.95 */
  confidence: z.number().gt(0).lt(1),
});

export const metricSchema = z.object({
  /** null when the metric could not be computed (e.g. no successful request); gates fail on it */
  value: num.nullable(),
  unit: z.string(),
  ci: ciSchema.optional(),
  n: z.number().int().nonnegative().optional(),
  /** the definition used, e.g. 'vLLM TPOT' or 'recall@k (METRICS.md)' */
  definition: z.string().optional(),
  higherIsBetter: z.boolean().optional(),
  /** shown in reports/index.json */
  headline: z.boolean().optional(),
  /** the per-case row field this metric is the mean of (compare tests its difference); default: the metric name */
  rowField: z.string().optional(),
});

export const histogramSchema = z.object({
  unit: z.literal('ms'),
  /** base64 compressed HdrHistogram (V2) of microsecond values */
  encoding: z.string(),
  summary: histogramSummarySchema,
});

const cell = z.union([z.string(), z.number(), z.null()]);

export const tableSchema = z
  .object({ columns: z.array(z.string()), rows: z.array(z.array(cell)) })
  .refine((t) => t.rows.every((r) => r.length === t.columns.length), 'every table row has one cell per column');

export const rowSchema = z.looseObject({ case: z.string(), error: z.string().optional() });

export const errorSchema = z.object({ case: z.string().optional(), message: z.string() });

export const gateCheckSchema = z.object({
  metric: z.string(),
  kind: z.enum(['min', 'max', 'regression', 'config']),
  value: num.nullable(),
  limit: num.nullable(),
  baselineValue: num.nullable().optional(),
  passed: z.boolean(),
  skipped: z.boolean().optional(),
  message: z.string(),
});

export const gateResultSchema = z.object({ passed: z.boolean(), checks: z.array(gateCheckSchema) });

export const metaSchema = z.object({
  gitSha: z.string(),
  gitDirty: z.boolean(),
  node: z.string(),
  platform: z.string(),
  cpu: z.object({ model: z.string(), cores: z.number().int().nonnegative() }),
  memoryGb: num,
  hostname: z.string().optional(),
  config: z.json(),
  dataset: z
    .object({ id: z.string(), path: z.string().optional(), contentHash: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 hex') })
    .optional(),
  seed: z.number().int(),
  provider: z.object({ kind: z.string(), model: z.string(), baseUrl: z.string().optional() }).optional(),
  target: z.string().optional(),
  quick: z.boolean(),
  argv: z.array(z.string()),
});

export const reportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  suite: z.string().min(1),
  runId: z.string().min(1),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  meta: metaSchema,
  metrics: z.record(z.string(), metricSchema),
  histograms: z.record(z.string(), histogramSchema),
  tables: z.record(z.string(), tableSchema).optional(),
  rows: z.array(rowSchema),
  errors: z.array(errorSchema),
  interrupted: z.boolean(),
  /** the gate evaluation of this run, when --gate was given */
  gates: gateResultSchema.optional(),
});

export type HistogramSummaryJson = z.infer<typeof histogramSummarySchema>;
export type Metric = z.infer<typeof metricSchema>;
export type HistogramJson = z.infer<typeof histogramSchema>;
export type Table = z.infer<typeof tableSchema>;
export type Row = z.infer<typeof rowSchema>;
export type RunError = z.infer<typeof errorSchema>;
export type GateCheck = z.infer<typeof gateCheckSchema>;
export type GateResult = z.infer<typeof gateResultSchema>;
export type RunMeta = z.infer<typeof metaSchema>;
export type Report = z.infer<typeof reportSchema>;
export type JsonValue = z.infer<ReturnType<typeof z.json>>;

/** Parse and validate a report; throws with the zod issues (path: message) on failure. */
export function parseReport(data: unknown, source = 'report'): Report {
  const r = reportSchema.safeParse(data);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 10).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is not a valid Memocha report (schemaVersion ${REPORT_SCHEMA_VERSION}):\n${issues.join('\n')}`);
  }
  return r.data;
}

/** One run of reports/index.json (written by runs-index.ts; read by the dashboard page too, so no Node types here). */
export interface IndexEntry {
  suite: string;
  runId: string;
  /** the run directory, relative to the reports root when inside it, else absolute */
  dir: string;
  startedAt: string;
  gitSha: string;
  quick: boolean;
  interrupted: boolean;
  gatesPassed?: boolean;
  headline: Record<string, { value: number | null; unit: string }>;
}
