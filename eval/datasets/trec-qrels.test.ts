import { describe, expect, it } from 'vitest';
import { formatQrels, parseQrels } from './trec-qrels';
import { DatasetError } from './types';

describe('parseQrels', () => {
  it('reads TREC qrels', () => {
    const q = parseQrels('301 0 FBIS3-10082 1\n301  0 FBIS3-10169 0\n\n302 Q0 LA-1 2\n401 0 spam -1\n');
    expect(q).toEqual(
      new Map([
        ['301', new Map([['FBIS3-10082', 1], ['FBIS3-10169', 0]])],
        ['302', new Map([['LA-1', 2]])],
        ['401', new Map([['spam', -1]])],
      ]),
    );
  });

  it('reads BEIR TSV with its header, and ids with spaces when tab-separated', () => {
    const q = parseQrels('query-id\tcorpus-id\tscore\nq1\tdoc 1\t2\nq1\td2\t0\n');
    expect(q).toEqual(new Map([['q1', new Map([['doc 1', 2], ['d2', 0]])]]));
  });

  it('reports bad lines and conflicting duplicates with line numbers', () => {
    let err: unknown;
    try {
      parseQrels('q1 0 d1 1\nq1 0 d1 1\nq1 d1\nq1 0 d2 high\nq1 0 d1 2\n', 'x.qrels');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).problems).toEqual([
      expect.stringMatching(/^x.qrels:3: expected/),
      expect.stringMatching(/^x.qrels:4: expected/),
      'x.qrels:5: q1 d1 judged 1 before and 2 now',
    ]);
  });

  it('round-trips through formatQrels', () => {
    const text = 'a 0 d1 3\na 0 d2 0\nb 0 d1 1\n';
    expect(formatQrels(parseQrels(text))).toBe(text);
    expect(formatQrels(new Map())).toBe('');
  });
});
