import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_TIMEOUT_MS, tempRoot, type TempRoot } from '../../lib/test-run';
import type { QaRecord } from '../memory/types';
import rag, { createRagSuite } from './index';

const SAMPLE = fileURLToPath(new URL('../../../datasets/rag-sample.jsonl', import.meta.url));
const offline = createRagSuite({ env: {} }); // no JUDGE_*: the scripted simulator, whatever the machine's environment

describe('rag suite end to end (sample records, scripted judge, real embedder)', () => {
  let t: TempRoot;
  beforeAll(async () => {
    t = await tempRoot('rag');
  });
  afterAll(async () => t?.cleanup());

  it('writes every report file with all five metrics, rows, categories and the offline notice', async () => {
    const r = await t.run(offline, { records: SAMPLE, concurrency: 2, bootstrapIterations: 500 });
    expect(r.output).not.toMatch(/suite failed/);
    expect(r.exitCode).toBe(0);
    const dir = r.dir as string;
    for (const f of ['report.json', 'rows.csv', 'summary.md', 'junit.xml']) expect(existsSync(path.join(dir, f))).toBe(true);
    const rep = r.report!;
    expect(rep.rows).toHaveLength(12);
    expect(rep.errors).toEqual([]);

    // semantic similarity is real: a cosine in (0, 1] for every record with a reference
    const sims = rep.rows.filter((row) => row.case !== 'r10').map((row) => row.semantic_similarity as number);
    expect(sims).toHaveLength(11);
    for (const s of sims) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThanOrEqual(1);
    }
    expect(rep.rows.find((row) => row.case === 'r10')).toMatchObject({ semantic_similarity: null, semantic_similarity_not_computed: 'no reference' });

    // the scripted verdicts are deterministic: r01's answer and reference occur in its top context
    expect(rep.rows.find((row) => row.case === 'r01')).toMatchObject({ faithfulness: 1, context_recall: 1, claims: 1, supported_claims: 1 });
    expect(rep.rows.find((row) => row.case === 'r02')?.context_precision).toBeCloseTo(0.5, 9); // useful context ranked second
    expect(rep.rows.find((row) => row.case === 'r12')).toMatchObject({ contexts: 0, faithfulness: null, faithfulness_not_computed: 'no retrieved contexts' });
    expect(rep.rows.find((row) => row.case === 'r11')).toMatchObject({ answer_relevancy: 0, faithfulness_not_computed: 'no claims in the answer' });

    for (const name of ['faithfulness', 'answer_relevancy', 'context_precision', 'context_recall', 'semantic_similarity']) {
      const m = rep.metrics[name];
      expect(m?.value, name).not.toBeNull();
      expect(m?.ci, name).toBeDefined();
      expect(rep.metrics[`${name}_errors`]?.value, name).toBe(0);
      const values = rep.rows.map((row) => row[name]).filter((x): x is number => typeof x === 'number');
      expect(m?.n, name).toBe(values.length);
      expect(m?.value, name).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 12);
    }
    expect(rep.metrics.faithfulness?.n).toBe(9); // 2 without claims, 1 without contexts
    expect(rep.metrics.faithfulness?.definition).toMatch(/OFFLINE: scripted-simulator verdicts, not a judgement of quality/);
    expect(rep.metrics.semantic_similarity?.definition).not.toMatch(/OFFLINE/);

    expect(rep.meta.config).toMatchObject({
      judge: { kind: 'scripted-simulator', note: expect.stringMatching(/NOT a judgement of quality/) },
      prompts: { statements: expect.stringMatching(/^ragas-statements@v1#/), nli: expect.stringMatching(/^ragas-nli@v1#/) },
    });
    expect(rep.meta.dataset).toMatchObject({ id: 'rag-sample', contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const cats = Object.entries(rep.tables ?? {}).find(([n]) => n.startsWith('by category'))?.[1];
    expect(cats?.rows.map((row) => [row[0], row[1]])).toEqual([['multi-session', 2], ['no-answer', 2], ['single-hop', 5], ['temporal-update', 3]]);

    const summary = readFileSync(path.join(dir, 'summary.md'), 'utf8');
    expect(summary).toContain('NOT a judgement of quality');
    expect(readFileSync(path.join(dir, 'rows.csv'), 'utf8').split('\n')[0]).toMatch(/^case,category,question,contexts,faithfulness,answer_relevancy/);
    expect(readFileSync(path.join(dir, 'junit.xml'), 'utf8')).toContain('name="r12"');
  }, E2E_TIMEOUT_MS);

  it('scores the memory suite’s answers when no records file is given (questions with a reference only)', async () => {
    const qa = (id: string, reference: string | null, error?: string): QaRecord => ({
      questionId: id,
      conversationId: 'c1',
      category: 'single-hop',
      question: 'What is my cat called?',
      reference,
      evidence: [],
      stale: [],
      evidenceTexts: [],
      answer: 'Your cat is called Biscuit.',
      retrieved: [],
      contexts: ['Your cat is called Biscuit.'],
      ...(error ? { error } : {}),
    });
    const calls: unknown[] = [];
    const suite = createRagSuite({
      env: {},
      answerMemoryQuestions: async (_ctx, opts) => {
        calls.push(opts);
        return [qa('q1', 'Your cat is called Biscuit.'), qa('q2', null), qa('q3', 'x', 'chat request failed')];
      },
    });
    const r = await t.run(suite, { bootstrapIterations: 200 });
    expect(r.exitCode).toBe(0);
    expect(calls).toEqual([{ dataset: 'memocha:datasets/memory-dev.jsonl', quick: true, seed: 42 }]);
    const rep = r.report!;
    expect(rep.rows.map((row) => row.case)).toEqual(['q1']);
    expect(rep.rows[0]).toMatchObject({ faithfulness: 1, context_precision: 0.9999999999, context_recall: 1 });
    expect(rep.errors.map((e) => e.message)).toEqual([expect.stringMatching(/memory question failed, not scored: chat request failed/)]);
  }, E2E_TIMEOUT_MS);

  it('is the registered default export, and refuses an invalid records file before scoring (exit 2)', async () => {
    expect(rag.name).toBe('rag');
    const bad = path.join(t.root, 'bad.jsonl');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(bad, '{"user_input":"q","response":"a","retrieved_contexts":["c"]}\n{"question":"q2","retrieved_contexts":"not a list"}\n{"question":"q3","contexts":[]}\n');
    const r = await t.run(offline, { records: bad });
    expect(r.exitCode).toBe(2);
    expect(r.output).toMatch(/bad\.jsonl:2: retrieved_contexts: .*expected array/);
    expect(r.output).toMatch(/bad\.jsonl:3: response: response \(or answer\) is required/);
    expect(r.report?.rows).toEqual([]);
  }, E2E_TIMEOUT_MS);
});
