import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answerRelevancy, contextPrecision, contextRecall, cosine, faithfulness, semanticSimilarity } from './rag';

describe('faithfulness', () => {
  it('is supported claims / claims, null without claims', () => {
    expect(faithfulness([1, 1, 0, 1])).toBe(0.75);
    expect(faithfulness([true, false, false])).toBeCloseTo(1 / 3, 15);
    expect(faithfulness([0, 0])).toBe(0);
    expect(faithfulness([])).toBeNull();
  });

  it('reproduces the RAGAS docs example (faithfulness.md, "How It’s Calculated": 1 of 2 statements → 0.5)', () => {
    // "Einstein was born in Germany." Yes; "Einstein was born on 20th March 1879." No
    expect(faithfulness([1, 0])).toBe(0.5);
  });
});

describe('contextPrecision', () => {
  it('averages precision@i over the useful ranks, with RAGAS’s 1e-10 in the denominator', () => {
    // v = [1, 0, 1]: (1/1·1 + 1/2·0 + 2/3·1) / (2 + 1e-10) = (5/3) / 2
    expect(contextPrecision([1, 0, 1])).toBeCloseTo(5 / 6, 9);
    expect(contextPrecision([1, 0, 1])).toBeLessThan(5 / 6);
    // v = [0, 1, 1]: (1/2 + 2/3) / 2 = 7/12
    expect(contextPrecision([0, 1, 1])).toBeCloseTo(7 / 12, 9);
    expect(contextPrecision([1, 1])).toBeCloseTo(1, 9);
    // nothing useful: 0 / 1e-10 = 0, not 0/0
    expect(contextPrecision([0, 0, 0])).toBe(0);
    expect(contextPrecision([])).toBeNull();
  });

  it('reproduces the RAGAS docs example (concepts/metrics/context_precision.md, "low context precision": v = [0, 1] → 0.5)', () => {
    expect(contextPrecision([0, 1])).toBeCloseTo(0.5, 9);
    expect(contextPrecision([0, 1])).toBe(0.5 / (1 + 1e-10));
  });

  it('rewards ranking the useful context first', () => {
    expect(contextPrecision([1, 0])!).toBeGreaterThan(contextPrecision([0, 1])!);
  });
});

describe('contextRecall', () => {
  it('is attributable statements / reference statements, null without statements', () => {
    expect(contextRecall([1, 1, 1, 0])).toBe(0.75);
    expect(contextRecall([])).toBeNull();
  });

  it('reproduces the RAGAS docs example (concepts/metrics/context_recall.md, "low context recall": 1 of 2 → 0.5)', () => {
    expect(contextRecall([1, 0])).toBe(0.5);
  });
});

describe('cosine, answerRelevancy, semanticSimilarity', () => {
  it('computes cosine over unnormalised vectors', () => {
    expect(cosine([1, 0], [0, 3])).toBe(0);
    expect(cosine([2, 0], [5, 0])).toBe(1);
    expect(cosine([1, 1], [1, 0])).toBeCloseTo(Math.SQRT1_2, 15);
    expect(cosine([1, 0], [-1, 0])).toBe(-1);
    expect(() => cosine([1], [1, 2])).toThrow(RangeError);
    expect(Number.isNaN(cosine([0, 0], [1, 0]))).toBe(true);
    // equal float32 vectors: exactly 1, never 1 + rounding
    const v = Float32Array.from([0.533, 0.219, 0.047, 0.679]); // unclamped: 1.0000000000000002
    expect(cosine(v, Float32Array.from(v))).toBe(1);
  });

  it('answer relevancy is the mean cosine, zeroed when every generation is non-committal (RAGAS collections)', () => {
    const q = [1, 0];
    const gens = [[1, 0], [1, 1], [0, 1]];
    const meanCos = (1 + Math.SQRT1_2 + 0) / 3;
    expect(answerRelevancy(q, gens, [0, 0, 0])).toBeCloseTo(meanCos, 15);
    expect(answerRelevancy(q, gens, [1, 0, 0])).toBeCloseTo(meanCos, 15);
    expect(answerRelevancy(q, gens, [1, 1, 1])).toBe(0);
    expect(answerRelevancy(q, [], [])).toBeNull();
    expect(() => answerRelevancy(q, gens, [0])).toThrow(RangeError);
  });

  it('with rule "any", one non-committal generation zeroes the score (RAGAS legacy _answer_relevance.py)', () => {
    expect(answerRelevancy([1, 0], [[1, 0], [1, 1]], [0, 1], 'any')).toBe(0);
    expect(answerRelevancy([1, 0], [[1, 0], [1, 1]], [0, 0], 'any')).toBeCloseTo((1 + Math.SQRT1_2) / 2, 15);
  });

  it('semantic similarity is the cosine, null for a zero vector', () => {
    expect(semanticSimilarity([3, 4], [4, 3])).toBeCloseTo(24 / 25, 15);
    expect(semanticSimilarity(new Float32Array([0, 0]), new Float32Array([1, 0]))).toBeNull();
  });
});

interface Fixture {
  verdicts: { verdicts: (0 | 1)[]; contextPrecision: number | null; faithfulness: number | null; contextRecall: number | null }[];
  answerRelevancy: { question: number[]; generated: number[][]; noncommittal: (0 | 1)[]; all: number | null; any: number | null }[];
  semanticSimilarity: { reference: number[]; answer: number[]; value: number | null }[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/rag-reference.json', import.meta.url), 'utf8')) as Fixture;

const close = (actual: number | null, expected: number | null) => {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs((actual ?? Number.NaN) - expected)).toBeLessThan(1e-9);
};

describe('RAGAS reference values (fixtures/make_rag_fixtures.py: RAGAS’s formulas in numpy)', () => {
  it('has enough cases, including edge cases', () => {
    expect(fixture.verdicts.length).toBeGreaterThanOrEqual(30);
    expect(fixture.answerRelevancy.some((c) => c.all === 0)).toBe(true);
    expect(fixture.answerRelevancy.some((c) => c.any === 0 && c.all !== 0)).toBe(true);
  });

  it.each(fixture.verdicts.map((c, i) => [i, c] as const))('verdict case %i', (_, c) => {
    close(contextPrecision(c.verdicts), c.contextPrecision);
    close(faithfulness(c.verdicts), c.faithfulness);
    close(contextRecall(c.verdicts), c.contextRecall);
  });

  it.each(fixture.answerRelevancy.map((c, i) => [i, c] as const))('answer relevancy case %i', (_, c) => {
    close(answerRelevancy(c.question, c.generated, c.noncommittal, 'all'), c.all);
    close(answerRelevancy(c.question, c.generated, c.noncommittal, 'any'), c.any);
  });

  it.each(fixture.semanticSimilarity.map((c, i) => [i, c] as const))('semantic similarity case %i', (_, c) => {
    close(semanticSimilarity(c.reference, c.answer), c.value);
  });
});
