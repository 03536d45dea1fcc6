import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReport } from '../../report/write';
import { fixtureReport } from '../../report/test-support';
import { costRunFromReport, loadCostHistory, trendRows, trendSlope, type CostRun } from './trend';
import { costReport } from './test-support';

const run = (over: Partial<CostRun>): CostRun => ({
  runId: 'r',
  startedAt: '2025-01-01T00:00:00.000Z',
  gitSha: 'abc',
  quick: false,
  pricedAs: 'gpt-4o-mini',
  costPerMessage: null,
  promptPerMessage: null,
  completionPerMessage: null,
  memoryShare: null,
  ...over,
});

// price as gpt-4o-mini: (prompt × 0.15 + completion × 0.6) / 1e6
const mini = (p: number, c: number) => (p * 0.15 + c * 0.6) / 1e6;

describe('trendRows (cost per message over runs)', () => {
  it('re-prices each run from its tokens per message and compares with the previous run of the same kind', () => {
    const rows = trendRows(
      [
        run({ runId: 'a', costPerMessage: 0.01, promptPerMessage: 1000, completionPerMessage: 100 }), // re-priced 0.00021
        run({ runId: 'q', quick: true, promptPerMessage: 10, completionPerMessage: 10 }),
        run({ runId: 'b', promptPerMessage: 1200, completionPerMessage: 100 }), // 0.00024
        run({ runId: 'c', promptPerMessage: 1200, completionPerMessage: 50 }), // 0.00021
      ],
      mini,
    );
    expect(rows.map((r) => r.repriced)).toEqual([mini(1000, 100), mini(10, 10), mini(1200, 100), mini(1200, 50)]);
    expect(rows[0]?.changeVsPrevious).toBeNull();
    expect(rows[1]?.changeVsPrevious).toBeNull(); // the first quick run
    expect(rows[2]?.changeVsPrevious).toBeCloseTo(0.00024 / 0.00021 - 1, 12); // +1/7
    expect(rows[3]?.changeVsPrevious).toBeCloseTo(0.00021 / 0.00024 - 1, 12); // −1/8
    // the recorded cost (another price) is kept as it was
    expect(rows[0]?.costPerMessage).toBe(0.01);
  });

  it('a run without tokens is not re-priced; the next one compares with the last run that had a value', () => {
    const rows = trendRows([run({ promptPerMessage: 100, completionPerMessage: 0 }), run({}), run({ promptPerMessage: 200, completionPerMessage: 0 })], mini);
    expect(rows[1]?.repriced).toBeNull();
    expect(rows[2]?.changeVsPrevious).toBeCloseTo(1, 12); // 200 vs 100 prompt tokens per message
  });

  it('trendSlope is the OLS slope over the run index of one kind (hand-computed)', () => {
    const rows = trendRows(
      [run({ promptPerMessage: 1000, completionPerMessage: 0 }), run({ promptPerMessage: 3000, completionPerMessage: 0 }), run({ promptPerMessage: 2000, completionPerMessage: 0 }), run({ quick: true, promptPerMessage: 9, completionPerMessage: 0 })],
      mini,
    );
    // y = 0.00015, 0.00045, 0.0003 at x = 0, 1, 2: slope = Σ(x−1)(y−ȳ)/2 = (0.0003 − 0.00015)/2
    expect(trendSlope(rows, false)).toBeCloseTo(0.000075, 15);
    expect(trendSlope(rows, true)).toBeNaN();
  });
});

describe('loadCostHistory', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'memocha-cost-trend-'));
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it('reads the cost runs of the reports index, oldest first, and nothing else', async () => {
    await writeReport(costReport({ runId: '20250102T000000-abcdef1', startedAt: '2025-01-02T00:00:00.000Z', usd: 0.0002, prompt: 900, completion: 100 }), { reportsRoot: root });
    await writeReport(costReport({ runId: '20250101T000000-abcdef1', startedAt: '2025-01-01T00:00:00.000Z', usd: 0.0001, prompt: 500, completion: 50, quick: true }), { reportsRoot: root });
    await writeReport(fixtureReport(), { reportsRoot: root }); // a latency run
    const { runs, skipped } = await loadCostHistory(root);
    expect(skipped).toEqual([]);
    expect(runs.map((r) => [r.runId, r.quick, r.costPerMessage, r.promptPerMessage, r.pricedAs])).toEqual([
      ['20250101T000000-abcdef1', true, 0.0001, 500, 'gpt-4o-mini'],
      ['20250102T000000-abcdef1', false, 0.0002, 900, 'gpt-4o-mini'],
    ]);
    expect((await loadCostHistory(root, { limit: 1 })).runs).toHaveLength(1);
  });

  it('an empty root has no history', async () => {
    expect(await loadCostHistory(path.join(root, 'none'))).toEqual({ runs: [], skipped: [] });
  });

  it('costRunFromReport reads the metrics and the priced-as model', () => {
    const r = costRunFromReport(costReport({ runId: 'x', startedAt: '2025-01-01T00:00:00.000Z', usd: 1, prompt: 2, completion: 3, pricedAs: 'gpt-4o' }));
    expect(r).toMatchObject({ costPerMessage: 1, promptPerMessage: 2, completionPerMessage: 3, memoryShare: 0.25, pricedAs: 'gpt-4o' });
  });
});
