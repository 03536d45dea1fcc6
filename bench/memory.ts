/**
 * Memory benchmark: use-lite embedding throughput, pgvector-on-PGlite insert throughput, and
 * search latency (exact vs HNSW) with HNSW recall@10, filtered by one user as the app does.
 *   npm run bench:memory [-- --quick] [--sizes 1000,10000,100000] [--queries 200] [--ef-search 40,100]
 * Writes reports/bench-memory/<time>/{report.json,report.csv,summary.md}. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import * as hdr from 'hdr-histogram-js';
import { createUseLiteEmbedder } from '../serve/embeddings/use-lite';
import { ensureHnswIndex, indexNames } from '../serve/memory/store/pg-schema';
import { createPgvectorStore } from '../serve/memory/store/pgvector';
import { openPgliteKnex } from '../serve/memory/store/test-pg';
import type { MemoryRecord, VectorStore } from '../serve/memory/store/types';

const DIM = 512;
const K = 10;

interface Args {
  quick: boolean;
  sizes: number[];
  queries: number;
  users: number;
  efSearch: number[];
  /** HNSW build parameters up to `largeFrom` rows, and from there on (PGlite builds single-threaded in WebAssembly). */
  m: number;
  efConstruction: number;
  largeM: number;
  largeEfConstruction: number;
  largeFrom: number;
  seed: number;
  uniform: boolean;
  embedSeconds: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick');
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (name: string, dflt: number[]) => {
    const raw = get(name);
    if (raw === undefined) return dflt;
    const values = raw.split(',').map(Number);
    if (values.some((x) => !Number.isInteger(x) || x <= 0)) throw new Error(`--${name} takes a comma-separated list of positive integers`);
    return values.sort((a, b) => a - b);
  };
  const num = (name: string, dflt: number) => (get(name) !== undefined ? Number(get(name)) : dflt);
  return {
    quick,
    sizes: list('sizes', quick ? [1000, 3000] : [1000, 10_000, 100_000]),
    queries: num('queries', quick ? 50 : 200),
    users: num('users', 10),
    efSearch: list('ef-search', quick ? [40] : [40, 100]),
    m: num('m', 16),
    efConstruction: num('ef-construction', 64),
    largeM: num('large-m', 8),
    largeEfConstruction: num('large-ef-construction', 32),
    largeFrom: num('large-from', 50_000),
    seed: num('seed', 42),
    uniform: argv.includes('--uniform'),
    embedSeconds: num('embed-seconds', quick ? 0.6 : 3),
    out: get('out') ?? 'reports/bench-memory',
  };
}

