import { describe, expect, it } from 'vitest';
import { memochaKind, parseMemochaMemory, parseMemochaRetrieval } from './memocha-jsonl';
import type { MemochaConversationLine, MemochaMemoryHeader, MemochaRetrievalLine } from './memocha-jsonl';
import { DatasetError } from './types';

const header: MemochaMemoryHeader = { format: 'memocha-memory', schemaVersion: 1, id: 'tiny', source: 'test', license: 'Apache-2.0' };

function conversation(over: Partial<MemochaConversationLine> = {}): MemochaConversationLine {
  return {
    id: 'c1',
    userId: 'u1',
    sessions: [
      {
        id: 's1',
        date: '2024-03-01T09:00:00Z',
        turns: [
          { id: 'D1:1', role: 'user', text: 'I live in Leeds.' },
          { id: 'D1:2', role: 'assistant', text: 'Noted!' },
        ],
      },
      {
        id: 's2',
        date: '2024-03-09T18:30:00+01:00',
        turns: [
          { id: 'D2:1', role: 'user', text: 'We moved to York.', speaker: 'Ana' },
          { id: 'D2:2', role: 'assistant', text: 'Congratulations!' },
        ],
      },
    ],
    questions: [
      { id: 'q1', question: 'Where do I live?', answer: 'York', category: 'temporal-update', evidence: ['D2:1'], stale: ['D1:1'], askedAt: '2024-03-10T10:00:00Z' },
      { id: 'q2', question: 'What is my dog called?', answer: null, category: 'no-answer', evidence: [] },
    ],
    ...over,
  };
}

const jsonl = (...lines: unknown[]): string => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof DatasetError) return err.problems;
    throw err;
  }
  throw new Error('expected a DatasetError');
}

describe('memocha memory JSONL', () => {
  it('loads conversations, dates and questions', () => {
    const ds = parseMemochaMemory(jsonl(header, conversation()), 'tiny.jsonl');
    expect(ds).toMatchObject({ id: 'tiny', format: 'memocha', schemaVersion: 1, source: 'test (Apache-2.0)' });
    const c = ds.conversations[0]!;
    expect(c.sessions[1]!.date.toISOString()).toBe('2024-03-09T17:30:00.000Z');
    expect(c.sessions[1]!.turns[0]).toEqual({ id: 'D2:1', role: 'user', text: 'We moved to York.', speaker: 'Ana' });
    expect(c.sessions[0]!.turns[1]!.speaker).toBe('assistant');
    expect(ds.questions[0]).toMatchObject({ conversationId: 'c1', stale: ['D1:1'], evidence: ['D2:1'] });
    expect(ds.questions[0]!.askedAt?.toISOString()).toBe('2024-03-10T10:00:00.000Z');
    expect(ds.stats).toMatchObject({ conversations: 1, sessions: 2, turns: 4, questions: 2, unresolvedEvidence: 0, byCategory: { 'temporal-update': 1, 'no-answer': 1 } });
  });

  it('reports bad lines with their line numbers', () => {
    const text = [
      JSON.stringify(header),
      '{not json',
      JSON.stringify(conversation({ id: 'c2', userId: '' })),
      JSON.stringify(conversation({ id: 'c3', questions: [{ id: 'q9', question: '?', answer: 'x', category: 'single-hop', evidence: ['D7:7'] }] })),
      JSON.stringify(conversation({ id: 'c3', questions: [] })),
    ].join('\n');
    const problems = problemsOf(() => parseMemochaMemory(text, 'bad.jsonl'));
    expect(problems).toEqual([
      expect.stringMatching(/^bad.jsonl:2: not JSON/),
      expect.stringMatching(/^bad.jsonl:3: userId: /),
      'bad.jsonl:4: question q9: evidence D7:7 names no turn of conversation c3',
      'bad.jsonl:5: duplicate conversation id c3',
    ]);
  });

  it('checks ids, chronology and stale evidence', () => {
    const c = conversation();
    const [s1, s2] = c.sessions;
    const swapped = conversation({ id: 'c2', sessions: [s2!, s1!], questions: [] });
    const doubled = conversation({
      id: 'c3',
      questions: [
        { id: 'q1', question: 'a', answer: 'b', category: 'x', evidence: ['D1:1'], stale: ['D1:1'] },
        { id: 'q1', question: 'a', answer: 'b', category: 'x', evidence: [] },
      ],
    });
    const problems = problemsOf(() => parseMemochaMemory(jsonl(header, swapped, doubled), 'f'));
    expect(problems).toEqual(['f:2: session s1 is not later than the session before it', 'f:3: question q1: D1:1 is both evidence and stale', 'f:3: duplicate question id q1']);
  });

  it('requires a header of a supported version, and no unknown fields', () => {
    expect(problemsOf(() => parseMemochaMemory(jsonl(conversation()), 'f'))[0]).toMatch(/^f:1: /);
    expect(problemsOf(() => parseMemochaMemory(jsonl({ ...header, schemaVersion: 2 }), 'f'))).toEqual(['f:1: schemaVersion 2 is not supported (this loader reads 1)']);
    expect(problemsOf(() => parseMemochaMemory('\n' + jsonl(header), 'f'))[0]).toMatch(/^f:1: expected the header line/);
    expect(problemsOf(() => parseMemochaMemory(jsonl(header, { ...conversation(), extra: 1 }), 'f'))[0]).toMatch(/^f:2: .*extra/);
    expect(problemsOf(() => parseMemochaMemory(jsonl(header, conversation({ sessions: [{ id: 's', date: '3 May', turns: [] }] })), 'f'))[0]).toMatch(/^f:2: sessions.0.date/);
  });
});

