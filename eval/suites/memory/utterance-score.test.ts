import { describe, expect, it } from 'vitest';
import { budgetRecall, scoreUtterances, utteranceRanks } from './utterance-score';

const m = (...turnIds: string[]) => ({ turnIds });

describe('utterance ranks (hand-computed)', () => {
  it('a memory puts all its new utterances at its rank; repeats keep their first rank', () => {
    // m1 → a,b at rank 1 (positions 1-2); m2 → b again (kept at 1), c at 3; m3 → d,e,f at 4
    const r = utteranceRanks([m('a', 'b'), m('b', 'c'), m('d', 'e', 'f'), m('g')]);
    expect(Object.fromEntries(r)).toEqual({ a: 1, b: 1, c: 3, d: 4, e: 4, f: 4, g: 7 });
  });

  it('recall@k counts evidence utterances ranked ≤ k; MRR from the best-ranked one', () => {
    const ranked = [m('x1', 'x2', 'x3'), m('e1', 'x4'), m('x5', 'x6', 'x7', 'x8'), m('e2')];
    // ranks: x1-x3 → 1, e1,x4 → 4, x5-x8 → 6, e2 → 10
    const s = scoreUtterances(ranked, ['e1', 'e2', 'e3'], [5, 10]);
    expect(s.recall).toEqual({ 5: 1 / 3, 10: 2 / 3 });
    expect(s.rr).toBe(1 / 4);
  });

  it('the same evidence in one six-utterance memory or in one-utterance memories: the larger unit is not favoured', () => {
    const big = scoreUtterances([m('n1', 'n2', 'n3', 'n4', 'n5', 'e')], ['e'], [5]);
    const small = scoreUtterances([m('n1'), m('n2'), m('n3'), m('n4'), m('n5'), m('e')], ['e'], [5]);
    expect(big).toEqual({ recall: { 5: 1 }, rr: 1 });
    expect(small).toEqual({ recall: { 5: 0 }, rr: 1 / 6 });
  });

  it('nothing retrieved → 0; no evidence is refused', () => {
    expect(scoreUtterances([], ['a'])).toEqual({ recall: { 5: 0, 10: 0 }, rr: 0 });
    expect(() => scoreUtterances([m('a')], [])).toThrow(/evidence/);
  });
});

describe('budgetRecall', () => {
  const mem = (cost: number, ...turnIds: string[]) => ({ text: `t${cost}`, createdAt: '2024-01-01T00:00:00Z', sessionId: null, turnIds, cost });
  const tokens = (x: object) => (x as { cost: number }).cost;

  it('memories in retrieved order, whole or skipped, while they fit', () => {
    const ranked = [mem(300, 'a'), mem(300, 'b'), mem(150, 'c'), mem(1000, 'd')];
    // 500: a (300), b skipped (600 > 500), c (450) → {a, c}; 1000: a, b, c = 750, d skipped
    // 2000: all four = 1750
    expect(budgetRecall(ranked, ['b', 'c', 'd'], [500, 1000, 2000], tokens)).toEqual({ 500: 1 / 3, 1000: 2 / 3, 2000: 1 });
  });

  it('counts the prompt line with the real tokenizer by default', () => {
    const one = [{ text: 'My sister Ana lives in Lisbon.', createdAt: '2024-05-03T10:00:00Z', sessionId: '3f2a1b9c-0000', turnIds: ['a'] }];
    expect(budgetRecall(one, ['a'], [5, 100])).toEqual({ 5: 0, 100: 1 });
  });
});
