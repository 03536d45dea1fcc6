import { describe, expect, it } from 'vitest';
import { checkJudgments, evaluateConfig, measures } from './evaluate';
import type { JsonValue } from '../../report/schema';
import { DEFAULT_CONFIGS, describeConfig, retrievalOptions, toRetrievalConfig } from './config';
import retrieval from './index';
import { docText } from './pipeline';

// the config as the harness resolves it (defaults ← quick ← --config file, validated), then as the run uses it
const readRetrievalConfig = (raw: JsonValue, quick: boolean, seed: number) => retrievalOptions(retrieval.resolveConfig(raw, quick).value, quick, seed);

describe('evaluateConfig', () => {
  // q1 judges a: 3, b: 1, c: 0 and retrieves c, a, b; q2 judges x: 0 only (no relevant doc)
  const qrels = new Map([
    ['q1', new Map([['a', 3], ['b', 1], ['c', 0]])],
    ['q2', new Map([['x', 0]])],
  ]);
  const run = new Map([
    ['q1', ['c', 'a', 'b']],
    ['q2', ['x']],
  ]);
  const e = evaluateConfig(run, qrels, [1, 3], 3);

  it('scores each judged query with hand-computed values', () => {
    expect(e.qids).toEqual(['q1']);
    const v = e.byQuery.get('q1')!;
    expect(v['p@1']).toBe(0);
    expect(v['p@3']).toBeCloseTo(2 / 3, 12);
    expect(v['r@1']).toBe(0);
    expect(v['r@3']).toBe(1);
    expect(v['hit@1']).toBe(0);
    expect(v['hit@3']).toBe(1);
    expect(v['recall_all@1']).toBe(0);
    expect(v['recall_all@3']).toBe(1);
    expect(v.mrr).toBe(0.5);
    expect(v.map).toBeCloseTo((1 / 2 + 2 / 3) / 2, 12); // 7/12
    expect(v['ndcg@1']).toBe(0);
    // DCG = 3/log2(3) + 1/log2(4) = 2.392789; IDCG = 3 + 1/log2(3) = 3.630930
    expect(v['ndcg@3']).toBeCloseTo((3 / Math.log2(3) + 0.5) / (3 + 1 / Math.log2(3)), 12);
    expect(v['ndcg@3']).toBeCloseTo(0.659, 3);
    // exponential: gains 7 and 1 → (7/log2(3) + 1/2) / (7 + 1/log2(3)) = 0.644287
    expect(v['ndcg_exp@3']).toBeCloseTo((7 / Math.log2(3) + 0.5) / (7 + 1 / Math.log2(3)), 12);
    expect(v['ndcg_exp@3']).toBeCloseTo(0.6443, 4);
  });

  it('reports the query without a relevant doc apart and aligns the per-measure vectors', () => {
    expect(e.linear.noRelevant).toEqual({ count: 1, ids: ['q2'] });
    expect(e.byQuery.has('q2')).toBe(false);
    for (const m of measures([1, 3], 3)) expect(e.values.get(m.key), m.key).toHaveLength(1);
    expect(e.values.get('mrr')).toEqual([0.5]);
  });

  it('names the measures in table order', () => {
    expect(measures([1, 10], 10).map((m) => m.key)).toEqual(['p@1', 'p@10', 'r@1', 'r@10', 'hit@1', 'hit@10', 'recall_all@1', 'recall_all@10', 'mrr', 'map', 'ndcg@1', 'ndcg@10', 'ndcg_exp@10']);
  });
});

