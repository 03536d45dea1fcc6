import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../report/write';
import cost from './index';
import { E2E_TIMEOUT_MS, tempRoot, type TempRoot } from '../../lib/test-run';
import { costReport } from './test-support';

describe('cost suite end to end (in-process, smallest configuration)', () => {
  let t: TempRoot;
  beforeAll(async () => {
    t = await tempRoot('cost');
  });
  afterAll(async () => t?.cleanup());

  it('prices the run as gpt-4o-mini, reports memory share, both modes and the trend with an earlier run', async () => {
    await writeReport(costReport({ runId: '20250101T000000-abcdef1', startedAt: '2025-01-01T00:00:00.000Z', usd: 0.0001, prompt: 500, completion: 50, quick: true }), { reportsRoot: t.root });
    const r = await t.run(cost, { users: 1, conversationsPerUser: 2, turnsPerConversation: 1, reportsRoot: t.root });
    expect(r.output).not.toMatch(/suite failed/);
    expect(r.exitCode).toBe(0);
    const rep = r.report!;
    const m = (name: string) => rep.metrics[name]?.value ?? null;
    expect(rep.meta.config).toMatchObject({ pricedAs: 'gpt-4o-mini', priceNote: expect.stringMatching(/unpriced.*as if it were gpt-4o-mini/) });
    expect(m('failed_messages')).toBe(0);
    // cost per message is the gpt-4o-mini price of the mean tokens per message
    const expected = ((m('prompt_tokens_per_message') ?? 0) * 0.15 + (m('completion_tokens_per_message') ?? 0) * 0.6) / 1e6;
    expect(m('cost_per_message_usd')).toBeCloseTo(expected, 12);
    expect(m('cost_per_conversation_usd')).toBeCloseTo(expected, 12); // one message per conversation
    expect(m('memory_share')).toBeGreaterThanOrEqual(0);
    expect(m('batch_cost_per_message_usd')).toBeGreaterThan(0);
    expect(m('output_tokens_per_sec_system')).toBeGreaterThan(0);
    expect(rep.rows.filter((row) => row.mode === 'stream')).toHaveLength(2);
    expect(rep.rows.filter((row) => row.mode === 'batch')).toHaveLength(2);
    const trend = Object.entries(rep.tables ?? {}).find(([name]) => name.startsWith('cost per message over runs'))?.[1];
    expect(trend?.rows.map((row) => row[0])).toEqual(['20250101T000000-abcdef1', '(this run)']);
    expect(m('cost_per_message_change')).not.toBeNull();
  }, E2E_TIMEOUT_MS);
});
