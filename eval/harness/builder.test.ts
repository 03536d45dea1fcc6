import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../metrics/histogram';
import { bootstrapCi } from '../metrics/stats';
import { ReportBuilder } from './builder';

describe('ReportBuilder', () => {
  it('stores metrics with their extras; a BootstrapCi passes as a CI; non-finite values become null', () => {
    const b = new ReportBuilder();
    const ci = bootstrapCi([1, 2, 3], undefined, { iterations: 50 });
    b.metric('m', 2, 'ms', { ci, n: 3, definition: 'd', higherIsBetter: false, headline: true, rowField: 'x' });
    b.metric('nan', Number.NaN, 'ms', { ci: { low: Number.NaN, high: 1, confidence: 0.95 } });
    expect(b.metrics.m).toEqual({ value: 2, unit: 'ms', ci: { low: ci.low, high: ci.high, confidence: 0.95 }, n: 3, definition: 'd', higherIsBetter: false, headline: true, rowField: 'x' });
    expect(b.metrics.nan).toEqual({ value: null, unit: 'ms' });
    expect(() => b.metric('m', 1, 'ms')).toThrow(/recorded twice/);
  });

  it('snapshots histograms, with null statistics when empty', () => {
    const b = new ReportBuilder();
    b.histogram('h', new LatencyHistogram().record(5));
    b.histogram('empty', new LatencyHistogram());
    expect(b.histograms.h?.summary).toMatchObject({ count: 1, min: 5 });
    expect(LatencyHistogram.decode(b.histograms.h?.encoding as string).count).toBe(1);
    expect(b.histograms.empty?.summary).toMatchObject({ count: 0, p50: null, max: null });
  });

  it('checks table shapes, stringifies case ids and records errors', () => {
    const b = new ReportBuilder();
    expect(() => b.table('t', ['a', 'b'], [[1]])).toThrow(/row 0 has 1 cells for 2 columns/);
    b.table('t', ['a'], [[Number.POSITIVE_INFINITY], ['x']]);
    expect(b.tables.t?.rows).toEqual([[null], ['x']]);
    b.row({ case: 7, score: 1 });
    b.error(7, new Error('bad'));
    b.error(undefined, 'run-level');
    expect(b.rows).toEqual([{ case: '7', score: 1 }]);
    expect(b.errors).toEqual([{ case: '7', message: 'bad' }, { message: 'run-level' }]);
  });
});
