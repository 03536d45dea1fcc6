import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateRun } from '../metrics/retrieval';
import { loadBeir } from './beir';
import { DatasetError } from './types';

const TINY = fileURLToPath(new URL('./fixtures/beir-tiny', import.meta.url));

describe('loadBeir', () => {
  it('reads corpus, judged queries and the test split', async () => {
    const ds = await loadBeir(TINY);
    expect(ds.id).toBe('beir-tiny:test');
    expect(ds.corpus).toEqual([
      { id: 'doc1', title: 'Descaling a kettle', text: expect.stringMatching(/^Fill the kettle/) },
      { id: 'doc2', title: 'Kettle safety', text: expect.any(String) },
      { id: 'doc3', text: 'Sourdough starters need feeding once a day at room temperature.' },
      { id: '4', title: 'Hard water', text: expect.any(String) },
    ]);
    expect(ds.queries.map((q) => q.id)).toEqual(['q1', 'q2']);
    expect(ds.qrels.get('q1')).toEqual(new Map([['doc1', 2], ['4', 1], ['doc2', 0]]));
    expect(ds.stats).toEqual({ docs: 4, queries: 2, judgments: 4, unknownDocs: 0, unknownQueries: 0 });
  });

  it('reads another split, keeps all queries on request and counts unknown docs', async () => {
    const ds = await loadBeir(TINY, { split: 'dev', allQueries: true, id: 'x' });
    expect(ds.id).toBe('x');
    expect(ds.queries.map((q) => q.id)).toEqual(['q1', 'q2', 'q3']);
    expect(ds.stats).toMatchObject({ judgments: 2, unknownDocs: 1 });
  });

  it('keeps a negative grade (judged junk) and the metrics read it as not relevant', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'beir-'));
    try {
      await mkdir(path.join(dir, 'qrels'));
      await writeFile(path.join(dir, 'corpus.jsonl'), '{"_id":"a","text":"x"}\n{"_id":"b","text":"y"}\n');
      await writeFile(path.join(dir, 'queries.jsonl'), '{"_id":"q","text":"?"}\n');
      await writeFile(path.join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq\ta\t1\nq\tb\t-2\n');
      const ds = await loadBeir(dir);
      expect(ds.qrels.get('q')).toEqual(new Map([['a', 1], ['b', -2]]));
      const ev = evaluateRun(new Map([['q', ['b', 'a']]]), ds.qrels, [1, 2]);
      expect(ev.queries[0]).toMatchObject({ relevant: 1, reciprocalRank: 1 / 2 });
      expect(ev.queries[0]?.atK[2]?.ndcg).toBeCloseTo(1 / Math.log2(3), 12);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the file and line of a bad record, and a missing split', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'beir-'));
    try {
      await mkdir(path.join(dir, 'qrels'));
      await writeFile(path.join(dir, 'corpus.jsonl'), '{"_id":"a","text":"ok"}\n{"_id":"b"}\n');
      await writeFile(path.join(dir, 'queries.jsonl'), '{"_id":"q","text":"?"}\nnope\n');
      await writeFile(path.join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq\ta\t1\n');
      const err = await loadBeir(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatasetError);
      expect((err as DatasetError).problems).toEqual([
        expect.stringMatching(/corpus\.jsonl:2: text: /),
        expect.stringMatching(/queries\.jsonl:2: not JSON/),
      ]);
      await expect(loadBeir(dir, { split: 'train' })).rejects.toThrow(/train\.tsv: cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