describe('memocha retrieval JSONL', () => {
  const rheader = { format: 'memocha-retrieval', schemaVersion: 1, id: 'r', source: 'test', license: 'Apache-2.0' };
  const lines: MemochaRetrievalLine[] = [
    { type: 'doc', id: 'd1', title: 'Kettles', text: 'Descale a kettle with citric acid.' },
    { type: 'query', id: 'q1', text: 'how to descale a kettle', judgments: { d1: 3, d2: 0 } },
    { type: 'doc', id: 'd2', text: 'Bread needs time.' },
  ];

  it('loads docs, queries and graded judgments in any order', () => {
    const ds = parseMemochaRetrieval(jsonl(rheader, ...lines), 'r.jsonl');
    expect(ds.corpus).toEqual([
      { id: 'd1', title: 'Kettles', text: 'Descale a kettle with citric acid.' },
      { id: 'd2', text: 'Bread needs time.' },
    ]);
    expect(ds.queries).toEqual([{ id: 'q1', text: 'how to descale a kettle' }]);
    expect(ds.qrels.get('q1')).toEqual(new Map([['d1', 3], ['d2', 0]]));
    expect(ds.stats).toEqual({ docs: 2, queries: 1, judgments: 2, unknownDocs: 0, unknownQueries: 0 });
  });

  it('rejects unknown docs, bad grades and duplicates', () => {
    const bad = [
      ...lines,
      { type: 'query', id: 'q1', text: 'again', judgments: { d9: 1 } },
      { type: 'query', id: 'q2', text: 'x', judgments: { d1: 4 } },
      { type: 'doc', id: 'd1', text: 'again' },
      { type: 'passage', id: 'p', text: 'x' },
    ];
    const problems = problemsOf(() => parseMemochaRetrieval(jsonl(rheader, ...bad), 'r'));
    expect(problems).toEqual([
      'r:5: duplicate query id q1',
      expect.stringMatching(/^r:6: judgments.d1: /),
      'r:7: duplicate doc id d1',
      expect.stringMatching(/^r:8: type: /),
      'r:5: query q1 judges unknown doc d9',
    ]);
  });
});

describe('memochaKind', () => {
  it('reads the header format', () => {
    expect(memochaKind(jsonl(header))).toBe('memory');
    expect(memochaKind('{"format":"memocha-retrieval"}')).toBe('retrieval');
    expect(memochaKind('{"_id":"1"}\n')).toBeUndefined();
    expect(memochaKind('[')).toBeUndefined();
  });
});
