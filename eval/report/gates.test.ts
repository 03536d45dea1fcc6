import { describe, expect, it } from 'vitest';
import { evaluateGates, parseGates } from './gates';
import type { Metric } from './schema';
import { fixtureReport, withMetrics } from './test-support';

const base = fixtureReport();
const report = (metrics: Record<string, Metric>) => withMetrics(base, metrics);
const latency = (value: number | null, extra: Partial<Metric> = {}) => ({ value, unit: 'ms', higherIsBetter: false, ...extra });
const recall = (value: number | null, extra: Partial<Metric> = {}) => ({ value, unit: 'ratio', higherIsBetter: true, ...extra });

describe('parseGates', () => {
  it('accepts the documented shape', () => {
    const g = parseGates({
      latency: [
        { metric: 'ttft_p50_ms', max: 50 },
        { metric: 'ttft_p99_ms', maxRegression: 0.2, noise: 2 },
      ],
      memory: [{ metric: 'recall@5', min: 0.6, maxRegression: 0.05 }],
    });
    expect(g.latency).toHaveLength(2);
  });

  it('rejects typos and rules without a limit, naming the place', () => {
    expect(() => parseGates({ latency: [{ metric: 'x', maxRegresion: 0.2 }] })).toThrow(/latency\.0/);
    expect(() => parseGates({ latency: [{ metric: 'x' }] })).toThrow(/at least one of min, max, maxRegression/);
    expect(() => parseGates({ latency: [{ metric: 'x', maxRegression: -1 }] })).toThrow(/maxRegression/);
  });
});

describe('evaluateGates: absolute thresholds', () => {
  it('max: passes at and under the limit, fails above', () => {
    const gates = { latency: [{ metric: 'ttft_p50_ms', max: 50 }] };
    expect(evaluateGates(report({ ttft_p50_ms: latency(50) }), gates).passed).toBe(true);
    const r = evaluateGates(report({ ttft_p50_ms: latency(50.5) }), gates);
    expect(r.passed).toBe(false);
    expect(r.checks[0]).toMatchObject({ kind: 'max', value: 50.5, limit: 50, passed: false, message: '50.5 ms > max 50 ms' });
  });

  it('min: passes at and over the limit, fails below', () => {
    const gates = { latency: [{ metric: 'recall@5', min: 0.6 }] };
    expect(evaluateGates(report({ 'recall@5': recall(0.6) }), gates).passed).toBe(true);
    const r = evaluateGates(report({ 'recall@5': recall(0.59) }), gates);
    expect(r.checks[0]).toMatchObject({ kind: 'min', passed: false, message: '0.59 ratio < min 0.6 ratio' });
  });

  it('a missing or null metric fails every check of its rule, with a clear message', () => {
    const gates = { latency: [{ metric: 'ttft_p99_ms', max: 100, maxRegression: 0.1 }] };
    const r = evaluateGates(report({ ttft_p50_ms: latency(1) }), gates);
    expect(r.passed).toBe(false);
    expect(r.checks.map((c) => [c.kind, c.passed])).toEqual([
      ['max', false],
      ['regression', false],
    ]);
    expect(r.checks[0]?.message).toMatch(/metric "ttft_p99_ms" is missing from the latency report; a gate never passes/);
    const n = evaluateGates(report({ ttft_p99_ms: latency(null) }), gates);
    expect(n.checks[0]?.message).toMatch(/has no value/);
    expect(n.passed).toBe(false);
  });

  it('a suite absent from the gates file fails as a config check', () => {
    const r = evaluateGates(base, { memory: [{ metric: 'recall@5', min: 0.5 }] });
    expect(r.passed).toBe(false);
    expect(r.checks[0]).toMatchObject({ kind: 'config', message: expect.stringMatching(/no entry for suite "latency" \(it has: memory\)/) });
  });
});

