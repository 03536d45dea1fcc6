/**
 * npm run bench:db — where should embedded PGlite run? The same mixed workload (per chat turn: two
 * message inserts, one history read, one vector search and one BM25 search over a user with 10k
 * memories) from C concurrent loops against PGlite in this thread ('inline') and in a worker thread
 * behind a message port ('worker').
 * Modes alternate window by window (the order rotates each round), so machine noise hits them alike.
 * Per mode: queries/s, per-query p50/p99, this thread's event-loop lag p99/longest stall and utilisation.
 * `--pg` instead sweeps the PostgreSQL pool size (no pgvector needed: inserts, history, session list).
 *
 *   npm run bench:db -- [--seconds 4] [--rounds 3] [--concurrency 16] [--memories 10000] [--modes worker,inline]
 *   npm run bench:db -- --pg [--pools 2,5,10,20] [--concurrency 100] [--url postgres://…]
 *   [--out reports/baselines/bench-db]
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createPgvectorStore, createRepos, mulberry32, openDb, type Db, type PgvectorStore, type Repos } from '../../serve';

const DIMS = 512;
const USER = 'heavy';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string' },
    memories: { type: 'string', default: '10000' },
    modes: { type: 'string', default: 'worker,inline' },
    pg: { type: 'boolean', default: false },
    pools: { type: 'string', default: '2,5,10,20' },
    url: { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    out: { type: 'string' },
  },
});

const rand = mulberry32(42);
const WORDS = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}`);
const sentence = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() ** 2 * WORDS.length)]).join(' ');
function unitVector(): Float32Array {
  const v = new Float32Array(DIMS);
  let norm = 0;
  for (let i = 0; i < DIMS; i++) norm += (v[i] = rand() * 2 - 1) ** 2;
  norm = Math.sqrt(norm);
  for (let i = 0; i < DIMS; i++) v[i]! /= norm;
  return v;
}

interface Seeded {
  sessions: string[];
}

type OpName = 'insert' | 'history' | 'vector' | 'bm25' | 'sessions';

interface Target {
  name: string;
  db: Db;
  repos: Repos;
  store?: PgvectorStore;
  ops: OpName[];
}

interface WindowResult {
  target: string;
  round: number;
  ops: number;
  seconds: number;
  latencies: Record<string, number[]>;
  /** monitorEventLoopDelay (NaN: no sample, the loop never turned). */
  eldP99Ms: number;
  /** lagProbe: p99 and the longest stall. */
  lagP99Ms: number;
  lagMaxMs: number;
  elu: number;
  errors: number;
}

