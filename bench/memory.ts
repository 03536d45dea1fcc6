/**
 * Memory benchmark: use-lite embedding throughput, pgvector-on-PGlite insert throughput, and
 * search latency (exact vs HNSW) with HNSW recall@10, filtered by one user as the app does.
 *   npm run bench:memory [-- --quick] [--sizes 1000,10000,100000] [--queries 200] [--ef-search 40,100]
 * Writes reports/bench-memory/<time>/{report.json,report.csv,summary.md}. See bench/README.md.
 * The measurements live in eval/suites/vector/measure.ts, shared with `npm run eval:vector`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { benchEmbeddings, benchStores, DIM } from '../eval/suites/vector/measure';
import type { EmbedRow, StoreRow } from '../eval/suites/vector/measure';

const K = 10;
const BATCH_SIZES = [1, 8, 32, 128];

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

const log = (msg: string) => process.stderr.write(`[bench:memory] ${msg}\n`);

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
  const t0 = performance.now();
  const loadAtStart = os.loadavg().map((x) => Number(x.toFixed(2)));
  log(`embedding throughput (use-lite, ${args.embedSeconds}s per batch size)`);
  const embed = await benchEmbeddings({ batchSizes: BATCH_SIZES, embedSeconds: args.embedSeconds }, { log });
  const { rows, pgvector } = await benchStores({ ...args, k: K }, { log });
  const m = meta(args, pgvector, loadAtStart);
  const dir = path.join(args.out, m.startedAt.replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const totalSeconds = (performance.now() - t0) / 1000;
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
