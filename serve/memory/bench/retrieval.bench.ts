/**
 * Where retrieval's time goes at N memories per user, on the server's own PGlite (worker thread):
 * `npx tsx serve/memory/bench/retrieval.bench.ts [--per-user 10000] [--users 2] [--queries 60] [--embeddings static]
 *  [--texts readmes|synthetic] [--ef-search 40,100]`.
 * Memories: `readmes` (default) are real sentences (lines of the markdown files in node_modules, embedded by the
 * chosen model: realistic neighbourhoods, the queries held-out lines); `synthetic` is the latency suite's
 * shape (64 embedded texts, each memory one of them plus Zipf words, its vector jittered).
 * Prints HNSW recall@candidates against the exact scan (the graph alone, and the store as the server
 * runs it, the planner choosing), top-k agreement of the whole retrieveMemories, and ms p50/p90 of each
 * stage alone (the embedder, vector search exact / HNSW, BM25 textSearch) and of the whole retrieval
 * with the default config. Not a test; prints the 1-min load average.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openDb } from '../../db';
import { testConfig } from '../../config';
import { embedderFromConfig } from '../wire';
import { retrievalConfig } from '../service';
import { retrieveMemories } from '../retrieve';
import { createPgvectorStore } from '../store/pgvector';
import type { MemoryRecord, VectorStore } from '../store/types';

const { values: a } = parseArgs({
  options: {
    'per-user': { type: 'string', default: '10000' },
    users: { type: 'string', default: '2' },
    queries: { type: 'string', default: '60' },
    embeddings: { type: 'string', default: 'static' },
    'ef-search': { type: 'string', default: '40,100' },
    texts: { type: 'string', default: 'readmes' },
  },
});
const perUser = Number(a['per-user']);
const users = Number(a.users);
const queries = Number(a.queries);

let s = 7;
const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}${'aeiou'[i % 5]}n`);
const zipf = () => words[Math.min(words.length - 1, Math.floor(Math.exp(rnd() * Math.log(words.length))) - 1)]!;
const sentence = (n: number) => Array.from({ length: n }, zipf).join(' ');

function jitter(v: Float32Array): Float32Array {
  const out = new Float32Array(v.length);
  let norm = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]! + (rnd() - 0.5) * 0.3 / Math.sqrt(v.length) * 4;
    out[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) out[i] = out[i]! / norm;
  return out;
}

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
};
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

async function time(name: string, n: number, f: (i: number) => Promise<unknown>): Promise<void> {
  await f(0);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f(i + 1);
    xs.push(performance.now() - t0);
  }
  console.log(`${name.padEnd(34)} p50 ${pct(xs, 0.5).toFixed(2).padStart(8)} ms   p90 ${pct(xs, 0.9).toFixed(2).padStart(8)} ms`);
}

const config = testConfig({ EMBEDDINGS: a.embeddings!, DATA_DIR: './data' });
const embedder = embedderFromConfig(config, { cacheEntries: 0 });
const db = await openDb({ inMemory: true, migrate: false });
const exact = createPgvectorStore({ knex: db.knex, backend: db.backend });
const efs = a['ef-search']!.split(',').map(Number);
const hnsw = (efSearch: number, forceIndex: boolean) => createPgvectorStore({ knex: db.knex, backend: db.backend, index: { type: 'hnsw', efSearch, forceIndex } });
await exact.ensure(embedder.dimensions);

/** Distinct markdown lines/sentences that read as sentences (6-40 words), shuffled. */
function readmeLines(n: number): string[] {
  const files = execFileSync('find', ['node_modules', '-iname', '*.md'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  const seen = new Set<string>();
  for (const f of files) {
    for (const raw of readFileSync(f, 'utf8').split(/\n|(?<=[.!?]) +(?=[A-Z])/)) {
      const line = raw.replace(/[#>*`|_[\]()]/g, ' ').replace(/\s+/g, ' ').trim();
      const words = line.split(' ').length;
      if (words >= 5 && words <= 40 && /[a-z]{3}/.test(line) && !/https?:|[{};=]/.test(line)) seen.add(line);
    }
  }
  const all = [...seen];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  if (all.length < n) throw new Error(`only ${all.length} markdown sentences, ${n} wanted`);
  return all.slice(0, n);
}

const t0 = performance.now();
let qTexts: string[];
if (a.texts === 'readmes') {
  const lines = readmeLines(users * perUser + queries + 1);
  qTexts = lines.slice(users * perUser);
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < perUser; i += 500) {
      const texts = lines.slice(u * perUser + i, u * perUser + Math.min(perUser, i + 500));
      const vectors = await embedder.embed(texts);
      await exact.upsert(texts.map((text, j) => ({ id: `u${u}:${i + j}`, userId: `u${u}`, sessionId: null, messageIds: [], role: 'turn', text, createdAt: new Date(Date.now() - rnd() * 365 * 86_400_000), vector: vectors[j]! })));
    }
  }
} else {
  const pool = Array.from({ length: 64 }, () => sentence(12 + Math.floor(rnd() * 20)));
  const poolVectors = await embedder.embed(pool);
  for (let u = 0; u < users; u++) {
    let batch: MemoryRecord[] = [];
    for (let i = 0; i < perUser; i++) {
      const j = Math.floor(rnd() * pool.length);
      batch.push({ id: `u${u}:${i}`, userId: `u${u}`, sessionId: null, messageIds: [], role: 'turn', text: `${pool[j]} ${sentence(4 + Math.floor(rnd() * 12))}`, createdAt: new Date(Date.now() - rnd() * 365 * 86_400_000), vector: jitter(poolVectors[j]!) });
      if (batch.length === 1000) {
        await exact.upsert(batch);
        batch = [];
      }
    }
    if (batch.length) await exact.upsert(batch);
  }
  qTexts = Array.from({ length: queries + 1 }, () => `${sentence(3)} ${pool[Math.floor(rnd() * pool.length)]!.split(' ').slice(0, 4).join(' ')}?`);
}
console.log(`seeded ${users} × ${perUser} (${a.texts}) in ${((performance.now() - t0) / 1000).toFixed(1)} s; load ${load()}; building HNSW…`);
const t1 = performance.now();
await hnsw(40, false).ensure(embedder.dimensions);
await db.knex.raw('analyze memories');
console.log(`HNSW (m 16, ef_construction 64) built in ${((performance.now() - t1) / 1000).toFixed(1)} s; load ${load()}; embedder ${embedder.id}`);

const qVectors = await embedder.embed(qTexts);
const filter = { userId: 'u0' };
const cfg = retrievalConfig(config);
const fetch = cfg.candidates;
const withVectors = cfg.dedupeNear !== undefined;
const stores: [string, VectorStore][] = [['exact', exact], ...efs.flatMap((ef): [string, VectorStore][] => [[`hnsw ef ${ef}`, hnsw(ef, false)], [`hnsw ef ${ef} forced`, hnsw(ef, true)]])];
for (const [, store] of stores) await store.ensure(embedder.dimensions);

// recall of the approximate searches against the exact one, and agreement of the whole retrieval's top k
const truth: Set<string>[] = [];
const truthTop: string[][] = [];
for (let i = 0; i < queries; i++) {
  truth.push(new Set((await exact.search(qVectors[i]!, { k: fetch, filter })).map((h) => h.record.id)));
  truthTop.push((await retrieveMemories({ store: exact, embedder }, { userId: 'u0', query: qTexts[i]! }, cfg)).memories.map((m) => m.record.id));
}
for (const [name, store] of stores.slice(1)) {
  let found = 0;
  let total = 0;
  let agree = 0;
  let kept = 0;
  for (let i = 0; i < queries; i++) {
    const got = await store.search(qVectors[i]!, { k: fetch, filter });
    found += got.filter((h) => truth[i]!.has(h.record.id)).length;
    total += truth[i]!.size;
    const top = new Set((await retrieveMemories({ store, embedder }, { userId: 'u0', query: qTexts[i]! }, cfg)).memories.map((m) => m.record.id));
    agree += truthTop[i]!.filter((id) => top.has(id)).length;
    kept += truthTop[i]!.length;
  }
  console.log(`${name.padEnd(22)} vector recall@${fetch} vs exact ${(found / total).toFixed(3)}; retrieval top-${cfg.k} agreement with exact ${(agree / Math.max(1, kept)).toFixed(3)}`);
}

await time(`embed (${embedder.id}, no cache)`, queries, (i) => embedder.embed([`${qTexts[i]} ${i}`]));
for (const [name, store] of stores) {
  await time(`search ${name} k=${fetch}`, queries, (i) => store.search(qVectors[i]!, { k: fetch, filter }));
  await time(`search ${name} k=${fetch} +vectors`, queries, (i) => store.search(qVectors[i]!, { k: fetch, filter, withVectors }));
}
await time(`textSearch k=${fetch} +vectors`, queries, (i) => exact.textSearch!(qTexts[i]!, qVectors[i]!, { k: fetch, filter, withVectors }));
for (const [name, store] of stores.filter(([n]) => !n.endsWith('forced'))) {
  const stages: { embedMs: number; searchMs: number; rankMs: number }[] = [];
  await time(`retrieveMemories ${name}`, queries, async (i) => stages.push((await retrieveMemories({ store, embedder }, { userId: 'u0', query: qTexts[i]! }, cfg)).timings));
  const med = (f: (t: (typeof stages)[number]) => number) => pct(stages.map(f), 0.5).toFixed(2);
  console.log(`  its stages (p50 ms): embed ${med((t) => t.embedMs)}, search ${med((t) => t.searchMs)}, rank ${med((t) => t.rankMs)}`);
}

// what the index costs the writer (the indexer shares PGlite's one connection with retrievals)
const extra = (from: number, n: number): MemoryRecord[] =>
  Array.from({ length: n }, (_, i) => ({ id: `w:${from + i}`, userId: 'u1', sessionId: null, messageIds: [], role: 'turn', text: qTexts[(from + i) % qTexts.length]!, createdAt: new Date(), vector: jitter(qVectors[(from + i) % qVectors.length]!) }));
const rowsPerSec = async (from: number) => {
  const t = performance.now();
  for (let i = 0; i < 10; i++) await exact.upsert(extra(from + i * 20, 20));
  return (200 / ((performance.now() - t) / 1000)).toFixed(0);
};
const withIndex = await rowsPerSec(0);
await db.knex.raw('drop index memories_embedding_hnsw_idx');
console.log(`upsert, 10 batches of 20 rows: ${withIndex} rows/s with the HNSW index, ${await rowsPerSec(1000)} rows/s without; load ${load()}`);
console.log(`load ${load()}`);
await embedder.close?.();
await db.close();
