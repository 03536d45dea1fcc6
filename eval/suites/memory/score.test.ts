import { describe, expect, it } from 'vitest';
import { isAbstention, scoreAnswer, scoreRetrieval, temporalCorrect, temporalOrder } from './score';

const m = (id: string, ...turnIds: string[]) => ({ id, turnIds });

describe('scoreRetrieval (hand-computed)', () => {
  // evidence D1:4 and D2:5; m2 covers D1:4 at rank 2; the store holds three relevant memories (m2, m4, m9)
  const ranked = [m('m1', 'D1:1'), m('m2', 'D1:3', 'D1:4'), m('m3', 'D2:1'), m('m4', 'D1:4')];
  const s = scoreRetrieval(ranked, ['D1:4', 'D2:5'], new Set(['m2', 'm4', 'm9']), [1, 3], 3);

  it('recall counts evidence turns covered, hit rate any relevant memory, precision relevant memories / k', () => {
    expect(s.recall).toEqual({ 1: 0, 3: 0.5 });
    expect(s.hit).toEqual({ 1: 0, 3: 1 });
    expect(s.precision[3]).toBeCloseTo(1 / 3, 12);
    expect(s.rr).toBe(0.5);
    expect(s.firstRelevantRank).toBe(2);
  });

  it('NDCG@3: DCG 1/log2(3) over the ideal 1 + 1/log2(3) + 1/log2(4) from the three relevant memories', () => {
    const dcg = 1 / Math.log2(3);
    expect(s.ndcg).toBeCloseTo(dcg / (1 + dcg + 0.5), 12);
    expect(s.ndcg).toBeCloseTo(0.296082, 6);
  });

  it('nothing relevant retrieved → zeros; a question without evidence is refused', () => {
    const none = scoreRetrieval([m('a', 'D9:9')], ['D1:1'], new Set(['x']), [1], 1);
    expect(none).toMatchObject({ rr: 0, ndcg: 0, firstRelevantRank: null, recall: { 1: 0 } });
    expect(() => scoreRetrieval([], [], new Set(), [1], 1)).toThrow(/evidence/);
  });
});

describe('temporalOrder', () => {
  it('ranks the newer fact against the replaced one; a memory with both counts as newer', () => {
    expect(temporalOrder([m('a', 'D1:3'), m('b', 'D2:5')], ['D2:5'], ['D1:3'])).toBe('stale-first');
    expect(temporalOrder([m('b', 'D2:5'), m('a', 'D1:3')], ['D2:5'], ['D1:3'])).toBe('newer-first');
    expect(temporalOrder([m('ab', 'D1:3', 'D2:5')], ['D2:5'], ['D1:3'])).toBe('newer-only');
    expect(temporalOrder([m('a', 'D1:3')], ['D2:5'], ['D1:3'])).toBe('stale-only');
    expect(temporalOrder([], ['D2:5'], ['D1:3'])).toBe('neither');
    expect(['newer-first', 'newer-only', 'stale-first', 'stale-only', 'neither'].map((o) => temporalCorrect(o as never))).toEqual([true, true, false, false, false]);
  });
});

describe('isAbstention', () => {
  it.each([
    ["I don't know.", true],
    ['I do not know where you live.', true],
    ['That was never mentioned.', true],
    ["I can't find anything about your car.", true],
    ['There is no information about that.', true],
    ['', true],
    ['Denver.', false],
    ['I know you love Denver.', false],
    ['You moved to Denver in March.', false],
  ])('%j → %s', (answer, expected) => {
    expect(isAbstention(answer)).toBe(expected);
  });
});

describe('scoreAnswer', () => {
  it('multi-hop uses the comma-split multi-answer F1; open-domain the first ; part of the gold answer', () => {
    expect(scoreAnswer('Paris, Rome', 'Rome, Paris', 'multi-hop').f1).toBe(1);
    expect(scoreAnswer('Rome', 'Rome, Paris', 'multi-hop').f1).toBe(0.5);
    expect(scoreAnswer('blue', 'blue; also green', 'open-domain').f1).toBe(1);
  });
  it('token F1, exact match and gold recall of a verbose answer', () => {
    const s = scoreAnswer('I moved to Denver', 'Denver', 'single-hop');
    // SQuAD tokens: [i, moved, to, denver] vs [denver]: P 1/4, R 1 → F1 0.4
    expect(s.f1Squad).toBeCloseTo(0.4, 12);
    expect(s.em).toBe(0);
    expect(s.goldRecall).toBe(1);
    expect(scoreAnswer('Denver', 'Denver Colorado', 'single-hop').goldRecall).toBe(0.5);
    expect(scoreAnswer('denver.', 'Denver', 'single-hop').em).toBe(1);
  });
});