// ---------------------------------------------------------------- deterministic data
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
function vectorSource(seed: number, stream: number, uniform: boolean): () => Float32Array {
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
const sentence = (i: number) => `${WHO[i % 10]} ${DID[Math.floor(i / 10) % 10]} ${WHERE[Math.floor(i / 100) % 10]} ${WHEN[Math.floor(i / 1000) % 10]} (#${i})`;

// ---------------------------------------------------------------- measurement helpers
interface Latency { n: number; p50Us: number; p90Us: number; p99Us: number; maxUs: number; meanUs: number }

function latency(samplesUs: number[]): Latency {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  for (const s of samplesUs) h.recordValue(Math.max(1, Math.round(s)));
  const at = (p: number) => h.getValueAtPercentile(p);
  return { n: h.totalCount, p50Us: at(50), p90Us: at(90), p99Us: at(99), maxUs: h.maxValue, meanUs: Math.round(h.mean) };
}

const now = () => performance.now();
const log = (msg: string) => process.stderr.write(`[bench:memory] ${msg}\n`);

interface EmbedRow { batch: number; texts: number; seconds: number; textsPerSec: number; msPerBatch: number }

async function benchEmbeddings(args: Args): Promise<EmbedRow[]> {
  const rows: EmbedRow[] = [];
  let next = 0;
  for (const batch of [1, 8, 32, 128]) {
    const e = createUseLiteEmbedder({ maxBatch: batch, batchWaitMs: 0 });
    await e.embed(Array.from({ length: batch }, () => sentence(next++))); // warm-up, model load
    let texts = 0;
    const t0 = now();
    while (texts < 2 * batch || now() - t0 < args.embedSeconds * 1000) {
      await e.embed(Array.from({ length: batch }, () => sentence(next++)));
      texts += batch;
    }
    const seconds = (now() - t0) / 1000;
    rows.push({ batch, texts, seconds, textsPerSec: texts / seconds, msPerBatch: (seconds * 1000 * batch) / texts });
    log(`use-lite batch ${batch}: ${(texts / seconds).toFixed(1)} texts/s`);
  }
  return rows;
}

interface StoreRow {
  size: number;
  /** hnsw = the planner may still choose the user index + exact sort; hnsw-forced = always the graph. */
  mode: 'exact' | 'hnsw' | 'hnsw-forced';
  efSearch: number | null;
  m: number | null;
  efConstruction: number | null;
  buildSeconds: number | null;
  insertRowsPerSec: number;
  insertWithHnswRowsPerSec: number | null;
  recallAt10: number | null;
  hnswIndexScansPerQuery: number | null;
  latency: Latency;
}

function record(i: number, users: number, vector: Float32Array): MemoryRecord {
  return { id: `m${i}`, userId: `user${i % users}`, sessionId: `s${i % 97}`, messageIds: [`msg${i}`], role: 'turn', text: sentence(i), createdAt: new Date(1.7e12 + i * 60_000), vector };
}

async function insert(store: VectorStore, from: number, to: number, args: Args, next: () => Float32Array, prefix = ''): Promise<number> {
  const t0 = now();
  for (let i = from; i < to; i += 500) {
    const batch = Array.from({ length: Math.min(500, to - i) }, (_, j) => ({ ...record(i + j, args.users, next()), ...(prefix ? { id: `${prefix}${i + j}` } : {}) }));
    await store.upsert(batch);
    if (to - from >= 20_000 && (i - from) % 20_000 === 0) log(`  inserted ${i - from}/${to - from}`);
  }
  return (to - from) / ((now() - t0) / 1000);
}

async function benchStores(args: Args): Promise<{ rows: StoreRow[]; pgvector: string | undefined }> {
  const db = await openPgliteKnex();
  const { knex } = db;
  const exact = createPgvectorStore({ knex, backend: 'pglite', analyzeEvery: 0 });
  await exact.ensure(DIM);
  const hnswIndex = indexNames(exact.table).hnsw;
  const nextVector = vectorSource(args.seed, 1, args.uniform);
  const queryVector = vectorSource(args.seed, 2, args.uniform); // same topic centres, other draws
  const queries = Array.from({ length: args.queries }, (_, q) => ({ userId: `user${q % args.users}`, vector: queryVector() }));
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
    return { latency: latency(samples), results };
  };

  const rows: StoreRow[] = [];
  let have = 0;
  for (const size of args.sizes) {
    log(`size ${size}: inserting ${size - have} rows (no ANN index)`);
    const insertRate = await insert(exact, have, size, args, nextVector);
    have = size;
    await knex.raw('analyze ??', [exact.table]);
    log(`size ${size}: ${insertRate.toFixed(0)} rows/s; ${args.queries} exact queries`);
    const ex = await run(exact, true);
    rows.push({ size, mode: 'exact', efSearch: null, m: null, efConstruction: null, buildSeconds: null, insertRowsPerSec: insertRate, insertWithHnswRowsPerSec: null, recallAt10: 1, hnswIndexScansPerQuery: null, latency: ex.latency });

    const large = size >= args.largeFrom;
    const m = large ? args.largeM : args.m;
    const efConstruction = large ? args.largeEfConstruction : args.efConstruction;
    log(`size ${size}: building HNSW (m=${m}, ef_construction=${efConstruction})`);
    const t0 = now();
    await ensureHnswIndex(knex, exact.table, { m, efConstruction, maintenanceWorkMem: '512MB' });
    const buildSeconds = (now() - t0) / 1000;
    log(`size ${size}: HNSW built in ${buildSeconds.toFixed(1)} s`);
    const extra = Math.min(1000, Math.ceil(size / 10));
    const hnswInsertRate = await insert(exact, 0, extra, args, nextVector, `x${size}_`);
    await knex(exact.table).where('id', 'like', 'x%').del();
    for (const ef of args.efSearch) {
      for (const forceIndex of [false, true]) {
        const store = createPgvectorStore({ knex, backend: 'pglite', analyzeEvery: 0, index: { type: 'hnsw', m, efConstruction, efSearch: ef, forceIndex } });
        await store.ensure(DIM);
        const before = await scans();
        const ann = await run(store, false);
        const scansPerQuery = ((await scans()) - before) / (args.queries + 5);
        const recall = ann.results.reduce((sum, ids, i) => {
          const truth = new Set(ex.results[i]);
          return sum + ids.filter((id) => truth.has(id)).length / Math.max(1, Math.min(K, truth.size));
        }, 0) / ann.results.length;
        const mode = forceIndex ? 'hnsw-forced' : 'hnsw';
        rows.push({ size, mode, efSearch: ef, m, efConstruction, buildSeconds, insertRowsPerSec: insertRate, insertWithHnswRowsPerSec: hnswInsertRate, recallAt10: recall, hnswIndexScansPerQuery: scansPerQuery, latency: ann.latency });
        log(`size ${size}: ${mode} ef_search=${ef} p50 ${ann.latency.p50Us} µs, p99 ${ann.latency.p99Us} µs, recall@10 ${recall.toFixed(3)}, graph scans/query ${scansPerQuery.toFixed(2)}`);
      }
    }
    await knex.raw('drop index if exists ??', [hnswIndex]);
  }
  const pgvector = exact.pgvectorVersion();
  await db.close();
  return { rows, pgvector };
}

