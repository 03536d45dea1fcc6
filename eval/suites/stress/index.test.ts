import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_TIMEOUT_MS, tempRoot, type TempRoot } from '../../lib/test-run';
import stress from './index';

describe('stress suite end to end: long conversation, nothing relevant, memories at (tiny) scale', () => {
  let t: TempRoot;
  beforeAll(async () => {
    t = await tempRoot('stress');
  });
  afterAll(async () => t?.cleanup());

  it('measures each checkpoint, retrieves planted facts among random memories, and turns every check into a row', async () => {
    const r = await t.run(stress, { parts: ['long', 'irrelevant', 'memories'], checkpoints: [6, 22, 26], reps: 3, measuredTurns: 1, memories: 300, lightUsers: 3, queries: 2 });
    expect(r.output).not.toMatch(/suite failed/);
    expect(r.exitCode).toBe(0);
    const rep = r.report!;
    expect(rep.errors).toEqual([]);
    const checks = Object.fromEntries(rep.rows.filter((x) => x.case.startsWith('check/')).map((x) => [x.check, x.passed]));
    expect(Object.keys(checks).sort()).toEqual([
      'irrelevant/no-memories',
      'irrelevant/unrelated-memories',
      'long/history-load-flat',
      'long/prompt-assembly-flat',
      'long/reached',
      'memories/count',
      'memories/irrelevant-empty',
      'memories/no-timeouts',
      'memories/planted-found',
      'memories/within-timeout',
    ]);
    expect(checks['long/reached']).toBe(1);
    expect(checks['memories/count']).toBe(1);
    expect(checks['irrelevant/no-memories']).toBe(1);
    expect(rep.tables?.['long conversation (per checkpoint)']?.rows.map((row) => row[0])).toEqual([6, 22, 26]);
    expect(rep.metrics.history_load_steady_ratio?.value).toBeGreaterThan(0); // from 22 (HISTORY_WINDOW 20) on
    expect(rep.metrics.history_load_ratio?.value).toBeGreaterThan(0);
    expect(rep.metrics.memories_total?.value).toBe(304); // 300 random + 4 planted
    expect(rep.metrics.retrieval_p99_ms?.value).toBeGreaterThan(0);
    expect(rep.metrics.checks_failed?.value).toBe(Object.values(checks).filter((p) => p === 0).length);
  }, E2E_TIMEOUT_MS);
});
