import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { averagePrecision, hitRateAtK, ndcgAtK, precisionAtK, recallAllAtK, recallAtK, reciprocalRank } from '../../metrics/retrieval';
import { parseQrels, parseRun, runRankings } from '../../metrics/trec';
import { mean } from '../../metrics/stats';
import type { RunOutcome } from '../../harness/run';
import { tempRoot, type TempRoot } from '../../lib/test-run';
import retrieval, { datasetSpec, trecDirectory } from './index';

/** Six docs on unrelated topics: each judged query has one unambiguous answer. */
const TINY = [
  { format: 'memocha-retrieval', schemaVersion: 1, id: 'tiny', source: 'written for this test', license: 'Apache-2.0' },
  { type: 'doc', id: 'kettle', title: 'Descaling a kettle', text: 'Boil water with citric acid in the kettle to dissolve the limescale, then rinse it twice.' },
  { type: 'doc', id: 'sourdough', title: 'Feeding a sourdough starter', text: 'Discard most of the starter and feed it equal weights of flour and water every day.' },
  { type: 'doc', id: 'bike-chain', title: 'Oiling a bicycle chain', text: 'Wipe the bike chain clean, put one drop of chain oil on each link and wipe off the excess.' },
  { type: 'doc', id: 'dog-walk', title: 'Walking a puppy', text: 'A young dog needs several short walks a day; five minutes per month of age is a common rule.' },
  { type: 'doc', id: 'passport', title: 'Renewing a passport', text: 'Apply for a new passport at least three months before you travel abroad; you need a recent photo.' },
  { type: 'doc', id: 'tomatoes', title: 'Growing tomatoes', text: 'Tomato plants need full sun, regular watering and a stake or cage to hold up the fruit.' },
  { type: 'query', id: 'q-kettle', text: 'how do I remove limescale from my kettle', judgments: { kettle: 3, tomatoes: 0 } },
  { type: 'query', id: 'q-chain', text: 'what oil should I put on my bicycle chain', judgments: { 'bike-chain': 3, kettle: 0 } },
  { type: 'query', id: 'q-passport', text: 'when should I renew my passport before a trip', judgments: { passport: 3, 'dog-walk': 1 } },
  { type: 'query', id: 'q-none', text: 'what is the capital of Australia', judgments: { sourdough: 0 } },
];

const fields = (ks: number[]) => [...ks.flatMap((k) => [`p@${k}`, `r@${k}`, `hit@${k}`, `recall_all@${k}`, `ndcg@${k}`]), 'mrr', 'map', 'ndcg_exp@10'];

describe('retrieval suite helpers', () => {
  it('chooses the dataset: --dataset, then config, then the default found from the repo root', () => {
    expect(datasetSpec('beir:/x', 'memocha:y.jsonl')).toBe('beir:/x');
    expect(datasetSpec(undefined, 'memocha:y.jsonl')).toBe('memocha:y.jsonl');
    const def = datasetSpec(undefined, undefined);
    expect(def.startsWith('memocha:')).toBe(true);
    expect(existsSync(def.slice('memocha:'.length))).toBe(true);
  });

  it('puts the TREC files in trecDir, else --out, else a dated folder', () => {
    expect(trecDirectory('a', 'b')).toBe('a');
    expect(trecDirectory(undefined, 'b')).toBe('b');
    expect(trecDirectory(undefined, undefined, new Date('2025-01-02T03:04:05Z'))).toMatch(/retrieval-trec[/\\]20250102T030405-\d+$/);
  });
});