async function seed(db: Db, memories: number, withStore: boolean): Promise<Seeded> {
  const repos = createRepos(db.knex);
  const sessions: string[] = [];
  for (let s = 0; s < 20; s++) {
    const session = await repos.sessions.create({ userId: USER, title: `s${s}` });
    sessions.push(session.id);
    for (let m = 0; m < 60; m++) await repos.messages.insert({ sessionId: session.id, userId: USER, role: m % 2 ? 'assistant' : 'user', content: sentence(20) });
  }
  if (withStore) {
    const store = createPgvectorStore({ knex: db.knex, backend: db.backend });
    await store.ensure(DIMS);
    const t0 = Date.now();
    for (let i = 0; i < memories; i += 500) {
      const batch = Array.from({ length: Math.min(500, memories - i) }, (_, j) => ({
        id: `m${i + j}`,
        userId: USER,
        sessionId: sessions[(i + j) % sessions.length]!,
        messageIds: [],
        role: 'turn',
        text: sentence(25),
        createdAt: new Date(Date.UTC(2026, 0, 1) + (i + j) * 60_000),
        vector: unitVector(),
      }));
      await store.upsert(batch);
    }
    await db.knex.raw('analyze');
    console.log(`seeded ${memories} memories in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return { sessions };
}

async function runOp(t: Target, op: OpName, seeded: Seeded, pick: () => number): Promise<void> {
  const session = seeded.sessions[Math.floor(pick() * seeded.sessions.length)]!;
  switch (op) {
    case 'insert':
      await t.repos.messages.insert({ sessionId: session, userId: USER, role: 'user', content: sentence(20) });
      return;
    case 'history':
      await t.repos.messages.recent(session, 50);
      return;
    case 'sessions':
      await t.repos.sessions.list({ userId: USER, limit: 20 });
      return;
    case 'vector':
      await t.store!.search(unitVector(), { k: 10, filter: { userId: USER } });
      return;
    case 'bm25':
      await t.store!.textSearch!(sentence(6), unitVector(), { k: 10, filter: { userId: USER } });
      return;
  }
}

/**
 * Event-loop lag as a 1 ms timer sees it: each tick's lateness, plus the gap still open at stop.
 * monitorEventLoopDelay records nothing while the loop never turns (inline PGlite resolves its
 * queries in microtasks), so it would report 0 for a loop blocked the whole window.
 */
function lagProbe(): () => number[] {
  const lags: number[] = [];
  let expected = performance.now() + 1;
  let timer = setTimeout(function tick() {
    const now = performance.now();
    lags.push(Math.max(0, now - expected));
    expected = now + 1;
    timer = setTimeout(tick, 1);
  }, 1);
  return () => {
    clearTimeout(timer);
    lags.push(Math.max(0, performance.now() - expected));
    return lags;
  };
}

async function window(t: Target, seeded: Seeded, round: number, seconds: number, concurrency: number): Promise<WindowResult> {
  const latencies: Record<string, number[]> = {};
  let ops = 0;
  let errors = 0;
  const eld = monitorEventLoopDelay({ resolution: 1 });
  const elu0 = performance.eventLoopUtilization();
  eld.enable();
  const stopProbe = lagProbe();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const pick = mulberry32(round * 1000 + 7);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, c) => {
      for (let i = c; performance.now() < end; i++) {
        const op = t.ops[i % t.ops.length]!;
        const s = performance.now();
        try {
          await runOp(t, op, seeded, pick);
          (latencies[op] ??= []).push(performance.now() - s);
          ops++;
        } catch (err) {
          if (errors++ === 0) console.error(`${t.name} ${op}: ${(err as Error).message}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  eld.disable();
  const lags = stopProbe();
  const elu = performance.eventLoopUtilization(elu0).utilization;
  return {
    target: t.name,
    round,
    ops,
    seconds: elapsed,
    latencies,
    eldP99Ms: eld.count > 0 ? eld.percentile(99) / 1e6 : NaN,
    lagP99Ms: pct(lags, 99),
    lagMaxMs: Math.max(...lags),
    elu,
    errors,
  };
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

function summarise(results: WindowResult[], names: string[], ops: OpName[]) {
  return names.map((name) => {
    const ws = results.filter((r) => r.target === name);
    const all: Record<string, number[]> = {};
    for (const w of ws) for (const [op, xs] of Object.entries(w.latencies)) (all[op] ??= []).push(...xs);
    const every = Object.values(all).flat();
    const med = (xs: number[]) => pct(xs, 50);
    return {
      name,
      qps: med(ws.map((w) => w.ops / w.seconds)),
      qpsPerWindow: ws.map((w) => Math.round(w.ops / w.seconds)),
      p50: pct(every, 50),
      p99: pct(every, 99),
      perOp: Object.fromEntries(ops.map((op) => [op, { n: all[op]?.length ?? 0, p50: pct(all[op] ?? [], 50), p99: pct(all[op] ?? [], 99) }])),
      eldP99: med(ws.map((w) => w.eldP99Ms)),
      lagP99: med(ws.map((w) => w.lagP99Ms)),
      lagP99Worst: Math.max(...ws.map((w) => w.lagP99Ms)),
      lagMax: Math.max(...ws.map((w) => w.lagMaxMs)),
      elu: med(ws.map((w) => w.elu)),
      errors: ws.reduce((a, w) => a + w.errors, 0),
    };
  });
}

function loadavg(): Promise<string> {
  return import('node:fs/promises').then((fs) => fs.readFile('/proc/loadavg', 'utf8')).then((s) => s.split(' ').slice(0, 3).join('/'), () => '?');
}

async function main(): Promise<void> {
  const seconds = Number(args.seconds);
  const rounds = Number(args.rounds);
  const concurrency = Number(args.concurrency ?? (args.pg ? 100 : 16));
  const memories = Number(args.memories);
  const load0 = await loadavg();
  const started = new Date().toISOString();
  const targets: Target[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let seeded: Seeded;
  let what: string;
  const ops: OpName[] = args.pg ? ['insert', 'history', 'insert', 'sessions'] : ['insert', 'history', 'vector', 'insert', 'bm25'];

  if (args.pg) {
    const pools = args.pools.split(',').map(Number);
    const schema = `bench_db_${process.pid}`;
    const seedDb = await openDb({ databaseUrl: args.url, schema, poolMax: 4 });
    cleanups.push(async () => {
      await seedDb.knex.raw('drop schema if exists ?? cascade', [schema]);
      await seedDb.close();
    });
    seeded = await seed(seedDb, 0, false);
    for (const p of pools) {
      const db = await openDb({ databaseUrl: args.url, schema, poolMax: p, migrate: false });
      cleanups.unshift(() => db.close());
      targets.push({ name: `pool ${p}`, db, repos: createRepos(db.knex), ops });
    }
    what = `PostgreSQL (${args.url.replace(/\/\/[^@]*@/, '//')}) pool sweep, ${concurrency} concurrent loops`;
  } else {
    const modes = args.modes.split(',') as ('worker' | 'inline')[];
    const root = await mkdtemp(path.join(tmpdir(), 'memocha-bench-db-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const seedDb = await openDb({ dataDir: path.join(root, 'seed'), pgliteMode: 'inline' });
    seeded = await seed(seedDb, memories, true);
    await seedDb.close();
    for (const mode of modes) {
      const dataDir = path.join(root, mode);
      await mkdir(dataDir, { recursive: true });
      await cp(path.join(root, 'seed', 'pglite'), path.join(dataDir, 'pglite'), { recursive: true });
      const t0 = performance.now();
      const db = await openDb({ dataDir, pgliteMode: mode });
      console.log(`${mode}: opened in ${Math.round(performance.now() - t0)} ms`);
      cleanups.unshift(() => db.close());
      const store = createPgvectorStore({ knex: db.knex, backend: 'pglite' });
      await store.ensure(DIMS);
      targets.push({ name: mode, db, repos: createRepos(db.knex), store, ops });
    }
    what = `PGlite on disk, ${memories} memories (${DIMS}-d, exact scan) for one user, ${concurrency} concurrent loops`;
  }

  try {
    // Warm-up: one short window each (JIT, PGlite caches, pool connections).
    for (const t of targets) await window(t, seeded, -1, Math.min(1, seconds), concurrency);
    const results: WindowResult[] = [];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + r) % targets.length]!;
        const w = await window(t, seeded, r, seconds, concurrency);
        results.push(w);
        console.log(`round ${r} ${t.name}: ${Math.round(w.ops / w.seconds)} q/s, event-loop lag p99 ${f(w.lagP99Ms)} ms, max ${f(w.lagMaxMs)} ms (monitorEventLoopDelay p99 ${f(w.eldP99Ms)}), ELU ${f(w.elu, 2)}, errors ${w.errors}`);
      }
    }
    const load1 = await loadavg();
    const summary = summarise(results, targets.map((t) => t.name), [...new Set(ops)]);
    const base = summary[0]!;
    const lines = [
      `# bench:db ${started}`,
      '',
      `${what}; op mix per loop iteration: ${ops.join(', ')}; ${rounds} rounds × ${seconds} s windows, modes interleaved (order rotated each round) after a warm-up window each.`,
      `${cpus().length}× ${cpus()[0]?.model ?? '?'} · load avg ${load0} → ${load1} · node ${process.version}`,
      '',
      `| target | q/s (median window) | q/s vs ${base.name} | query p50 ms | query p99 ms | ${[...new Set(ops)].map((o) => `${o} p50/p99 ms`).join(' | ')} | event-loop lag p99 ms (median / worst window) | longest stall ms | monitorEventLoopDelay p99 ms | main-thread ELU | errors |`,
      `|---|---:|---:|---:|---:|${[...new Set(ops)].map(() => '---:').join('|')}|---:|---:|---:|---:|---:|`,
      ...summary.map(
        (s) =>
          `| ${s.name} | ${Math.round(s.qps)} (${s.qpsPerWindow.join(', ')}) | ${f(s.qps / base.qps, 2)} | ${f(s.p50)} | ${f(s.p99)} | ${Object.values(s.perOp)
            .map((o) => `${f(o.p50)} / ${f(o.p99)}`)
            .join(' | ')} | ${f(s.lagP99)} / ${f(s.lagP99Worst)} | ${f(s.lagMax)} | ${f(s.eldP99)} | ${f(s.elu, 2)} | ${s.errors} |`,
      ),
      '',
    ];
    console.log(lines.join('\n'));
    if (args.out) {
      await mkdir(args.out, { recursive: true });
      const name = args.pg ? 'pg-pool' : 'pglite-modes';
      await writeFile(path.join(args.out, `${name}.md`), lines.join('\n'));
      await writeFile(path.join(args.out, `${name}.json`), JSON.stringify({ started, what, ops, rounds, seconds, concurrency, load: [load0, load1], summary, windows: results.map(({ latencies: _l, ...w }) => w) }, null, 2));
    }
  } finally {
    for (const c of cleanups) await c().catch((err: unknown) => console.error('cleanup:', (err as Error).message));
  }
}

await main();
