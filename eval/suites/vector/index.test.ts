import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRoot, type TempRoot } from '../../lib/test-run';
import type { JsonValue } from '../../report/schema';
import { vectorOptions } from './config';
import vector, { modeTag, sizeLabel } from './index';
import { pseudoWord, zipfText } from './text-search';

const readVectorConfig = (raw: JsonValue, quick: boolean, seed: number) => vectorOptions(vector.resolveConfig(raw, quick).value, seed);

describe('vector suite', () => {
  it('names sizes and modes stably', () => {
    expect([1000, 5000, 100_000, 200, 1500].map(sizeLabel)).toEqual(['1k', '5k', '100k', '200', '1500']);
    expect(modeTag({ mode: 'hnsw-forced', efSearch: 40 }, 40)).toBe('hnsw_forced');
    expect(modeTag({ mode: 'hnsw', efSearch: 100 }, 40)).toBe('hnsw_ef100');
    expect(modeTag({ mode: 'exact', efSearch: null }, 40)).toBe('exact');
  });

  it('generates distinct pseudo-words and seeded texts for the text search measurement', () => {
    expect(new Set(Array.from({ length: 5000 }, (_, i) => pseudoWord(i))).size).toBe(5000);
    const [a, b] = [zipfText(3, 1000), zipfText(3, 1000)];
    expect(a.text()).toBe(b.text());
    expect(a.query().split(' ').length).toBeGreaterThanOrEqual(3);
  });

  it('validates --config strictly and fills the quick defaults', () => {
    expect(() => readVectorConfig({ sizes: [0] }, true, 1)).toThrow(/sizes/);
    expect(() => readVectorConfig({ hnsw: { efSearh: [40] } }, true, 1)).toThrow(/efSearh|Unrecognized/);
    expect(readVectorConfig({ sizes: [5000, 1000] }, true, 7)).toMatchObject({ sizes: [1000, 5000], efSearch: [40], queries: 50, k: 10, seed: 7 });
  });

  describe('end to end (tiny configuration)', () => {
    let t: TempRoot;
    beforeAll(async () => {
      t = await tempRoot('vector');
    });
    afterAll(async () => t?.cleanup());

    it('measures embeddings, inserts, exact and HNSW search, and writes every report file', async () => {
      const r = await t.run(vector, { sizes: [200], batchSizes: [1, 8], embedSeconds: 0.05, queries: 20, hnsw: { efSearch: [40, 10] }, textSearch: { sizes: [300], queries: 10 } });
      expect(r.output).not.toMatch(/suite failed/);
      expect(r.exitCode).toBe(0);
      const rep = r.report!;
      expect(rep.errors).toEqual([]);
      const value = (name: string) => rep.metrics[name]?.value;
      for (const name of ['embed_texts_per_sec_b1', 'embed_texts_per_sec_b8', 'insert_rows_per_sec', 'insert_rows_per_sec_200', 'insert_with_hnsw_rows_per_sec_200', 'hnsw_build_s_200']) {
        expect(value(name), name).toBeGreaterThan(0);
      }
      for (const tag of ['exact', 'hnsw', 'hnsw_forced', 'hnsw_ef10', 'hnsw_forced_ef10']) {
        expect(value(`search_p50_ms_${tag}_200`), tag).toBeGreaterThan(0);
        expect(value(`search_p99_ms_${tag}_200`)).toBeGreaterThanOrEqual(value(`search_p50_ms_${tag}_200`) ?? Infinity);
        const recall = value(`recall_at_10_${tag}_200`);
        expect(recall).toBeGreaterThanOrEqual(0);
        expect(recall).toBeLessThanOrEqual(1);
        expect(rep.histograms[`search_${tag}_200`]?.summary.count).toBe(20);
      }
      expect(value('recall_at_10_exact_200')).toBe(1);
      for (const name of ['text_search_p50_ms_300', 'hybrid_store_p50_ms_300', 'insert_bm25_memories_per_sec_300']) expect(value(name), name).toBeGreaterThan(0);
      expect(value('text_search_p99_ms_300')).toBeGreaterThanOrEqual(value('text_search_p50_ms_300') ?? Infinity);
      const [textRow] = rep.rows.filter((row) => row.case === 'text/300');
      expect(textRow?.postings_per_query).toBeGreaterThan(0);
      expect(textRow?.hits_per_query).toBeGreaterThan(0);
      expect(rep.tables?.['search (size × mode × params)']?.rows).toHaveLength(5);
      expect(rep.tables?.['use-lite embedding throughput']?.rows).toHaveLength(2);
      for (const f of ['report.json', 'rows.csv', 'summary.md', 'junit.xml']) expect(existsSync(path.join(r.dir!, f)), f).toBe(true);
    });
  });
});