describe('retrieval suite end to end (use-lite, tiny corpus)', () => {
  let t: TempRoot;
  let r: RunOutcome & { output: string };
  beforeAll(async () => {
    t = await tempRoot('retrieval');
    const file = path.join(t.root, 'tiny.jsonl');
    await writeFile(file, `${TINY.map((l) => JSON.stringify(l)).join('\n')}\n`);
    r = await t.run(retrieval, {
      dataset: `memocha:${file}`,
      configs: [{ name: 'vector' }, { name: 'hybrid+min0.3', hybrid: true, minScore: 0.3 }],
      bootstrapIterations: 200,
      permutationIterations: 200,
    });
  });
  afterAll(async () => t?.cleanup());

  it('runs cleanly and writes the report files, the TREC runs and the qrels', () => {
    expect(r.output).not.toMatch(/suite failed/);
    expect(r.exitCode).toBe(0);
    expect(r.report?.errors).toEqual([]);
    for (const f of ['report.json', 'rows.csv', 'summary.md', 'junit.xml', 'qrels.txt', 'vector.run', 'hybrid+min0.3.run']) {
      expect(existsSync(path.join(r.dir!, f)), f).toBe(true);
    }
    expect(r.report?.tables?.['by configuration']?.rows.map((row) => row[0])).toEqual(['vector', 'hybrid+min0.3']);
    expect(r.report?.rows).toHaveLength(2 * 4); // (config, query)
  });

  it('finds the unambiguous doc first with use-lite', () => {
    const rows = r.report!.rows.filter((row) => row.config === 'vector' && row.no_relevant === false);
    expect(rows.map((row) => row.qid)).toEqual(['q-kettle', 'q-chain', 'q-passport']);
    for (const row of rows) expect(row['hit@1'], String(row.qid)).toBe(1);
  });

  it('reports per-query metrics equal to the metric functions on the rankings of its TREC run files', async () => {
    const qrelsParsed = parseQrels(await readFile(path.join(r.dir!, 'qrels.txt'), 'utf8'));
    expect(qrelsParsed.errors).toEqual([]);
    const qrels = qrelsParsed.qrels;
    expect(qrels.get('q-kettle')).toEqual(new Map([['kettle', 3], ['tomatoes', 0]]));
    for (const config of ['vector', 'hybrid+min0.3']) {
      const parsed = parseRun(await readFile(path.join(r.dir!, `${config}.run`), 'utf8'));
      expect(parsed.errors).toEqual([]);
      expect(parsed.tags).toEqual([config]);
      const rankings = runRankings(parsed.run);
      const rows = r.report!.rows.filter((row) => row.config === config);
      const ndcgs: number[] = [];
      for (const row of rows) {
        const qid = String(row.qid);
        const ranking = rankings.get(qid) ?? [];
        expect(row.ranking, qid).toBe(ranking.join(' '));
        expect(row.retrieved).toBe(ranking.length);
        if (row.no_relevant) continue;
        const j = qrels.get(qid)!;
        const expected: Record<string, number> = { mrr: reciprocalRank(ranking, j), map: averagePrecision(ranking, j), 'ndcg_exp@10': ndcgAtK(ranking, j, 10, 'exponential') };
        for (const k of [1, 3, 5, 10]) {
          expected[`p@${k}`] = precisionAtK(ranking, j, k);
          expected[`r@${k}`] = recallAtK(ranking, j, k);
          expected[`hit@${k}`] = hitRateAtK(ranking, j, k);
          expected[`recall_all@${k}`] = recallAllAtK(ranking, j, k);
          expected[`ndcg@${k}`] = ndcgAtK(ranking, j, k);
        }
        for (const f of fields([1, 3, 5, 10])) expect(row[f], `${config}/${qid} ${f}`).toBeCloseTo(expected[f] as number, 12);
        ndcgs.push(expected['ndcg@10'] as number);
      }
      expect(ndcgs).toHaveLength(3);
      expect(r.report!.metrics[`ndcg@10/${config}`]?.value).toBeCloseTo(mean(ndcgs), 12);
      expect(r.report!.metrics[`ndcg@10/${config}`]?.n).toBe(3);
    }
  });

  it('counts the query without a relevant doc apart', () => {
    const m = r.report!.metrics;
    expect(m.queries_judged?.value).toBe(3);
    expect(m.queries_no_relevant?.value).toBe(1);
    for (const config of ['vector', 'hybrid+min0.3']) {
      const row = r.report!.rows.find((x) => x.case === `${config}/q-none`)!;
      expect(row.no_relevant).toBe(true);
      expect(row.relevant).toBe(0);
      for (const f of fields([1, 3, 5, 10])) expect(row[f], f).toBeUndefined();
      expect(m[`no_relevant_mean_retrieved/${config}`]?.value).toBe(row.retrieved);
    }
    expect(r.report!.tables?.['queries without a relevant doc (not averaged in)']?.rows).toHaveLength(2);
    expect(m['ndcg@10_diff/hybrid+min0.3']?.n).toBe(3);
    expect(m['ndcg@10_p/hybrid+min0.3']?.value).toBeGreaterThan(0);
  });
});
