/**
 * The `vector` eval suite's memory-store measurements: use-lite embedding throughput by batch
 * size, pgvector-on-PGlite insert throughput, search latency (exact vs HNSW) filtered by one user,
 * and HNSW recall@k vs exact. The stores hold seeded random unit vectors (not real embeddings); see
 * the suite's README.md.
 */
import * as hdr from 'hdr-histogram-js';
import { createPgvectorStore, createUseLiteEmbedder, ensureHnswIndex, indexNames, type MemoryRecord, mulberry32, type VectorStore } from '../../../serve';
import { openPgliteKnex } from '../../../serve/testing';
import { vectorRecallAtK } from '../../metrics/retrieval';

export const DIM = 512;

// ---------------------------------------------------------------- deterministic data
function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

/**
 * Random unit vectors: uniform on the sphere, or (default) around 256 random topic centres
 * (fixed by `seed`), cos ≈ 0.7 to their centre. `stream` picks an independent sequence of draws.
 */
export function vectorSource(seed: number, stream: number, uniform: boolean): () => Float32Array {
  let rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const noise = (scale: number) => Float32Array.from({ length: DIM }, () => (gauss() * scale) / Math.sqrt(DIM));
  const centres = Array.from({ length: 256 }, () => unit(noise(1)));
  rand = mulberry32(seed * 7919 + stream);
  return () => {
    if (uniform) return unit(noise(1));
    const c = centres[Math.floor(rand() * centres.length)] as Float32Array;
    const v = noise(1);
    for (let i = 0; i < DIM; i++) v[i] = (v[i] as number) + (c[i] as number);
    return unit(v);
  };
}

const WHO = ['My sister Ana', 'I', 'My boss', 'Our neighbour Tom', 'My son', 'The dentist', 'My friend Priya', 'We', 'My landlord', 'Grandma'];
const DID = ['moved to', 'is flying to', 'booked a table in', 'wants to visit', 'started a job in', 'bought a flat in', 'hates the weather in', 'studies in', 'got married in', 'lost a phone in'];
const WHERE = ['Lisbon', 'Osaka', 'Berlin', 'a small town near Porto', 'Nairobi', 'Toronto', 'Mexico City', 'the countryside', 'Seoul', 'Edinburgh'];
const WHEN = ['last week.', 'next Tuesday.', 'in March.', 'yesterday, apparently.', 'after the holidays.', 'two years ago.', 'this weekend!', 'on her birthday.', 'soon, I hope.', 'in 2019.'];
export const sentence = (i: number) => `${WHO[i % 10]} ${DID[Math.floor(i / 10) % 10]} ${WHERE[Math.floor(i / 100) % 10]} ${WHEN[Math.floor(i / 1000) % 10]} (#${i})`;

// ---------------------------------------------------------------- measurement helpers
export interface Latency { n: number; p50Us: number; p90Us: number; p99Us: number; maxUs: number; meanUs: number }

export function latency(samplesUs: readonly number[]): Latency {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  for (const s of samplesUs) h.recordValue(Math.max(1, Math.round(s)));
  const at = (p: number) => h.getValueAtPercentile(p);
  return { n: h.totalCount, p50Us: at(50), p90Us: at(90), p99Us: at(99), maxUs: h.maxValue, meanUs: Math.round(h.mean) };
}

/**
 * recall@k of an ANN result against the exact one: |ANN ∩ exact| / min(k, |exact|) (0 when exact
 * is empty). That is `vectorRecallAtK` (which divides by k) rescaled for a user with fewer than k
 * memories; the two agree whenever the exact search returned k rows.
 */
export function recallAgainstExact(ann: readonly string[], exact: readonly string[], k: number): number {
  return (vectorRecallAtK(ann, exact, k) * k) / Math.max(1, Math.min(k, exact.length));
}

const now = () => performance.now();

export interface Hooks {
  log: (msg: string) => void;
  /** stop between measurements (the rows measured so far are returned) */
  signal?: AbortSignal;
}

export interface EmbedOptions {
  batchSizes: readonly number[];
  /** measuring time per batch size (at least two batches are always timed) */
  embedSeconds: number;
}

export interface EmbedRow { batch: number; texts: number; seconds: number; textsPerSec: number; msPerBatch: number }

