import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../report/schema';
import { recordSource } from './config';
import rag from './index';
import { parseRagJsonl, RagRecordsError } from './records';

// the config as the harness resolves it: defaults ← --config file, validated
const readRagConfig = (raw: JsonValue) => rag.resolveConfig(raw, false).value;

describe('parseRagJsonl', () => {
  it('reads RAGAS field names and the older ones, with defaults for id, category and reference', () => {
    const text = [
      '{"user_input":"q1","response":"a1","retrieved_contexts":["c1","c2"],"reference":"r1","category":"x","reference_contexts":["ignored"]}',
      '',
      '{"id":7,"question":"q2","answer":"a2","contexts":[],"ground_truth":null}',
      '{"question":"q3","answer":"a3","contexts":["c"]}',
    ].join('\n');
    expect(parseRagJsonl(text, 'f.jsonl')).toEqual([
      { id: 'line-1', category: 'x', question: 'q1', answer: 'a1', contexts: ['c1', 'c2'], reference: 'r1' },
      { id: '7', category: 'uncategorised', question: 'q2', answer: 'a2', contexts: [], reference: null },
      { id: 'line-4', category: 'uncategorised', question: 'q3', answer: 'a3', contexts: ['c'], reference: null },
    ]);
  });

  it('reports every problem with its line number and accepts nothing from a bad file', () => {
    const text = [
      '{"user_input":"q","response":"a","retrieved_contexts":["c"]}',
      'not json',
      '{"user_input":"q","question":"q","response":"a","retrieved_contexts":["c"]}',
      '{"user_input":" ","response":"a","contexts":[1]}',
      '{"id":"line-1","user_input":"q","response":"a","retrieved_contexts":[]}',
    ].join('\n');
    let err: unknown;
    try {
      parseRagJsonl(text, 'f.jsonl');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RagRecordsError);
    const problems = (err as RagRecordsError).problems;
    expect(problems).toEqual([
      expect.stringMatching(/^f\.jsonl:2: not JSON/),
      'f.jsonl:3: question: give user_input or question, not both',
      expect.stringMatching(/^f\.jsonl:4: contexts\.0: /),
      'f.jsonl:5: id: duplicate id "line-1"',
    ]);
    expect(() => parseRagJsonl('\n\n', 'empty.jsonl')).toThrow(/empty\.jsonl: no records/);
  });
});

describe('recordSource and readRagConfig', () => {
  const cfg = readRagConfig({});
  it('takes rag:<path> or config records as a JSONL file, anything else as the memory dataset', () => {
    expect(recordSource('rag:datasets/rag-sample.jsonl', cfg)).toEqual({ kind: 'jsonl', path: 'datasets/rag-sample.jsonl' });
    expect(recordSource(undefined, readRagConfig({ records: 'x.jsonl' }))).toEqual({ kind: 'jsonl', path: 'x.jsonl' });
    expect(recordSource(undefined, cfg)).toEqual({ kind: 'memory', dataset: 'memocha:datasets/memory-dev.jsonl' });
    expect(recordSource('memocha:datasets/memory-gate.jsonl', cfg)).toEqual({ kind: 'memory', dataset: 'memocha:datasets/memory-gate.jsonl' });
    expect(() => recordSource('rag:', cfg)).toThrow(/needs a path/);
    expect(() => recordSource('rag:a.jsonl', readRagConfig({ records: 'b.jsonl' }))).toThrow(/disagree/);
  });

  it('fills defaults and rejects unknown keys', () => {
    expect(cfg).toMatchObject({ embedder: 'use-lite', strictness: 3, noncommittalRule: 'all', maxAttempts: 3 });
    expect(() => readRagConfig({ strictnes: 3 })).toThrow(/rag --config/);
  });
});
