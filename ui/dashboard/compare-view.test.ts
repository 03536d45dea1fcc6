import { describe, expect, it } from 'vitest';
import { compareReports } from '../../eval/report/compare';
import { fixtureReport } from '../../eval/report/test-support';
import { alignCases, byLargestRegression, sharedNumericFields } from './compare-view';
import { queryRows, rowColumns } from './rows';
import { pickBaseline, trendPoints } from './trends-view';
import type { IndexEntry } from './types';

const base = fixtureReport({
  metrics: {
    ttft_ms: { value: 20, unit: 'ms', higherIsBetter: false },
    'recall@5': { value: 0.7, unit: 'ratio', higherIsBetter: true, rowField: 'recall' },
    other: { value: 1, unit: 'x' },
  },
  rows: [
    { case: 'a', ttft_ms: 10, recall: 1 },
    { case: 'b', ttft_ms: 20, recall: 0.5 },
    { case: 'c', ttft_ms: 30, recall: 1, error: 'boom' },
  ],
});
const cand = fixtureReport({
  metrics: {
    ttft_ms: { value: 40, unit: 'ms', higherIsBetter: false },
    'recall@5': { value: 0.9, unit: 'ratio', higherIsBetter: true, rowField: 'recall' },
    other: { value: 2, unit: 'x' },
  },
  rows: [
    { case: 'b', ttft_ms: 50, recall: 1 },
    { case: 'a', ttft_ms: 11, recall: 0 },
    { case: 'd', ttft_ms: 5, recall: 1 },
  ],
});

describe('compare helpers', () => {
  it('aligns rows by case id; a case with an error or missing has no value', () => {
    const rows = alignCases([base, cand], 'ttft_ms');
    expect(rows.map((r) => r.case)).toEqual(['a', 'b', 'c', 'd']);
    expect(rows.map((r) => r.values)).toEqual([[10, 11], [20, 50], [null, null], [null, 5]]);
    expect(rows.map((r) => r.deltas)).toEqual([[1], [30], [null], [null]]);
    // lower is better for ttft: a larger delta is a larger worsening
    expect(rows.map((r) => r.worst)).toEqual([1, 30, null, null]);
    // higher is better for recall (the rowField of recall@5): a drop is the worsening
    expect(alignCases([base, cand], 'recall').map((r) => r.worst)).toEqual([1, -0.5, null, null]);
  });

  it('lists the numeric fields all runs share, metric fields first', () => {
    expect(sharedNumericFields([base, cand])).toEqual(['ttft_ms', 'recall']);
  });

  it('orders metrics by regression, the largest relative worsening first', () => {
    const c = compareReports(base, cand);
    expect(byLargestRegression(c).map((m) => m.metric)).toEqual(['ttft_ms', 'other', 'recall@5']);
  });
});

describe('row queries', () => {
  it('finds columns, searches text and numbers, filters errors, sorts with missing values last', () => {
    const rows = [
      { case: 'x1', topic: 'dates', v: 3 },
      { case: 'x2', topic: 'people', v: 1, error: 'timeout' },
      { case: 'y3', topic: 'dates' },
    ];
    expect(rowColumns(rows)).toEqual(['case', 'error', 'topic', 'v']);
    const q = { search: '', status: 'all' as const, sortBy: '', descending: false };
    expect(queryRows(rows, { ...q, search: 'DATES' }).map((r) => r.case)).toEqual(['x1', 'y3']);
    expect(queryRows(rows, { ...q, search: 'timeout' }).map((r) => r.case)).toEqual(['x2']);
    expect(queryRows(rows, { ...q, status: 'ok' }).map((r) => r.case)).toEqual(['x1', 'y3']);
    expect(queryRows(rows, { ...q, status: 'error' }).map((r) => r.case)).toEqual(['x2']);
    expect(queryRows(rows, { ...q, sortBy: 'v' }).map((r) => r.case)).toEqual(['x2', 'x1', 'y3']);
    expect(queryRows(rows, { ...q, sortBy: 'v', descending: true }).map((r) => r.case)).toEqual(['x1', 'x2', 'y3']);
  });
});

describe('trends', () => {
  const entry = (dir: string, startedAt: string, value: number | null, suite = 'memory'): IndexEntry => ({
    suite, runId: dir, dir, startedAt, gitSha: 'abcdef1234', quick: false, interrupted: false,
    headline: value === null ? {} : { acc: { value, unit: 'ratio' } },
  });
  it('puts a suite’s runs oldest first and marks a named, committed or oldest baseline', () => {
    const runs = [entry('r3', '2026-01-03', 0.7), entry('other', '2026-01-02', 0.1, 'latency'), entry('r1', '2026-01-01', 0.5), entry('baselines/memory', '2026-01-02', null)];
    const pts = trendPoints(runs, 'memory', 'acc');
    expect(pts.map((p) => [p.run.dir, p.value])).toEqual([['r1', 0.5], ['baselines/memory', null], ['r3', 0.7]]);
    expect(pickBaseline(pts, 'r3')?.run.dir).toBe('r3');
    expect(pickBaseline(pts)?.run.dir).toBe('baselines/memory');
    expect(pickBaseline(pts.filter((p) => !p.run.dir.startsWith('baselines/')))?.run.dir).toBe('r1');
  });
});