describe('evaluateGates: regressions against a baseline', () => {
  const gates = { latency: [{ metric: 'ttft_p99_ms', maxRegression: 0.2, noise: 2 }] };
  const check = (value: number, baseline: number, extra: Partial<Metric> = {}, baseExtra: Partial<Metric> = {}) =>
    evaluateGates(report({ ttft_p99_ms: latency(value, extra) }), gates, report({ ttft_p99_ms: latency(baseline, baseExtra) })).checks[0];

  it('without a baseline the check is skipped and says so', () => {
    const r = evaluateGates(report({ ttft_p99_ms: latency(100) }), gates);
    expect(r.passed).toBe(true);
    expect(r.checks[0]).toMatchObject({ kind: 'regression', skipped: true, passed: true });
    expect(r.checks[0]?.message).toMatch(/^skipped: no baseline report given/);
  });

  it('lower is better: 100 → 125 is +25 % > 20 %: fails; 100 → 119 passes', () => {
    expect(check(125, 100)).toMatchObject({ passed: false, limit: 120, baselineValue: 100 });
    expect(check(125, 100)?.message).toMatch(/100 → 125 ms \(\+25\.0%, worse\): regressed more than the allowed 20\.0% worse/);
    expect(check(119, 100)).toMatchObject({ passed: true });
    expect(check(80, 100)?.message).toMatch(/not worse/);
  });

  it('higher is better: the direction flips', () => {
    const g = { latency: [{ metric: 'recall@5', maxRegression: 0.05 }] };
    const run = (v: number, b: number) => evaluateGates(report({ 'recall@5': recall(v) }), g, report({ 'recall@5': recall(b) })).checks[0];
    // 0.8 → 0.75: worse by 0.05 / 0.8 = 6.25 % > 5 %
    expect(run(0.75, 0.8)).toMatchObject({ passed: false });
    expect(run(0.75, 0.8)?.limit).toBeCloseTo(0.76, 12);
    // 0.8 → 0.77: 3.75 % worse, allowed; 0.8 → 0.9 is better
    expect(run(0.77, 0.8)?.passed).toBe(true);
    expect(run(0.9, 0.8)?.passed).toBe(true);
  });

  it('noise: an absolute change up to the tolerance never fails', () => {
    // 5 → 7 ms is +40 % but only 2 ms: within noise = 2
    expect(check(7, 5)).toMatchObject({ passed: true, message: expect.stringMatching(/within the noise tolerance of 2 ms/) });
    expect(check(7.5, 5)?.passed).toBe(false);
  });

  it('overlapping CIs of both runs are "within noise"; separate CIs fail', () => {
    const ci = (low: number, high: number) => ({ ci: { low, high, confidence: 0.95 } });
    const overlap = check(130, 100, ci(110, 150), ci(80, 120));
    expect(overlap).toMatchObject({ passed: true, message: expect.stringMatching(/within noise: the CIs of both runs overlap/) });
    expect(check(130, 100, ci(125, 135), ci(95, 105))?.passed).toBe(false);
    // only one CI: no overlap claim
    expect(check(130, 100, ci(110, 150))?.passed).toBe(false);
  });

  it('skips when the baseline lacks the metric, and fails without a direction', () => {
    const noBase = evaluateGates(report({ ttft_p99_ms: latency(100) }), gates, report({}));
    expect(noBase.checks[0]).toMatchObject({ skipped: true, passed: true, message: expect.stringMatching(/baseline .* has no metric "ttft_p99_ms"/) });
    const undirected = { value: 100, unit: 'ms' };
    const r = evaluateGates(report({ ttft_p99_ms: undirected }), gates, report({ ttft_p99_ms: { value: 90, unit: 'ms' } }));
    expect(r.checks[0]).toMatchObject({ passed: false, message: expect.stringMatching(/no higherIsBetter/) });
  });

  it('a baseline of another suite fails as a config check', () => {
    const other = { ...report({ ttft_p99_ms: latency(100) }), suite: 'memory' };
    const r = evaluateGates(report({ ttft_p99_ms: latency(100) }), gates, other);
    expect(r.passed).toBe(false);
    expect(r.checks[0]).toMatchObject({ kind: 'config' });
    expect(r.checks[1]).toMatchObject({ kind: 'regression', skipped: true });
  });
});
