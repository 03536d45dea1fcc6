import { afterEach, describe, expect, it } from 'vitest';
import { combineOrders, judgePair, summarisePairs, type PairResult } from './pairwise';
import type { ScriptedJudge } from './sim';
import { scriptedJudge } from './test-support';

const pair = { question: 'What is the capital city of Australia?', reference: 'Canberra.', first: 'Canberra is the capital.', second: 'Sydney is the capital.' };
const w = (winner: string) => JSON.stringify({ winner, reason: 'r' });

describe('pairwise judge with position swap, over HTTP', () => {
  let j: ScriptedJudge | undefined;
  afterEach(async () => {
    await j?.close();
    j = undefined;
  });

  it('a judge that always says "A" is inconsistent and position-biased', async () => {
    j = await scriptedJudge([{ pattern: 'Answer A:', target: 'prompt', reply: w('A') }]);
    const r = await judgePair(j.model, pair);
    expect(r.orders.map((o) => o.slot)).toEqual(['A', 'A']);
    expect(r.outcome).toBe('inconsistent');
    expect(r.positionBiased).toBe(true);
    // both orders were really asked, with the answers swapped
    const prompts = j.sim.requests.map((q) => q.messages?.[1]?.content ?? '');
    expect(prompts[0]).toMatch(/Answer A:\n<<<\nCanberra[\s\S]*Answer B:\n<<<\nSydney/);
    expect(prompts[1]).toMatch(/Answer A:\n<<<\nSydney[\s\S]*Answer B:\n<<<\nCanberra/);
  });

  it('a judge that follows the content wins in both orders', async () => {
    j = await scriptedJudge([
      { pattern: 'Answer A:\\n<<<\\nCanberra', target: 'prompt', reply: w('A') },
      { pattern: 'Answer B:\\n<<<\\nCanberra', target: 'prompt', reply: w('B') },
    ]);
    const r = await judgePair(j.model, pair);
    expect(r).toMatchObject({ outcome: 'win', positionBiased: false });
    const loss = await judgePair(j.model, { ...pair, first: pair.second, second: pair.first });
    expect(loss.outcome).toBe('loss');
  });

  it('an invalid verdict in one order leaves the pair without an outcome', async () => {
    j = await scriptedJudge([
      { pattern: 'Answer A:\\n<<<\\nSydney', target: 'prompt', reply: w('first') },
      { pattern: 'Answer A:', target: 'prompt', reply: w('A') },
    ]);
    const r = await judgePair(j.model, pair, { maxAttempts: 2 });
    expect(r.outcome).toBeUndefined();
    expect(r.orders[1]).toMatchObject({ order: 'second-first', attempts: 2 });
    expect(r.error).toMatch(/\(A=second\) no valid verdict after 2 attempts: .*winner/);
  });
});

describe('combining the two orders (MT-Bench rule)', () => {
  it.each([
    ['A', 'B', 'win', false],
    ['B', 'A', 'loss', false],
    ['tie', 'tie', 'tie', false],
    ['A', 'A', 'inconsistent', true],
    ['B', 'B', 'inconsistent', true],
    ['A', 'tie', 'inconsistent', false],
    ['tie', 'A', 'inconsistent', false],
  ] as const)('first-as-A %s, first-as-B %s → %s', (ab, ba, outcome, biased) => {
    expect(combineOrders(ab, ba)).toEqual({ outcome, positionBiased: biased });
  });

  it('rates are over judged pairs; errors are counted apart', () => {
    const r = (ab: 'A' | 'B' | 'tie', ba: 'A' | 'B' | 'tie'): PairResult => ({
      prompt: 'p',
      orders: [
        { order: 'first-second', slot: ab, attempts: 1 },
        { order: 'second-first', slot: ba, attempts: 1 },
      ],
      ...combineOrders(ab, ba),
    });
    const err: PairResult = { prompt: 'p', orders: [{ order: 'first-second', attempts: 3, error: 'x' }, { order: 'second-first', slot: 'A', attempts: 1 }], error: 'x' };
    const s = summarisePairs([r('A', 'B'), r('A', 'B'), r('A', 'A'), r('tie', 'tie'), err]);
    expect(s).toMatchObject({ pairs: 5, judged: 4, errors: 1, win: 2, loss: 0, tie: 1, inconsistent: 1, winRate: 0.5, tieRate: 0.25, inconsistentRate: 0.25, positionBiasRate: 0.25 });
    // slots: A,B,A,B,A,A (ties out) → 4 of 6 picked A
    expect(s.firstSlotShare).toBeCloseTo(4 / 6, 12);
  });
});
