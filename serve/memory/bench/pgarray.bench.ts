/**
 * What the pgarray store (real[] embeddings, exact cosine in SQL) costs at N memories per user:
 * `npm run bench:pgarray [-- --sizes 1000,10000 --queries 15 --dims 512]` writes
 * reports/baselines/pgarray/{figures.json,figures.md}.
 *
 * For each size: two users with N memories each (random unit vectors: an exact scan's cost does not
 * depend on the values), then `search` (k 30, the user's filter) timed query by query on PostgreSQL
 * (TEST_DATABASE_URL or the test database, a private schema dropped after) and on the server's PGlite
 * (worker thread; --pglite-sizes, default 1000 only), beside pgvector's exact scan on the same PGlite for reference. On PostgreSQL also
 * the alternative pgarray did not take: vectors as bytea fetched and scored in JS. Upserts in batches of 20.
 * Prints the 1-minute load average before and after; other work on the machine inflates every figure.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { openDb } from '../../db';
import { openInSchema } from '../../testing/db';
import { createPgarrayStore, createPgvectorStore } from '../store/pgvector';
import type { MemoryRecord, VectorStore } from '../store/types';

const { values: a } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    /** PGlite's WebAssembly scans arrays several times slower than PostgreSQL: its 10k would take minutes (and PGlite has pgvector anyway). */
    'pglite-sizes': { type: 'string', default: '1000' },
    queries: { type: 'string', default: '15' },
    dims: { type: 'string', default: '512' },
    out: { type: 'string', default: 'reports/baselines/pgarray' },
  },
});
const sizes = a.sizes.split(',').map(Number);
const pgliteSizes = new Set(a['pglite-sizes'].split(',').map(Number));
const queries = Number(a.queries);
const dims = Number(a.dims);
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const USERS = ['bench-a', 'bench-b'];

const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const log = (msg: string) => console.error(`[bench:pgarray] ${msg} (load ${loadavg()})`);
const loadBefore = loadavg();

let seed = 11;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296 - 0.5;
function unitVector(): Float32Array {
  const v = Float32Array.from({ length: dims }, rnd);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const round = (x: number) => Math.round(x * 100) / 100;

interface Timing {
  p50: number;
  p90: number;
  max: number;
  perMemoryUs: number;
}

async function time(n: number, per: number, fn: () => Promise<unknown>): Promise<Timing> {
  await fn(); // warm: plans, caches, the worker
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  const p50 = pct(ms, 0.5);
  return { p50: round(p50), p90: round(pct(ms, 0.9)), max: round(Math.max(...ms)), perMemoryUs: round((p50 * 1000) / per) };
}

/** Two users of n memories; returns the upsert rate in batches of 20 (as the indexer writes) on top of them. */
async function fill(store: VectorStore, n: number): Promise<number> {
  for (const userId of USERS) {
    for (let i = 0; i < n; i += 500) {
      const batch: MemoryRecord[] = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({
        id: `${userId}-${i + j}`,
        userId,
        sessionId: `s${(i + j) % 50}`,
        messageIds: [],
        role: 'turn',
        text: `memory ${i + j} of ${userId}`,
        createdAt: new Date(1_700_000_000_000 + (i + j) * 60_000),
        vector: unitVector(),
      }));
      await store.upsert(batch);
    }
  }
  const small = Array.from({ length: 200 }, (_, i) => ({
    id: `extra-${n}-${i}`,
    userId: USERS[0]!,
    sessionId: null,
    messageIds: [],
    role: 'turn',
    text: `extra ${i}`,
    createdAt: new Date(),
    vector: unitVector(),
  }));
  const t0 = performance.now();
  for (let i = 0; i < small.length; i += 20) await store.upsert(small.slice(i, i + 20));
  return Math.round(small.length / ((performance.now() - t0) / 1000));
}

const search = (store: VectorStore) => () => store.search(unitVector(), { k: 30, filter: { userId: USERS[0]! } });

