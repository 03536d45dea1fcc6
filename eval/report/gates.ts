/**
 * Gates: absolute thresholds (min / max) and regression limits against a baseline report.
 * A missing or null metric always fails; a regression check without a baseline is skipped and says so.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatNumber, formatPercent } from './format';
import type { GateCheck, GateResult, Metric, Report } from './schema';

export const gateRuleSchema = z
  .strictObject({
    metric: z.string().min(1),
    min: z.number().optional(),
    max: z.number().optional(),
    /** the largest allowed worsening relative to the baseline, as a fraction (0.2 = 20 %) */
    maxRegression: z.number().nonnegative().optional(),
    /** absolute change (in the metric's unit) below which a change never fails */
    noise: z.number().nonnegative().optional(),
    /** overrides the metric's own higherIsBetter */
    higherIsBetter: z.boolean().optional(),
  })
  .refine((r) => r.min !== undefined || r.max !== undefined || r.maxRegression !== undefined, {
    message: 'a gate needs at least one of min, max, maxRegression',
  });

/** { "<suite>": [rule, …], … } */
export const gatesFileSchema = z.record(z.string(), z.array(gateRuleSchema));

export type GateRule = z.infer<typeof gateRuleSchema>;
export type GatesFile = z.infer<typeof gatesFileSchema>;

export function parseGates(data: unknown, source = 'gates file'): GatesFile {
  const r = gatesFileSchema.safeParse(data);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 10).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is not a valid gates file ({"<suite>": [{"metric", "min"?, "max"?, "maxRegression"?, "noise"?}]}):\n${issues.join('\n')}`);
  }
  return r.data;
}

export async function readGates(file: string): Promise<GatesFile> {
  const text = await readFile(file, 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseGates(data, file);
}

/** Evaluate the rules of `gates[report.suite]`; passed = every check passed (skipped checks pass). */
export function evaluateGates(report: Report, gates: GatesFile, baseline?: Report): GateResult {
  const rules = gates[report.suite];
  if (rules === undefined) {
    const msg = `the gates file has no entry for suite "${report.suite}" (it has: ${Object.keys(gates).join(', ') || 'none'})`;
    return { passed: false, checks: [{ metric: '*', kind: 'config', value: null, limit: null, passed: false, message: msg }] };
  }
  const checks: GateCheck[] = [];
  if (baseline && baseline.suite !== report.suite) {
    const msg = `the baseline is a report of suite "${baseline.suite}", not "${report.suite}"`;
    checks.push({ metric: '*', kind: 'config', value: null, limit: null, passed: false, message: msg });
    baseline = undefined;
  }
  for (const rule of rules) checks.push(...checkRule(report, rule, baseline));
  return { passed: checks.every((c) => c.passed), checks };
}

function checkRule(report: Report, rule: GateRule, baseline: Report | undefined): GateCheck[] {
  const metric = report.metrics[rule.metric];
  const kinds = [
    ...(rule.min !== undefined ? (['min'] as const) : []),
    ...(rule.max !== undefined ? (['max'] as const) : []),
    ...(rule.maxRegression !== undefined ? (['regression'] as const) : []),
  ];
  const value = metric?.value ?? null;
  if (metric === undefined || value === null) {
    const why = metric === undefined ? `is missing from the ${report.suite} report` : 'has no value (null: it could not be computed in this run)';
    return kinds.map((kind) => ({
      metric: rule.metric,
      kind,
      value: null,
      limit: kind === 'min' ? (rule.min ?? null) : kind === 'max' ? (rule.max ?? null) : (rule.maxRegression ?? null),
      passed: false,
      message: `metric "${rule.metric}" ${why}; a gate never passes without its metric`,
    }));
  }
  const unit = metric.unit ? ` ${metric.unit}` : '';
  const out: GateCheck[] = [];
  if (rule.min !== undefined) {
    const passed = value >= rule.min;
    const message = `${formatNumber(value)}${unit} ${passed ? '>=' : '<'} min ${formatNumber(rule.min)}${unit}`;
    out.push({ metric: rule.metric, kind: 'min', value, limit: rule.min, passed, message });
  }
  if (rule.max !== undefined) {
    const passed = value <= rule.max;
    const message = `${formatNumber(value)}${unit} ${passed ? '<=' : '>'} max ${formatNumber(rule.max)}${unit}`;
    out.push({ metric: rule.metric, kind: 'max', value, limit: rule.max, passed, message });
  }
  if (rule.maxRegression !== undefined) out.push(regressionCheck(rule, rule.maxRegression, metric, value, baseline));
  return out;
}

function regressionCheck(rule: GateRule, maxRegression: number, metric: Metric, value: number, baseline: Report | undefined): GateCheck {
  const base = { metric: rule.metric, kind: 'regression' as const, value };
  const skip = (message: string): GateCheck => ({ ...base, limit: null, passed: true, skipped: true, message: `skipped: ${message}` });
  if (!baseline) return skip('no baseline report given (--baseline), so the regression limit was not checked');
  const bm = baseline.metrics[rule.metric];
  if (bm === undefined) return skip(`the baseline ${baseline.runId} has no metric "${rule.metric}"`);
  if (bm.value === null) return skip(`the baseline ${baseline.runId} has no value for "${rule.metric}"`);
  const b = bm.value;
  const higher = rule.higherIsBetter ?? metric.higherIsBetter ?? bm.higherIsBetter;
  if (higher === undefined) {
    const message = `cannot tell a regression: "${rule.metric}" has no higherIsBetter (set it on the metric or on the gate rule)`;
    return { ...base, limit: null, baselineValue: b, passed: false, message };
  }
  const worse = higher ? b - value : value - b;
  const rel = b !== 0 ? worse / Math.abs(b) : worse > 0 ? Infinity : 0;
  const limit = higher ? b - maxRegression * Math.abs(b) : b + maxRegression * Math.abs(b);
  const noise = rule.noise ?? 0;
  const unit = metric.unit ? ` ${metric.unit}` : '';
  const change = `${formatNumber(b)} → ${formatNumber(value)}${unit} (${formatPercent(higher ? -rel : rel)}${worse > 0 ? ', worse' : worse < 0 ? ', better' : ''})`;
  const allowed = `allowed ${formatPercent(maxRegression).replace('+', '')} worse`;
  const overlap = cisOverlap(metric, bm);
  const result = (passed: boolean, message: string): GateCheck => ({ ...base, limit, baselineValue: b, passed, message });
  if (worse <= 0) return result(true, `${change}: not worse than the baseline`);
  if (worse <= noise) return result(true, `${change}: within the noise tolerance of ${formatNumber(noise)}${unit}`);
  if (rel <= maxRegression) return result(true, `${change}: within the ${allowed}${overlap ? ' (and within noise: the CIs overlap)' : ''}`);
  if (overlap) return result(true, `${change}: beyond the ${allowed}, but within noise: the CIs of both runs overlap`);
  return result(false, `${change}: regressed more than the ${allowed}`);
}

function cisOverlap(a: Metric, b: Metric): boolean {
  if (!a.ci || !b.ci) return false;
  return a.ci.low <= b.ci.high && b.ci.low <= a.ci.high;
}
