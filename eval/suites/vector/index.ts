/**
 * vector: the long-term memory store on this machine, offline — use-lite embedding throughput by
 * batch size, pgvector-on-PGlite insert throughput, search latency filtered by one user (exact scan,
 * HNSW as the planner sees fit, HNSW forced) by store size and ef_search, HNSW build time, and
 * recall@k of HNSW against the exact search (measure.ts; it replaced `npm run bench:memory`); the
 * stores hold seeded random unit vectors, not real embeddings. Config: see vector/config.ts and README.md.
 */
import { defineSuite } from '../../harness/suite';
import type { SuiteContext } from '../../harness/suite';
import { LatencyHistogram } from '../../metrics/histogram';
import { vectorConfig, vectorOptions } from './config';
import type { VectorConfig } from './config';
import { loadAverage, packageVersions } from './environment';
import { benchEmbedders, emitEmbedders } from './embedders';
import { benchEmbeddings, benchStores, DIM } from './measure';
import type { EmbedRow, StoreRow } from './measure';
import { benchTextSearch, emitTextSearch } from './text-search';

/** 1000 → 1k, 100000 → 100k, 1500 → 1500 */
export const sizeLabel = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

/** exact, hnsw, hnsw_forced; `_ef<n>` when ef_search is not the primary (first) value */
export function modeTag(row: Pick<StoreRow, 'mode' | 'efSearch'>, primaryEf: number | undefined): string {
  const base = row.mode.replace('-', '_');
  return row.efSearch === null || row.efSearch === primaryEf ? base : `${base}_ef${row.efSearch}`;
}

const ms = (us: number) => us / 1000;
const round = (x: number | null, d: number) => (x === null ? null : Number(x.toFixed(d)));

const SEARCH_COLUMNS = ['size', 'mode', 'm', 'ef_construction', 'ef_search', 'hnsw_build_s', 'insert_rows_per_s', 'insert_with_hnsw_rows_per_s', 'queries', 'p50_ms', 'p90_ms', 'p99_ms', 'max_ms', 'recall_at_k', 'hnsw_scans_per_query'];

function searchCells(r: StoreRow): (string | number | null)[] {
  const l = r.latency;
  return [r.size, r.mode, r.m, r.efConstruction, r.efSearch, round(r.buildSeconds, 2), round(r.insertRowsPerSec, 0), round(r.insertWithHnswRowsPerSec, 0), l.n, ms(l.p50Us), ms(l.p90Us), ms(l.p99Us), ms(l.maxUs), round(r.recallAt10, 4), round(r.hnswIndexScansPerQuery, 2)];
}

function emitEmbed(ctx: SuiteContext, rows: readonly EmbedRow[]): void {
  for (const r of rows) {
    ctx.metric(`embed_texts_per_sec_b${r.batch}`, r.textsPerSec, 'texts/s', {
      n: r.texts,
      definition: `use-lite (512-d), batches of ${r.batch} short chat sentences, one model call per batch, after a warm-up batch`,
      higherIsBetter: true,
      headline: r.batch === 32,
    });
    ctx.row({ case: `embed/b${r.batch}`, section: 'embed', batch: r.batch, texts: r.texts, seconds: round(r.seconds, 3), texts_per_s: round(r.textsPerSec, 1), ms_per_batch: round(r.msPerBatch, 2) });
  }
  ctx.table(
    'use-lite embedding throughput',
    ['batch', 'texts', 'seconds', 'texts_per_s', 'ms_per_batch'],
    rows.map((r) => [r.batch, r.texts, round(r.seconds, 3), round(r.textsPerSec, 1), round(r.msPerBatch, 2)]),
  );
}

function emitSearch(ctx: SuiteContext, cfg: VectorConfig, r: StoreRow, h: LatencyHistogram): void {
  const size = sizeLabel(r.size);
  const tag = modeTag(r, cfg.efSearch[0]);
  const largest = r.size === cfg.sizes[cfg.sizes.length - 1];
  const headline = largest && (tag === 'exact' || tag === 'hnsw');
  const params = r.mode === 'exact' ? 'exact scan' : `${r.mode} m=${r.m} ef_construction=${r.efConstruction} ef_search=${r.efSearch}`;
  const s = h.summary();
  const what = `store.search(k=${cfg.k}) filtered by one of ${cfg.users} users, ${r.size} memories, ${params}; wall time incl. SQL building and the PGlite round trip`;
  ctx.histogram(`search_${tag}_${size}`, h);
  ctx.metric(`search_p50_ms_${tag}_${size}`, s.p50, 'ms', { n: s.count, definition: `HdrHistogram p50 of ${what}`, higherIsBetter: false, headline });
  ctx.metric(`search_p99_ms_${tag}_${size}`, s.p99, 'ms', { n: s.count, definition: `HdrHistogram p99 of ${what}`, higherIsBetter: false, headline });
  ctx.metric(`recall_at_${cfg.k}_${tag}_${size}`, r.recallAt10, 'ratio', {
    n: r.latency.n,
    definition: r.mode === 'exact' ? 'the exact search is the ground truth (1 by definition)' : `mean over queries of |${r.mode} ∩ exact| / min(k, |exact|) (vectorRecallAtK when the user has ≥ k memories)`,
    higherIsBetter: true,
    headline: headline && tag === 'hnsw',
  });
  if (r.hnswIndexScansPerQuery !== null) {
    ctx.metric(`hnsw_scans_per_query_${tag}_${size}`, r.hnswIndexScansPerQuery, 'scans', { definition: 'HNSW index scans per query (pg_stat_user_indexes): 0 = the planner did not use the graph' });
  }
  const caseId = `search/${size}/${r.mode}${r.efSearch === null ? '' : `/ef${r.efSearch}`}`;
  const cells = searchCells(r);
  ctx.row({ case: caseId, section: 'search', ...Object.fromEntries(SEARCH_COLUMNS.map((c, i) => [c, cells[i]])) });
}