export async function benchEmbeddings(opts: EmbedOptions, hooks: Hooks): Promise<EmbedRow[]> {
  const rows: EmbedRow[] = [];
  let next = 0;
  for (const batch of opts.batchSizes) {
    if (hooks.signal?.aborted) break;
    const e = createUseLiteEmbedder({ maxBatch: batch, batchWaitMs: 0 });
    await e.embed(Array.from({ length: batch }, () => sentence(next++))); // warm-up, model load
    let texts = 0;
    const t0 = now();
    while (texts < 2 * batch || now() - t0 < opts.embedSeconds * 1000) {
      await e.embed(Array.from({ length: batch }, () => sentence(next++)));
      texts += batch;
    }
    const seconds = (now() - t0) / 1000;
    rows.push({ batch, texts, seconds, textsPerSec: texts / seconds, msPerBatch: (seconds * 1000 * batch) / texts });
    hooks.log(`use-lite batch ${batch}: ${(texts / seconds).toFixed(1)} texts/s`);
  }
  return rows;
}

export interface StoreOptions {
  sizes: readonly number[];
  queries: number;
  users: number;
  k: number;
  efSearch: readonly number[];
  /** HNSW build parameters up to `largeFrom` rows, and from there on (PGlite builds single-threaded in WebAssembly). */
  m: number;
  efConstruction: number;
  largeM: number;
  largeEfConstruction: number;
  largeFrom: number;
  seed: number;
  uniform: boolean;
}

export type StoreMode = 'exact' | 'hnsw' | 'hnsw-forced';

export interface StoreRow {
  size: number;
  /** hnsw = the planner may still choose the user index + exact sort; hnsw-forced = always the graph. */
  mode: StoreMode;
  efSearch: number | null;
  m: number | null;
  efConstruction: number | null;
  buildSeconds: number | null;
  insertRowsPerSec: number;
  insertWithHnswRowsPerSec: number | null;
  /** recall@k (k = StoreOptions.k, 10 in the bench) vs the exact search; exact rows are the ground truth (1) */
  recallAt10: number | null;
  hnswIndexScansPerQuery: number | null;
  latency: Latency;
}

export interface StoreHooks extends Hooks {
  /** every measured row with its raw search latencies (µs) */
  onRow?: (row: StoreRow, samplesUs: readonly number[]) => void;
  /** every insert phase: rows inserted and seconds taken (the exact-table fill, not the with-HNSW probe) */
  onInsert?: (rows: number, seconds: number) => void;
}

function record(i: number, users: number, vector: Float32Array): MemoryRecord {
  return { id: `m${i}`, userId: `user${i % users}`, sessionId: `s${i % 97}`, messageIds: [`msg${i}`], role: 'turn', text: sentence(i), createdAt: new Date(1.7e12 + i * 60_000), vector };
}

async function insert(store: VectorStore, from: number, to: number, users: number, next: () => Float32Array, log: Hooks['log'], prefix = ''): Promise<{ rate: number; seconds: number }> {
  const t0 = now();
  for (let i = from; i < to; i += 500) {
    const batch = Array.from({ length: Math.min(500, to - i) }, (_, j) => ({ ...record(i + j, users, next()), ...(prefix ? { id: `${prefix}${i + j}` } : {}) }));
    await store.upsert(batch);
    if (to - from >= 20_000 && (i - from) % 20_000 === 0) log(`  inserted ${i - from}/${to - from}`);
  }
  const seconds = (now() - t0) / 1000;
  return { rate: (to - from) / seconds, seconds };
}

