import { describe, expect, it } from 'vitest';
import { compareReports, formatComparison } from './compare';
import type { Report } from './schema';
import { fixtureReport } from './test-support';

const a = fixtureReport({
  metrics: {
    ttft_p50_ms: { value: 40, unit: 'ms', higherIsBetter: false },
    accuracy: { value: 0.5, unit: 'ratio', higherIsBetter: true, rowField: 'correct' },
    'recall@5': { value: 0.7, unit: 'ratio', higherIsBetter: true, ci: { low: 0.6, high: 0.8, confidence: 0.95 } },
    only_a: { value: 1, unit: 'x' },
    cost_usd: { value: 2, unit: 'USD' },
  },
  rows: [1, 2, 3, 4, 5].map((v, i) => ({ case: `c${i}`, correct: v })),
});
const b: Report = fixtureReport({
  runId: '20250102T000000-abcdef1',
  metrics: {
    ttft_p50_ms: { value: 50, unit: 'ms', higherIsBetter: false },
    accuracy: { value: 0.4, unit: 'ratio', higherIsBetter: true, rowField: 'correct' },
    'recall@5': { value: 0.75, unit: 'ratio', higherIsBetter: true, ci: { low: 0.65, high: 0.85, confidence: 0.95 } },
    cost_usd: { value: 2, unit: 'USD' },
  },
  rows: [
    ...[3, 4, 5, 6, 7].map((v, i) => ({ case: `c${i}`, correct: v })),
    { case: 'failed', correct: 1000, error: 'excluded' },
  ],
});

describe('compareReports', () => {
  const c = compareReports(a, b);
  const get = (name: string) => c.metrics.find((m) => m.metric === name);

  it('computes absolute and relative differences (b − a)', () => {
    expect(get('ttft_p50_ms')).toMatchObject({ a: 40, b: 50, diff: 10, relDiff: 0.25, direction: 'worse' });
    expect(get('cost_usd')).toMatchObject({ diff: 0, relDiff: 0, direction: 'same', regression: false });
  });

  it('tests per-case row values with Welch t (errored rows excluded)', () => {
    // rows 1..5 vs 3..7: t = −2, df = 8, p = 0.0805 (see stats.test.ts); not significant at 0.05
    const acc = get('accuracy');
    expect(acc?.significance.method).toBe('welch-t');
    expect(acc?.significance.pValue).toBeCloseTo(0.0805162, 6);
    expect(acc?.significance.significant).toBe(false);
    expect(acc?.direction).toBe('worse'); // 0.5 → 0.4 with higher is better
    expect(acc?.regression).toBe(false); // worse, but within noise
  });

  it('falls back to CI overlap, then to unknown', () => {
    expect(get('recall@5')?.significance).toMatchObject({ method: 'ci-overlap', significant: false });
    const ttft = get('ttft_p50_ms');
    expect(ttft?.significance).toMatchObject({ method: 'unknown', significant: null });
    expect(ttft?.regression).toBe(true); // worse and not shown to be noise
  });

  it('lists metrics present in only one report', () => {
    expect(get('only_a')).toMatchObject({ a: 1, b: null, diff: null, direction: 'unknown', regression: false });
    expect(get('only_a')?.significance.note).toBe('only in a');
  });

  it('formats a text table', () => {
    const text = formatComparison(c);
    expect(text).toContain(`b = latency/${b.runId}`);
    expect(text).toMatch(/ttft_p50_ms\s+ms\s+40\s+50\s+10\s+\+25\.0%\s+\?\s+REGRESSION\?/);
    expect(text).toMatch(/accuracy .* p=0\.08052\s+worse \(noise\)/);
    expect(text).toContain('1 regression\n');
  });
});