// ---------------------------------------------------------------- report
function meta(args: Args, pgvector: string | undefined, loadAtStart: number[]) {
  const git = (a: string[]) => {
    try {
      return execFileSync('git', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const version = (pkg: string) => (JSON.parse(readFileSync(path.join('node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    schema: 'memocha.bench-memory/1',
    startedAt: new Date().toISOString(),
    git: { sha: git(['rev-parse', 'HEAD']), dirty: (git(['status', '--porcelain']) ?? '') !== '' },
    loadAverage: { start: loadAtStart, end: os.loadavg().map((x) => Number(x.toFixed(2))) },
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}` },
    versions: { node: process.version, pglite: version('@electric-sql/pglite'), pgvector, embeddings: version('@energetic-ai/embeddings') },
    args,
    data: args.uniform
      ? `random unit vectors (${DIM}-d, uniform on the sphere, seed ${args.seed}), not real embeddings`
      : `random unit vectors (${DIM}-d, seed ${args.seed}) drawn around 256 random topic centres (cos ≈ 0.7 to their centre), not real embeddings`,
    method:
      `${args.users} users, records spread round-robin; every search is filtered by one user (k=${K}); latency = store.search() wall time ` +
      'incl. SQL building and the PGlite round trip; insert = upsert batches of 500 rows without an ANN index (and, ≤1000 rows, with the HNSW index); ' +
      "hnsw = the store as configured (the planner may still pick the user index + exact sort), hnsw-forced = forceIndex (always the graph, iterative scan); " +
      'recall@10 = |HNSW ∩ exact| / 10 averaged over queries; HNSW scans/query from pg_stat_user_indexes.',
  };
}

const f = (x: number | null, d = 0) => (x === null ? '—' : x.toFixed(d));

function summary(m: ReturnType<typeof meta>, embed: EmbedRow[], stores: StoreRow[]): string {
  const lines = [
    `# Memory benchmark ${m.startedAt}`,
    '',
    `git ${m.git.sha?.slice(0, 10) ?? '?'}${m.git.dirty ? ' (dirty)' : ''} · ${m.machine.cpus}× ${m.machine.cpu} · load avg ${m.loadAverage.start.join('/')} → ${m.loadAverage.end.join('/')} · node ${m.versions.node} · PGlite ${m.versions.pglite} · pgvector ${m.versions.pgvector ?? '?'}`,
    '',
    '## use-lite embedding throughput (short chat sentences, real model)',
    '',
    '| batch | texts/s | ms per batch |',
    '|---:|---:|---:|',
    ...embed.map((r) => `| ${r.batch} | ${f(r.textsPerSec, 1)} | ${f(r.msPerBatch, 1)} |`),
    '',
    `## pgvector on PGlite: insert and search (${m.data})`,
    '',
    m.method,
    '',
    '| memories | mode | m / ef_c | ef_search | build s | insert rows/s | insert w/ HNSW rows/s | p50 µs | p99 µs | recall@10 | HNSW scans/query |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...stores.map(
      (r) =>
        `| ${r.size} | ${r.mode} | ${r.m === null ? '—' : `${r.m} / ${r.efConstruction}`} | ${f(r.efSearch)} | ${f(r.buildSeconds, 1)} | ${f(r.insertRowsPerSec)} | ${f(r.insertWithHnswRowsPerSec)} | ${r.latency.p50Us} | ${r.latency.p99Us} | ${f(r.recallAt10, 3)} | ${f(r.hnswIndexScansPerQuery, 2)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = now();
  const loadAtStart = os.loadavg().map((x) => Number(x.toFixed(2)));
  log(`embedding throughput (use-lite, ${args.embedSeconds}s per batch size)`);
  const embed = await benchEmbeddings(args);
  const { rows, pgvector } = await benchStores(args);
  const m = meta(args, pgvector, loadAtStart);
  const dir = path.join(args.out, m.startedAt.replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const totalSeconds = (now() - t0) / 1000;
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ ...m, totalSeconds, embeddings: embed, stores: rows }, null, 2));
  const csv = [
    ...embed.map((r) => ({ section: 'embed', size: '', mode: 'use-lite', batch: r.batch, m: '', ef_construction: '', ef_search: '', build_s: '', throughput_per_s: r.textsPerSec.toFixed(1), insert_with_hnsw_per_s: '', n: r.texts, p50_us: '', p90_us: '', p99_us: '', max_us: '', mean_us: '', recall_at_10: '', hnsw_scans_per_query: '' })),
    ...rows.map((r) => ({ section: 'search', size: r.size, mode: r.mode, batch: 500, m: r.m ?? '', ef_construction: r.efConstruction ?? '', ef_search: r.efSearch ?? '', build_s: r.buildSeconds?.toFixed(2) ?? '', throughput_per_s: r.insertRowsPerSec.toFixed(0), insert_with_hnsw_per_s: r.insertWithHnswRowsPerSec?.toFixed(0) ?? '', n: r.latency.n, p50_us: r.latency.p50Us, p90_us: r.latency.p90Us, p99_us: r.latency.p99Us, max_us: r.latency.maxUs, mean_us: r.latency.meanUs, recall_at_10: r.recallAt10?.toFixed(4) ?? '', hnsw_scans_per_query: r.hnswIndexScansPerQuery?.toFixed(2) ?? '' })),
  ];
  writeFileSync(path.join(dir, 'report.csv'), stringify(csv, { header: true }));
  const md = `${summary(m, embed, rows)}\nTotal run time: ${totalSeconds.toFixed(0)} s.\n`;
  writeFileSync(path.join(dir, 'summary.md'), md);
  process.stdout.write(`${md}\nReport: ${dir}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench:memory] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
