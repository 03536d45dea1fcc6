import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../llm/simulator/delays';
import { createDropDetector } from './alert';

describe('createDropDetector', () => {
  it('an injected drop alerts once, for the window that closed it, with the figures', () => {
    const d = createDropDetector({ window: 10, drop: 0.1 });
    const alerts = [...Array<number>(10).fill(0.8), ...Array<number>(10).fill(0.5)].map((v) => d.add('judge_score', v));
    expect(alerts.filter(Boolean)).toHaveLength(1);
    const a = alerts[19]!;
    expect(a).toMatchObject({ signal: 'judge_score', reason: 'drop', window: 10 });
    expect([a.baseline, a.mean, a.drop].map((v) => v!.toFixed(9))).toEqual(['0.800000000', '0.500000000', '0.300000000']);
    // the dropped window is the new baseline: staying low does not alert again
    expect([...Array<number>(10).fill(0.5)].map((v) => d.add('judge_score', v)).filter(Boolean)).toEqual([]);
  });

  it('noise around a steady level never alerts; a rise is not a drop', () => {
    const d = createDropDetector({ window: 20, drop: 0.1 });
    const rnd = mulberry32(7);
    const alerts = Array.from({ length: 2000 }, () => d.add('slo', 0.8 + (rnd() - 0.5) * 0.2)).filter(Boolean);
    expect(alerts).toEqual([]);
    const up = [...Array<number>(20).fill(0.2), ...Array<number>(20).fill(0.9)].map((v) => d.add('up', v));
    expect(up.filter(Boolean)).toEqual([]);
  });

  it('signals are independent, and a configured floor alerts from the first window', () => {
    const d = createDropDetector({ window: 4, drop: 0.1, floors: { slo: 0.9 } });
    const slo = [1, 1, 0, 1].map((v) => d.add('slo', v)); // mean 0.75 < floor 0.9
    expect(slo[3]).toMatchObject({ signal: 'slo', reason: 'floor', floor: 0.9, baseline: null, mean: 0.75 });
    expect([0.5, 0.5, 0.5].map((v) => d.add('memory_top_score', v)).filter(Boolean)).toEqual([]);
    expect(d.baselines()).toEqual({ slo: 0.75 });
  });
});