/** The road not taken: every vector of the user fetched as bytea and scored in JS. */
async function byteaScan(knex: Knex, n: number): Promise<Timing> {
  await knex.raw('create table bytea_vectors (id text primary key, user_id text not null, embedding bytea not null)');
  await knex.raw('create index on bytea_vectors (user_id)');
  for (const userId of USERS) {
    for (let i = 0; i < n; i += 500) {
      const rows = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ id: `${userId}-${i + j}`, user_id: userId, embedding: Buffer.from(unitVector().buffer) }));
      await knex('bytea_vectors').insert(rows);
    }
  }
  await knex.raw('analyze bytea_vectors');
  const scan = async () => {
    const q = unitVector();
    const res = (await knex.raw('select id, embedding from bytea_vectors where user_id = ?', [USERS[0]!])) as { rows: { id: string; embedding: Buffer }[] };
    const scored = res.rows.map((r) => {
      const v = new Float32Array(dims);
      new Uint8Array(v.buffer).set(r.embedding); // a Buffer's offset need not be 4-aligned
      let dot = 0;
      let norm = 0;
      for (let i = 0; i < dims; i++) {
        dot += v[i]! * q[i]!;
        norm += v[i]! * v[i]!;
      }
      return { id: r.id, score: dot / Math.sqrt(norm) };
    });
    return scored.sort((x, y) => y.score - x.score).slice(0, 30);
  };
  const t = await time(queries, n, scan);
  await knex.raw('drop table bytea_vectors');
  return t;
}

const results: Record<string, unknown>[] = [];
mkdirSync(a.out, { recursive: true });

for (const n of sizes) {
  log(`${n} memories per user on PostgreSQL`);
  const pg = await openInSchema(PG_URL, 4, 'bench_pgarray');
  try {
    const store = createPgarrayStore({ knex: pg.db.knex, backend: 'postgres' });
    await store.ensure(dims);
    const upsertRowsPerS = await fill(store, n);
    await pg.db.knex.raw('analyze memories');
    results.push({ backend: 'postgres', store: 'pgarray', perUser: n, search: await time(queries, n, search(store)), upsertRowsPerS });
    log(`${n}: bytea + JS on PostgreSQL`);
    results.push({ backend: 'postgres', store: 'bytea+js (not used)', perUser: n, search: await byteaScan(pg.db.knex, n) });
  } finally {
    await pg.cleanup();
  }
  if (!pgliteSizes.has(n)) continue;
  log(`${n} memories per user on PGlite`);
  const lite = await openDb({ inMemory: true });
  try {
    for (const [name, store] of [
      ['pgarray', createPgarrayStore({ knex: lite.knex, backend: 'pglite', table: 'mem_array' })],
      ['pgvector exact', createPgvectorStore({ knex: lite.knex, backend: 'pglite', table: 'mem_vector' })],
    ] as const) {
      await store.ensure(dims);
      const upsertRowsPerS = await fill(store, n);
      results.push({ backend: 'pglite', store: name, perUser: n, search: await time(queries, n, search(store)), upsertRowsPerS });
      log(`${n}: ${name} on PGlite done`);
    }
  } finally {
    await lite.close();
  }
}

const figures = {
  bench: 'pgarray',
  at: new Date().toISOString(),
  params: { sizes, queries, dims, k: 30, users: USERS.length },
  machine: { cpus: cpus().length, node: process.version, loadavg1mBefore: loadBefore, loadavg1mAfter: loadavg() },
  results,
};
writeFileSync(`${a.out}/figures.json`, `${JSON.stringify(figures, null, 2)}\n`);
const rows = results.map((r) => {
  const s = r.search as Timing;
  return `| ${String(r.backend)} | ${String(r.store)} | ${String(r.perUser)} | ${s.p50} | ${s.p90} | ${s.perMemoryUs} | ${r.upsertRowsPerS === undefined ? '' : String(r.upsertRowsPerS)} |`;
});
const md = `# pgarray store: search time per user size

\`npm run bench:pgarray\` at ${figures.at}: ${dims}-d vectors, k 30, ${queries} timed queries after one warm-up, ${USERS.length} users of N memories each
(the search filters to one). ${figures.machine.cpus} CPUs, Node ${figures.machine.node}; 1-minute load average ${loadBefore} before,
${figures.machine.loadavg1mAfter} after (other work inflates every figure).

| backend | store | memories per user | search p50 ms | p90 ms | µs per memory (p50) | upserts rows/s (batches of 20) |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
writeFileSync(`${a.out}/figures.md`, md);
console.log(md);
