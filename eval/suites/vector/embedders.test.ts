import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRoot, type TempRoot } from '../../lib/test-run';
import { embedderTag } from './embedders';
import vector from './index';

describe('vector suite: embedder comparison', () => {
  it('tags specs for metric names', () => {
    expect(['use-lite', 'use-lite+worker', 'static', 'static:use-lite', 'static?dtype=int8', 'static:use-lite?dtype=int8&a=0.0001', 'static?center=none'].map(embedderTag)).toEqual([
      'use_lite',
      'use_lite_worker',
      'static',
      'static',
      'static_int8',
      'static_int8_a0_0001',
      'static_centernone',
    ]);
  });

  describe('end to end (static only, table built in a temp dir)', () => {
    let t: TempRoot;
    beforeAll(async () => {
      t = await tempRoot('vector-embedders');
    });
    afterAll(async () => t?.cleanup());

    it('builds the table in one process, measures in another, and reports latency, throughput, RSS and the build time', async () => {
      const r = await t.run(vector, { sizes: [200], batchSizes: [1], embedSeconds: 0.05, queries: 10, hnsw: { efSearch: [40] }, embedders: ['static'], freshTables: true });
      expect(r.output).not.toMatch(/suite failed/);
      expect(r.exitCode).toBe(0);
      const rep = r.report!;
      expect(rep.errors).toEqual([]);
      const value = (name: string) => rep.metrics[name]?.value as number;
      expect(value('embedder_query_p50_ms_static')).toBeGreaterThan(0);
      expect(value('embedder_query_p99_ms_static')).toBeGreaterThanOrEqual(value('embedder_query_p50_ms_static'));
      for (const m of ['embedder_texts_per_sec_b1_static', 'embedder_texts_per_sec_b64_static', 'embedder_rss_mb_static', 'embedder_load_s_static']) expect(value(m), m).toBeGreaterThan(0);
      expect(value('embedder_table_mb_static')).toBeGreaterThan(16);
      expect(rep.histograms['embedder_query_static']?.summary.count).toBe(10);
      const table = rep.tables?.['embedders'];
      expect(table?.rows).toHaveLength(1);
      expect(value('embedder_build_s_static')).toBeGreaterThan(0);
      expect(table?.rows[0]?.[4]).toBe('cache'); // the measuring process read the table the build wrote
    });
  });
});
