import { describe, expect, it } from 'vitest';
import { evaluateRun } from './retrieval';
import { compareTrec, formatQrels, formatRun, parseQrels, parseRun, runRankings } from './trec';

describe('formatRun', () => {
  it('writes ranked ids with strictly decreasing scores', () => {
    expect(formatRun({ q1: ['d3', 'd1'], q2: ['x'] }, 'memocha')).toBe('q1 Q0 d3 1 2 memocha\nq1 Q0 d1 2 1 memocha\nq2 Q0 x 1 1 memocha\n');
    expect(formatRun({}, 'tag')).toBe('');
  });

  it('writes given scores when they are in trec_eval order', () => {
    const text = formatRun(new Map([['7', [{ docid: 'b', score: 0.9 }, { docid: 'a', score: 0.9 }, { docid: 'c', score: 1e-7 }]]]), 'run');
    expect(text).toBe('7 Q0 b 1 0.9 run\n7 Q0 a 2 0.9 run\n7 Q0 c 3 1e-7 run\n');
  });

  it('refuses what trec_eval would read differently or not at all', () => {
    expect(() => formatRun({ q: [{ docid: 'a', score: 1 }, { docid: 'b', score: 2 }] }, 't')).toThrow(/ranked above/);
    // a tie must be in descending docid order, else trec_eval swaps it
    expect(() => formatRun({ q: [{ docid: 'a', score: 1 }, { docid: 'b', score: 1 }] }, 't')).toThrow(/ranked above/);
    expect(() => formatRun({ q: ['a', 'a'] }, 't')).toThrow(/duplicate/);
    expect(() => formatRun({ q: ['a b'] }, 't')).toThrow(RangeError);
    expect(() => formatRun({ q: ['a'] }, 'my tag')).toThrow(RangeError);
    expect(() => formatRun({ '': ['a'] }, 't')).toThrow(RangeError);
    expect(() => formatRun({ q: [{ docid: 'a', score: Number.NaN }] }, 't')).toThrow(/finite/);
  });
});

describe('parseRun', () => {
  it('round-trips ranked ids', () => {
    const rankings = new Map([
      ['q1', ['d9', 'd2', 'd10', 'd1']],
      ['q2', ['z']],
      ['301', ['FBIS3-10082', 'LA010189-0001']],
    ]);
    const parsed = parseRun(formatRun(rankings, 'bm25'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.tags).toEqual(['bm25']);
    expect(runRankings(parsed.run)).toEqual(rankings);
    expect(parsed.run.get('q1')?.[2]).toEqual({ docid: 'd10', rank: 3, score: 2 });
  });

  it('orders by score, ties by docid descending, ignoring the rank column', () => {
    const text = ['q 0 a 1 0.5 t', 'q Q0 b 2 0.5 t', 'q Q0 c 3 0.7 t', '', 'q Q0 d 4 -1.5e2 t'].join('\r\n');
    const { run, errors } = parseRun(text);
    expect(errors).toEqual([]);
    expect(runRankings(run).get('q')).toEqual(['c', 'b', 'a', 'd']);
    expect(compareTrec({ docid: 'a', score: 1 }, { docid: 'b', score: 1 })).toBeGreaterThan(0);
  });

  it('reports bad lines with their numbers and keeps the good ones', () => {
    const text = [
      'q Q0 a 1 1.0 t', // 1
      'q Q0 b 2 t', // 2: 5 fields
      'q Q0 c two 0.5 t', // 3: rank
      'q Q0 d 4 NaN t', // 4: score
      '   ', // 5: blank, skipped
      'q Q0 a 5 0.1 t', // 6: duplicate
      'q Q0 e 6 0.05 t2', // 7: fine, second tag
    ].join('\n');
    const { run, tags, errors } = parseRun(text);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 6]);
    expect(errors[0]?.reason).toMatch(/6 fields/);
    expect(errors[1]?.reason).toMatch(/rank/);
    expect(errors[2]?.reason).toMatch(/score/);
    expect(errors[3]?.reason).toMatch(/duplicate/);
    expect(errors[0]?.text).toBe('q Q0 b 2 t');
    expect(runRankings(run).get('q')).toEqual(['a', 'e']);
    expect(tags).toEqual(['t', 't2']);
  });
});

describe('qrels', () => {
  it('round-trip', () => {
    const qrels = new Map([
      ['q1', new Map([['d1', 2], ['d2', 0]])],
      ['q2', new Map([['x', 1]])],
    ]);
    const text = formatQrels(qrels);
    expect(text).toBe('q1 0 d1 2\nq1 0 d2 0\nq2 0 x 1\n');
    const parsed = parseQrels(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.qrels).toEqual(qrels);
    expect(formatQrels({ q: { a: 3 } })).toBe('q 0 a 3\n');
    expect(() => formatQrels({ q: { a: 1.5 } })).toThrow(RangeError);
  });

  it('reports bad lines with their numbers', () => {
    const text = ['q 0 a 1', 'q 0 b', 'q 0 c 1.5', 'q 0 d -2', 'q 0 a 0', 'q 0 e 3 extra', 'q 0 f +1'].join('\n');
    const { qrels, errors } = parseQrels(text);
    expect(errors.map((e) => [e.line, e.reason.split(' ')[0]])).toEqual([
      [2, 'expected'],
      [3, 'relevance'],
      [4, 'negative'],
      [5, 'duplicate'],
      [6, 'expected'],
    ]);
    expect(qrels.get('q')).toEqual(new Map([['a', 1], ['f', 1]]));
  });

  it('negative grades can be read as judged non-relevant, as trec_eval does', () => {
    const { qrels, errors } = parseQrels('q 0 d -2\nq 0 e -0\n', { negative: 'zero' });
    expect(errors).toEqual([]);
    expect(qrels.get('q')).toEqual(new Map([['d', 0], ['e', 0]]));
    expect(Object.is(qrels.get('q')?.get('e'), 0)).toBe(true);
  });

  it('parsed files feed evaluateRun', () => {
    const { qrels } = parseQrels('q1 0 a 1\nq1 0 b 0\nq2 0 c 0\n');
    const { run } = parseRun('q1 Q0 b 1 2 t\nq1 Q0 a 2 1 t\n');
    const ev = evaluateRun(runRankings(run), qrels, [1, 2]);
    expect(ev.means.mrr).toBe(1 / 2);
    expect(ev.noRelevant.ids).toEqual(['q2']);
  });
});