function emitSizes(ctx: SuiteContext, rows: readonly StoreRow[]): void {
  for (const size of new Set(rows.map((r) => r.size))) {
    const label = sizeLabel(size);
    const ex = rows.find((r) => r.size === size && r.mode === 'exact');
    const ann = rows.find((r) => r.size === size && r.mode !== 'exact');
    if (ex) ctx.metric(`insert_rows_per_sec_${label}`, ex.insertRowsPerSec, 'rows/s', { definition: `store.upsert in batches of 500, no ANN index, growing the store to ${size} rows`, higherIsBetter: true });
    if (!ann) continue;
    ctx.metric(`insert_with_hnsw_rows_per_sec_${label}`, ann.insertWithHnswRowsPerSec, 'rows/s', { definition: `store.upsert of ≤ 1000 extra rows (batches of 500) with the HNSW index present on ${size} rows`, higherIsBetter: true });
    ctx.metric(`hnsw_build_s_${label}`, ann.buildSeconds, 's', { definition: `CREATE INDEX … USING hnsw (m=${ann.m}, ef_construction=${ann.efConstruction}) on ${size} rows, single-threaded WebAssembly`, higherIsBetter: false });
  }
}

export default defineSuite({
  name: 'vector',
  description: 'memory store: use-lite embeddings/s by batch, pgvector (PGlite) insert rows/s, exact vs HNSW search latency by size, HNSW recall@k',
  ...vectorConfig,
  async run(ctx, config) {
    const cfg = vectorOptions(config, ctx.args.seed);
    const log = (msg: string) => ctx.log(msg);
    const loadAtStart = loadAverage();
    ctx.log(`use-lite embedding throughput, ${cfg.embedSeconds} s per batch size`);
    const embed = await benchEmbeddings(cfg, { log, signal: ctx.signal });
    emitEmbed(ctx, embed);
    if (cfg.embedders.length > 0) {
      ctx.log(`embedder comparison (each in its own process): ${cfg.embedders.join(', ')}`);
      emitEmbedders(ctx, await benchEmbedders(cfg, { log, signal: ctx.signal }));
    }

    let inserted = 0;
    let insertSeconds = 0;
    const { rows, pgvector } = await benchStores(cfg, {
      log,
      signal: ctx.signal,
      onInsert: (n, seconds) => {
        inserted += n;
        insertSeconds += seconds;
      },
      onRow: (row, samplesUs) => emitSearch(ctx, cfg, row, new LatencyHistogram().recordAll(samplesUs.map(ms))),
    });
    ctx.metric('insert_rows_per_sec', insertSeconds > 0 ? inserted / insertSeconds : null, 'rows/s', {
      n: inserted,
      definition: 'all rows inserted (store.upsert, batches of 500, no ANN index) / total insert time, over every store size',
      higherIsBetter: true,
      headline: true,
    });
    emitSizes(ctx, rows);
    ctx.table('search (size × mode × params)', SEARCH_COLUMNS, rows.map(searchCells));
    emitTextSearch(ctx, cfg.textSearch, await benchTextSearch({ ...cfg.textSearch, seed: cfg.seed }, { log, signal: ctx.signal }));
    ctx.setMeta({
      config: {
        pgvector: pgvector ?? null,
        versions: packageVersions(),
        loadAverage: { start: loadAtStart, end: loadAverage() },
        data: `random unit vectors (${DIM}-d, seed ${cfg.seed}) ${cfg.uniform ? 'uniform on the sphere' : 'around 256 random topic centres (cos ≈ 0.7)'}, not real embeddings; ${cfg.users} users round-robin`,
      },
      target: 'PGlite (in memory) + pgvector',
    });
  },
});