export async function benchStores(opts: StoreOptions, hooks: StoreHooks): Promise<{ rows: StoreRow[]; pgvector: string | undefined }> {
  const { log, signal } = hooks;
  const K = opts.k;
  const db = await openPgliteKnex();
  const { knex } = db;
  const exact = createPgvectorStore({ knex, backend: 'pglite', analyzeEvery: 0 });
  await exact.ensure(DIM);
  const hnswIndex = indexNames(exact.table).hnsw;
  const nextVector = vectorSource(opts.seed, 1, opts.uniform);
  const queryVector = vectorSource(opts.seed, 2, opts.uniform); // same topic centres, other draws
  const queries = Array.from({ length: opts.queries }, (_, q) => ({ userId: `user${q % opts.users}`, vector: queryVector() }));
  const scans = async () => {
    await knex.raw('select pg_stat_force_next_flush()');
    await knex.raw('select pg_stat_clear_snapshot()');
    const res = (await knex.raw('select idx_scan from pg_stat_user_indexes where indexrelname = ?', [hnswIndex])) as { rows: { idx_scan: string | number }[] };
    return Number(res.rows[0]?.idx_scan ?? 0);
  };
  const run = async (store: VectorStore, exactScan: boolean) => {
    for (const q of queries.slice(0, 5)) await store.search(q.vector, { k: K, filter: { userId: q.userId }, exact: exactScan });
    const samples: number[] = [];
    const results: string[][] = [];
    for (const q of queries) {
      const t0 = now();
      const hits = await store.search(q.vector, { k: K, filter: { userId: q.userId }, exact: exactScan });
      samples.push((now() - t0) * 1000);
      results.push(hits.map((h) => h.record.id));
    }
    return { latency: latency(samples), samples, results };
  };
  const meanRecall = (ann: string[][], truth: string[][]) => ann.reduce((sum, ids, i) => sum + recallAgainstExact(ids, truth[i] ?? [], K), 0) / ann.length;

  const rows: StoreRow[] = [];
  const push = (row: StoreRow, samples: number[]) => {
    rows.push(row);
    hooks.onRow?.(row, samples);
  };
  let have = 0;
  try {
    for (const size of opts.sizes) {
      if (signal?.aborted) break;
      log(`size ${size}: inserting ${size - have} rows (no ANN index)`);
      const ins = await insert(exact, have, size, opts.users, nextVector, log);
      hooks.onInsert?.(size - have, ins.seconds);
      const insertRate = ins.rate;
      have = size;
      await knex.raw('analyze ??', [exact.table]);
      log(`size ${size}: ${insertRate.toFixed(0)} rows/s; ${opts.queries} exact queries`);
      const ex = await run(exact, true);
      push({ size, mode: 'exact', efSearch: null, m: null, efConstruction: null, buildSeconds: null, insertRowsPerSec: insertRate, insertWithHnswRowsPerSec: null, recallAt10: 1, hnswIndexScansPerQuery: null, latency: ex.latency }, ex.samples);
      if (signal?.aborted) break;

      const large = size >= opts.largeFrom;
      const m = large ? opts.largeM : opts.m;
      const efConstruction = large ? opts.largeEfConstruction : opts.efConstruction;
      log(`size ${size}: building HNSW (m=${m}, ef_construction=${efConstruction})`);
      const t0 = now();
      await ensureHnswIndex(knex, exact.table, { m, efConstruction, maintenanceWorkMem: '512MB' });
      const buildSeconds = (now() - t0) / 1000;
      log(`size ${size}: HNSW built in ${buildSeconds.toFixed(1)} s`);
      const extra = Math.min(1000, Math.ceil(size / 10));
      const hnswInsertRate = (await insert(exact, 0, extra, opts.users, nextVector, log, `x${size}_`)).rate;
      await knex(exact.table).where('id', 'like', 'x%').del();
      for (const ef of opts.efSearch) {
        for (const forceIndex of [false, true]) {
          if (signal?.aborted) break;
          const store = createPgvectorStore({ knex, backend: 'pglite', analyzeEvery: 0, index: { type: 'hnsw', m, efConstruction, efSearch: ef, forceIndex } });
          await store.ensure(DIM);
          const before = await scans();
          const ann = await run(store, false);
          const scansPerQuery = ((await scans()) - before) / (opts.queries + 5);
          const recall = meanRecall(ann.results, ex.results);
          const mode = forceIndex ? 'hnsw-forced' : 'hnsw';
          push({ size, mode, efSearch: ef, m, efConstruction, buildSeconds, insertRowsPerSec: insertRate, insertWithHnswRowsPerSec: hnswInsertRate, recallAt10: recall, hnswIndexScansPerQuery: scansPerQuery, latency: ann.latency }, ann.samples);
          log(`size ${size}: ${mode} ef_search=${ef} p50 ${ann.latency.p50Us} µs, p99 ${ann.latency.p99Us} µs, recall@${K} ${recall.toFixed(3)}, graph scans/query ${scansPerQuery.toFixed(2)}`);
        }
      }
      await knex.raw('drop index if exists ??', [hnswIndex]);
    }
    return { rows, pgvector: exact.pgvectorVersion() };
  } finally {
    await db.close();
  }
}
