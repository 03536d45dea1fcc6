import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_JUDGE_DATASET, JudgeDatasetError, loadJudgeDataset, parseJudgeDataset, QUALITIES } from './dataset';

const HEADER = '{"format":"memocha-judge","schemaVersion":1,"id":"t","source":"s","license":"Apache-2.0"}';
const item = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, question: 'Q?', paraphrases: ['P?'], reference: 'R', candidates: [{ id: 'correct', quality: 'correct', text: 'a' }, { id: 'wrong', quality: 'wrong', text: 'b' }], ...extra });

describe('datasets/judge-dev.jsonl', () => {
  it('loads and keeps the promises of datasets/README.md', async () => {
    const d = await loadJudgeDataset(DEFAULT_JUDGE_DATASET);
    expect(d.id).toBe('judge-dev');
    expect(d.items).toHaveLength(24);
    expect(d.info.contentHash).toMatch(/^[0-9a-f]{64}$/);
    for (const i of d.items) {
      expect(i.paraphrases.length, i.id).toBeGreaterThanOrEqual(2);
      expect(i.paraphrases.length, i.id).toBeLessThanOrEqual(3);
      expect(i.candidates.length, i.id).toBeGreaterThanOrEqual(2);
      expect(i.candidates.length, i.id).toBeLessThanOrEqual(4);
      expect(i.candidates.filter((c) => c.quality === 'correct'), i.id).toHaveLength(1);
      expect(new Set(i.candidates.map((c) => c.quality)).size, `${i.id}: one candidate per quality`).toBe(i.candidates.length);
    }
    const count = (q: string) => d.items.flatMap((i) => i.candidates).filter((c) => c.quality === q).length;
    const readme = readFileSync('datasets/README.md', 'utf8');
    const row = `| \`judge-dev.jsonl\` | ${d.items.length} | ${d.items.reduce((s, i) => s + i.paraphrases.length, 0)} | ${d.items.reduce((s, i) => s + i.candidates.length, 0)} | ${QUALITIES.map(count).join(' | ')} |`;
    expect(readme).toContain(row);
  });
});

describe('parseJudgeDataset', () => {
  it('reports every problem with its line', () => {
    const text = [
      HEADER,
      item('a'),
      item('a'),
      item('b', { candidates: [{ id: 'x', quality: 'great', text: 'a' }, { id: 'y', quality: 'wrong', text: 'b' }] }),
      item('c', { paraphrases: ['Q?'] }),
      'not json',
    ].join('\n');
    let problems: string[] = [];
    try {
      parseJudgeDataset(text, 'f.jsonl');
    } catch (err) {
      expect(err).toBeInstanceOf(JudgeDatasetError);
      problems = (err as JudgeDatasetError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^f\.jsonl:6: not JSON/),
      'f.jsonl:3: duplicate item id "a" (first on line 2)',
      expect.stringMatching(/^f\.jsonl:4: candidates\.0\.quality: /),
      'f.jsonl:5: paraphrases: paraphrases must differ from the question and from each other',
    ]);
  });

  it('refuses another schema version', () => {
    expect(() => parseJudgeDataset(HEADER.replace('"schemaVersion":1', '"schemaVersion":2'), 'f')).toThrow(/schemaVersion 2 is not supported/);
  });
});