describe('retrieval config', () => {
  it('fills the defaults and the quick variant', () => {
    const full = readRetrievalConfig({}, false, 42);
    expect(full.configs.map((c) => c.name)).toEqual(DEFAULT_CONFIGS.map((c) => c.name));
    expect(full).toMatchObject({ ks: [1, 3, 5, 10], depth: 10, mainK: 10, embedder: 'use-lite', store: 'pgvector', candidates: 30, queries: undefined });
    const quick = readRetrievalConfig({}, true, 42);
    expect(quick.configs.map((c) => c.name)).toEqual(['vector', 'hybrid']);
    expect(quick.queries).toBe(12);
    const own = readRetrievalConfig({ configs: [{ name: 'a' }, { name: 'b', hybrid: true }, { name: 'c' }], k: [5, 1, 5] }, true, 1);
    expect(own.configs.map((c) => c.name)).toEqual(['a', 'b']);
    expect(own).toMatchObject({ ks: [1, 5], depth: 5, mainK: 5 });
    expect(readRetrievalConfig({ k: 20 }, false, 1)).toMatchObject({ ks: [20], depth: 20, mainK: 20 });
  });

  it('refuses unknown keys, bad names and duplicates', () => {
    expect(() => readRetrievalConfig({ config: [] }, false, 1)).toThrow(/retrieval --config/);
    expect(() => readRetrievalConfig({ configs: [{ name: 'a b' }] }, false, 1)).toThrow(/configs\.0\.name/);
    expect(() => readRetrievalConfig({ configs: [{ name: 'a', mmr: 0.7 }] }, false, 1)).toThrow(/mmr/);
    expect(() => readRetrievalConfig({ configs: [{ name: 'a' }, { name: 'a' }] }, false, 1)).toThrow(/duplicate/);
    expect(() => readRetrievalConfig({ k: 0 }, false, 1)).toThrow(/k/);
  });

  it('maps a named config onto retrieveMemories options', () => {
    expect(toRetrievalConfig({ name: 'vector' }, 10, 30)).toEqual({ k: 10, candidates: 30, scope: 'user', dedupeWindow: false, hybrid: false });
    expect(toRetrievalConfig({ name: 'x', minScore: 0.3, hybrid: true, mmrLambda: 0.7, dedupeNear: 0.97, candidates: 5 }, 10, 30)).toEqual({
      k: 10,
      candidates: 10,
      scope: 'user',
      dedupeWindow: false,
      hybrid: true,
      minScore: 0.3,
      mmrLambda: 0.7,
      dedupeNear: 0.97,
    });
    expect(describeConfig({ name: 'x', minScore: 0.3, hybrid: true }, 30)).toBe('min score 0.3, hybrid (FTS + RRF k=60), 30 candidates');
  });

  it('indexes a doc as its title and text', () => {
    expect(docText({ id: 'd', title: 'Kettles', text: 'Descale them.' })).toBe('Kettles\nDescale them.');
    expect(docText({ id: 'd', title: ' ', text: 'Descale them.' })).toBe('Descale them.');
    expect(docText({ id: 'd', text: 'Descale them.' })).toBe('Descale them.');
  });
});

describe('negative grades (BEIR / TREC junk)', () => {
  it('score as judged not relevant, as trec_eval does, instead of throwing after the corpus was embedded', () => {
    const qrels = new Map([['q1', new Map([['a', 2], ['junk', -1], ['b', 0]])]]);
    expect(() => checkJudgments(qrels, [1, 3], 3)).not.toThrow();
    const e = evaluateConfig(new Map([['q1', ['junk', 'a', 'b']]]), qrels, [1, 3], 3);
    const v = e.byQuery.get('q1')!;
    expect(v['p@1']).toBe(0);
    expect(v['r@3']).toBe(1);
    expect(v.mrr).toBe(0.5);
    // DCG = 2/log2(3); IDCG = 2
    expect(v['ndcg@3']).toBeCloseTo(1 / Math.log2(3), 12);
    expect(v['ndcg_exp@3']).toBeCloseTo(1 / Math.log2(3), 12); // (2² − 1)/log2(3) / (2² − 1)
  });

  it('checkJudgments refuses a grade the metrics cannot read', () => {
    expect(() => checkJudgments(new Map([['q', new Map([['d', Number.NaN]])]]), [10], 10)).toThrow(RangeError);
  });
});
