import { describe, expect, it } from 'vitest';
import type { LiveSample } from '../../../serve';
import { aggregate, byWindow, windowDrops } from './aggregate';

let seq = 0;
function sample(o: Partial<LiveSample> & { createdAt: string }): LiveSample {
  return {
    id: `a${seq++}`,
    instanceId: 'i1',
    userId: 'u',
    sessionId: 's',
    model: 'm',
    provider: 'p',
    memoryStatus: 'ok',
    memoriesUsed: 0,
    memoryIds: [],
    memoryTopScore: null,
    memoryMeanScore: null,
    memoryTokens: 0,
    memoryBudgetTokens: 100,
    promptTokens: 10,
    completionTokens: 5,
    ttftMs: 100,
    totalMs: 1000,
    ttftSloMet: true,
    totalSloMet: true,
    judgeModel: null,
    judgeGroundedness: null,
    judgeRelevance: null,
    judgeScore: null,
    judgeError: null,
    ...o,
  };
}

describe('aggregate', () => {
  it('computes the shares, percentiles and means by hand', () => {
    const at = '2025-01-01T10:00:00.000Z';
    const a = aggregate([
      sample({ createdAt: at, ttftMs: 100, totalMs: 1000, memoriesUsed: 2, memoryTopScore: 0.8, memoryTokens: 50, judgeModel: 'j', judgeScore: 1 }),
      sample({ createdAt: at, ttftMs: 300, totalMs: 3000, ttftSloMet: false, memoriesUsed: 0, memoryTokens: 0, judgeModel: 'j', judgeScore: null, judgeError: 'unparseable: x' }),
      sample({ createdAt: at, ttftMs: null, totalMs: 2000, ttftSloMet: null, totalSloMet: false, memoriesUsed: 1, memoryTopScore: 0.4, memoryTokens: 25, instanceId: 'i2' }),
    ]);
    expect(a).toEqual({
      samples: 3,
      instances: 2,
      ttftSloMet: 0.5, // of the two with a TTFT
      totalSloMet: 2 / 3,
      sloMet: 1 / 3,
      ttftP50Ms: 200,
      ttftP95Ms: 290, // linear: 100 + 0.95 × 200
      totalP50Ms: 2000,
      totalP95Ms: 2900,
      memoriesUsedMean: 1,
      memoryTopScoreMean: 0.6000000000000001,
      memoryBudgetUsedMean: 0.25, // (0.5 + 0 + 0.25) / 3
      judged: 2,
      judgeScoreMean: 1,
      judgeFailures: 1,
    });
    expect(aggregate([])).toMatchObject({ samples: 0, sloMet: null, ttftP95Ms: null, judgeScoreMean: null });
  });

  it('groups by aligned windows, oldest first, and lists the windows that dropped against the previous one', () => {
    const ws = byWindow(
      [
        sample({ createdAt: '2025-01-01T11:10:00.000Z', memoryTopScore: 0.5 }),
        sample({ createdAt: '2025-01-01T10:59:59.999Z', memoryTopScore: 0.8 }),
        sample({ createdAt: '2025-01-01T10:00:00.000Z', memoryTopScore: 0.8 }),
        sample({ createdAt: '2025-01-01T13:00:00.000Z', memoryTopScore: 0.45, totalSloMet: false }),
      ],
      3_600_000,
    );
    expect(ws.map((w) => [w.start, w.samples])).toEqual([
      ['2025-01-01T10:00:00.000Z', 2],
      ['2025-01-01T11:00:00.000Z', 1],
      ['2025-01-01T13:00:00.000Z', 1],
    ]);
    const drops = windowDrops(ws, 0.1);
    expect(drops.map((d) => [d.start, d.signal, d.previous, d.current])).toEqual([
      ['2025-01-01T13:00:00.000Z', 'slo', 1, 0],
      ['2025-01-01T11:00:00.000Z', 'memory_top_score', 0.8, 0.5],
    ]);
  });
});
