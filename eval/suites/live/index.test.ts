import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepos, type NewLiveSample } from '../../../serve';
import { openInSchema, TEST_DATABASE_URL } from '../../../serve/testing';
import { E2E_TIMEOUT_MS, tempRoot, type TempRoot } from '../../lib/test-run';
import live from './index';

const HOUR = 3_600_000;

function row(i: number, at: number, o: Partial<NewLiveSample> = {}): NewLiveSample {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    createdAt: new Date(at).toISOString(),
    instanceId: i % 2 ? 'a' : 'b',
    userId: 'u',
    sessionId: 's',
    model: 'm',
    provider: 'p',
    memoryStatus: 'ok',
    memoriesUsed: 1,
    memoryIds: ['x'],
    memoryTopScore: 0.8,
    memoryMeanScore: 0.8,
    memoryTokens: 10,
    memoryBudgetTokens: 100,
    promptTokens: 50,
    completionTokens: 5,
    ttftMs: 100,
    totalMs: 500,
    ttftSloMet: true,
    totalSloMet: true,
    judgeModel: 'j',
    judgeGroundedness: 5,
    judgeRelevance: 5,
    judgeScore: 1,
    judgeError: null,
    ...o,
  };
}

describe('live suite end to end (PostgreSQL schema with live_eval rows)', () => {
  let t: TempRoot;
  let pg: Awaited<ReturnType<typeof openInSchema>>;
  beforeAll(async () => {
    t = await tempRoot('live');
    pg = await openInSchema(TEST_DATABASE_URL, 2, 'evallive');
    const repo = createRepos(pg.db.knex).liveEval;
    const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
    // the previous hour: 4 good samples; this hour: 4 whose judge score fell and one judge reply that did not parse
    for (let i = 0; i < 4; i++) await repo.insert(row(i, hourStart - HOUR + i * 1000));
    for (let i = 4; i < 8; i++) await repo.insert(row(i, hourStart + (i - 4) * 1000, { judgeScore: 0.5, judgeGroundedness: 3, judgeRelevance: 3 }));
    await repo.insert(row(8, hourStart + 5000, { judgeScore: null, judgeGroundedness: null, judgeRelevance: null, judgeError: 'unparseable: not JSON' }));
    await repo.insert(row(9, hourStart - 30 * HOUR)); // outside the 24 hours read
  });
  afterAll(async () => {
    await pg?.cleanup();
    await t?.cleanup();
  });

  it('writes per-hour aggregates, the drop, and the report files into reports/live/<run>/', async () => {
    const r = await t.run(live, { databaseUrl: TEST_DATABASE_URL, schema: pg.schema, hours: 24, windowMinutes: 60, alertDrop: 0.1 });
    expect(r.output).not.toMatch(/suite failed/);
    expect(r.exitCode).toBe(0);
    const rep = r.report!;
    const m = (name: string) => rep.metrics[name]?.value ?? null;
    expect(m('samples')).toBe(9);
    expect(m('windows')).toBe(2);
    expect(m('judged')).toBe(9);
    expect(m('judge_failure_rate')).toBeCloseTo(1 / 9, 12);
    expect(m('judge_score_mean')).toBeCloseTo((4 * 1 + 4 * 0.5) / 8, 12);
    expect(m('window_drops')).toBe(1);
    expect(rep.rows.map((x) => [x.samples, x.instances, x.judgeScoreMean, x.judgeFailures])).toEqual([
      [4, 2, 1, 0],
      [5, 2, 0.5, 1],
    ]);
    expect(rep.tables?.['drops against the previous window']?.rows).toEqual([[rep.rows[1]!.case, 'judge_score', 1, 0.5, 0.5]]);
    const dir = path.join(t.root, 'live', 'test-run');
    for (const f of ['report.json', 'rows.csv', 'summary.md']) expect(existsSync(path.join(dir, f)), f).toBe(true);
    expect(readFileSync(path.join(dir, 'rows.csv'), 'utf8').split('\n')[0]).toContain('judgeScoreMean');
  }, E2E_TIMEOUT_MS);
});
