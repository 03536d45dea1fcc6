/**
 * Do Redis caches pay? `npm run bench:redis-cache` (Redis at REDIS_URL or 127.0.0.1:6379, PostgreSQL at
 * TEST_DATABASE_URL or the test database) writes reports/baselines/redis-cache/{figures.json,figures.md}.
 *
 * 1. Hit rate of the query-embedding cache on a chat-like stream: every user turn and every question of
 *    datasets/memory-dev.jsonl (each one a retrieval query), users interleaved, spread round-robin over
 *    1, 2 or 4 instances as a balancer would; in-process LRU only vs LRU + shared Redis.
 * 2. The embed step (use-lite in its worker thread, the server's default) on a miss, a Redis hit and an
 *    LRU hit; the static embedder beside a Redis hit (why `static` is not put behind Redis).
 * 3. Whole retrievals (retrieveMemories on PGlite + pgvector, the memory-dev users' turns as memories)
 *    with the query's vector embedded vs read from Redis, interleaved question by question.
 * 4. A session's recent window: memocha_start_turn on PostgreSQL reading 20 messages vs none, against a
 *    Redis GET of those 20 messages: what a window cache could save at most vs what it costs.
 * Latencies in microseconds through hdr-histogram-js; the 1-minute load average before and after.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { build, type Histogram } from 'hdr-histogram-js';
import pino from 'pino';
import { testConfig } from '../../config';
import { openDb } from '../../db';
import { createRepos } from '../../db/repos';
import { withCache } from '../../embeddings/cache';
import { type CacheResult, withRedisCache } from '../../embeddings/redis-cache';
import { createEmbedder } from '../../embeddings/registry';
import type { EmbeddingProvider } from '../../embeddings/types';
import { queryEmbeddingText, retrieveMemories } from '../../memory/retrieve';
import { retrievalConfig } from '../../memory/service';
import { createPgvectorStore } from '../../memory/store/pgvector';
import type { MemoryRecord } from '../../memory/store/types';
import { closeRedis, openRedis } from '../client';

const OUT = 'reports/baselines/redis-cache';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LRU_ENTRIES = 10_000; // EMBEDDINGS_CACHE_SIZE's default
const WINDOW = 20; // HISTORY_WINDOW's default
const WINDOW_CALLS = 1_000;
/** A window cache must save at least this per turn (p50) to be worth a stale history's risk. */
const WINDOW_MIN_GAIN_MS = 1;

const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const log = (msg: string) => console.error(`[bench:redis-cache] ${msg} (load ${loadavg()})`);
const loadBefore = loadavg();

const hist = (): Histogram => build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
type Summary = { n: number; p50: number; p95: number; p99: number; mean: number };
/** A histogram of µs → ms figures. */
const summary = (h: Histogram): Summary => {
  const ms = (us: number) => Math.round(us) / 1000;
  return { n: h.totalCount, p50: ms(h.getValueAtPercentile(50)), p95: ms(h.getValueAtPercentile(95)), p99: ms(h.getValueAtPercentile(99)), mean: ms(h.mean) };
};
async function timed<T>(h: Histogram, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await f();
  h.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
  return r;
}

// --- the query stream ----------------------------------------------------------------------------
interface Conversation {
  userId: string;
  sessions: { date: string; turns: { role: string; text: string }[] }[];
  questions: { question: string }[];
}
const conversations = readFileSync('datasets/memory-dev.jsonl', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => JSON.parse(l) as Conversation);
const perUser = conversations.map((c) => [...c.sessions.flatMap((s) => s.turns.filter((t) => t.role === 'user').map((t) => t.text)), ...c.questions.map((q) => q.question)]);
/** Users interleaved, each in its own order: what the instances see as the users chat at once. */
const stream: string[] = [];
for (let i = 0; perUser.some((q) => i < q.length); i++) for (const q of perUser) if (i < q.length) stream.push(queryEmbeddingText(q[i]!));
const distinct = [...new Set(stream)];

const redis = openRedis({ url: REDIS_URL, commandTimeoutMs: 1_000, logger: pino({ level: 'silent' }) });
if (redis.status !== 'ready') await once(redis, 'ready');
const runPrefix = `bench:cache:${randomBytes(4).toString('hex')}`;
let prefixes = 0;
const newPrefix = () => `${runPrefix}:${++prefixes}`;

/** 512-d vectors at no cost, counting the texts it is asked for: the hit-rate runs need counts, not vectors. */
function countingEmbedder() {
  const counter = { texts: 0 };
  const provider: EmbeddingProvider = { id: 'count', dimensions: 512, embed: async (texts) => ((counter.texts += texts.length), texts.map(() => new Float32Array(512))) };
  return { provider, counter };
}

async function hitRate(instances: number, shared: boolean) {
  const prefix = newPrefix();
  const results: Record<CacheResult, number> = { hit: 0, miss: 0, error: 0 };
  const nodes = Array.from({ length: instances }, () => {
    const { provider, counter } = countingEmbedder();
    const inner = shared ? withRedisCache(provider, { redis, prefix, ttlSeconds: 3600, onResult: (r, n) => (results[r] += n) }) : provider;
    return { cached: withCache(inner, { maxEntries: LRU_ENTRIES }), counter };
  });
  for (let i = 0; i < stream.length; i++) {
    await nodes[i % instances]!.cached.embed([stream[i]!]);
    if (shared) await redis.ping(); // the write-behind SET is sent before the next query (as between real turns)
  }
  const embedded = nodes.reduce((s, n) => s + n.counter.texts, 0);
  const lruHits = nodes.reduce((s, n) => s + n.cached.stats().queries.hits, 0);
  return { instances, shared, queries: stream.length, embedded, hitRate: round(1 - embedded / stream.length), lruHits, redisHits: results.hit, redisErrors: results.error };
}
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

log(`query stream: ${stream.length} queries, ${distinct.length} distinct, ${conversations.length} users`);
const hitRates = [];
for (const n of [1, 2, 4]) for (const shared of n === 1 ? [false] : [false, true]) hitRates.push(await hitRate(n, shared));
hitRates.push(await hitRate(1, true));

// --- the embed step: miss, Redis hit, LRU hit ------------------------------------------------------
log('embed step: use-lite (worker)');
const useLite = createEmbedder('use-lite', { worker: true });
await useLite.warmup?.();
for (let i = 0; i < 10; i++) await useLite.embed([`warm-up ${i}`]);
const embedPrefix = newPrefix();
const viaRedis = withRedisCache(useLite, { redis, prefix: embedPrefix, ttlSeconds: 3600 });
const embed = { bare: hist(), miss: hist(), redisHit: hist(), lruHit: hist(), static: hist(), staticRedisHit: hist() };
const texts = distinct.slice(0, 300);
// Interleaved text by text: bare use-lite, then through Redis (a miss: GET, embed, SET behind), then a
// Redis hit (another instance: no LRU), then an LRU hit.
const lru = withCache(viaRedis, { maxEntries: LRU_ENTRIES });
for (const t of texts) {
  await timed(embed.bare, () => useLite.embed([t]));
  await timed(embed.miss, () => viaRedis.embed([t]));
  await redis.ping();
  await timed(embed.redisHit, () => viaRedis.embed([t]));
  await lru.embed([t]);
  await timed(embed.lruHit, () => lru.embed([t]));
}
await useLite.close?.();

log('embed step: static');
const staticEmbedder = createEmbedder('static', { dataDir: process.env.DATA_DIR ?? './data' });
await staticEmbedder.embed(['warm-up']);
const staticPrefix = newPrefix();
const staticViaRedis = withRedisCache(staticEmbedder, { redis, prefix: staticPrefix, ttlSeconds: 3600 });
for (const t of texts) await staticViaRedis.embed([t]);
await redis.ping();
for (const t of texts) {
  await timed(embed.static, () => staticEmbedder.embed([t]));
  await timed(embed.staticRedisHit, () => staticViaRedis.embed([t]));
}

// --- whole retrievals --------------------------------------------------------------------------------
log('retrieval: seeding PGlite + pgvector with the users’ turns');
const worker = createEmbedder('use-lite', { worker: true });
await worker.warmup?.();
const db = await openDb({ inMemory: true, migrate: false });
const store = createPgvectorStore({ knex: db.knex, backend: db.backend });
await store.ensure(512);
for (const c of conversations) {
  const turns = c.sessions.flatMap((s, si) => s.turns.filter((t) => t.role === 'user').map((t, ti) => ({ text: t.text, at: new Date(s.date), id: `${c.userId}:${si}:${ti}` })));
  const vectors = await worker.embed(turns.map((t) => t.text), { priority: 'background' });
  await store.upsert(turns.map((t, j): MemoryRecord => ({ id: t.id, userId: c.userId, sessionId: null, messageIds: [], role: 'turn', text: t.text, createdAt: t.at, vector: vectors[j]! })));
}
const cfg = retrievalConfig(testConfig());
const retrievalPrefix = newPrefix();
const retrievalViaRedis = withRedisCache(worker, { redis, prefix: retrievalPrefix, ttlSeconds: 3600 });
const questions = conversations.flatMap((c) => c.questions.map((q) => ({ userId: c.userId, query: q.question })));
for (const q of questions) await retrievalViaRedis.embed([queryEmbeddingText(q.query)]);
await redis.ping();
const retrieval = { miss: hist(), hit: hist(), missEmbed: hist(), hitEmbed: hist() };
log(`retrieval: ${questions.length} questions, miss and hit interleaved`);
for (let round = 0; round < 2; round++) {
  for (const q of questions) {
    const miss = await timed(retrieval.miss, () => retrieveMemories({ store, embedder: worker }, { userId: q.userId, query: q.query, now: new Date('2025-01-01') }, cfg));
    const hit = await timed(retrieval.hit, () => retrieveMemories({ store, embedder: retrievalViaRedis }, { userId: q.userId, query: q.query, now: new Date('2025-01-01') }, cfg));
    retrieval.missEmbed.recordValue(Math.max(1, Math.round(miss.timings.embedMs * 1000)));
    retrieval.hitEmbed.recordValue(Math.max(1, Math.round(hit.timings.embedMs * 1000)));
  }
}
await worker.close?.();
await db.close();

// --- a session's recent window ------------------------------------------------------------------------
log('window: memocha_start_turn on PostgreSQL vs a Redis GET');
const schema = `bench_window_${randomBytes(4).toString('hex')}`;
const pg = await openDb({ databaseUrl: PG_URL, schema, poolMax: 2 });
const windowFigures: Record<string, Summary | number | boolean | string> = {};
try {
  const repos = createRepos(pg.knex);
  const userId = 'bench-user';
  const session = await repos.sessions.create({ userId });
  const lines = perUser.flat();
  const start = (window: number, i: number) =>
    repos.turns.start({ userId, sessionId: session.id, window, userMessage: { id: randomUUID(), content: lines[i % lines.length]! }, answer: { id: randomUUID(), model: 'bench', instanceId: 'bench' } });
  for (let i = 0; i < WINDOW; i++) await start(0, i); // 40 messages in the session before timing
  const withWindow = hist();
  const noWindow = hist();
  const redisGet = hist();
  const redisSet = hist();
  const ping = hist();
  const readAlone = hist();
  const readSql = 'select * from messages where session_id = ? order by seq desc limit ?';
  const history = (await start(WINDOW, 0))!.history;
  const windowKey = `${newPrefix()}:window:${session.id}`;
  const value = JSON.stringify(history);
  await redis.set(windowKey, value, 'EX', 600);
  for (let i = 0; i < 50; i++) await start(i % 2 ? WINDOW : 0, i); // warm-up: plans, pool
  for (let i = 0; i < WINDOW_CALLS; i++) {
    // alternate which goes first, so neither always follows the other
    const first = i % 2 === 0;
    if (first) await timed(withWindow, () => start(WINDOW, i));
    await timed(noWindow, () => start(0, i));
    if (!first) await timed(withWindow, () => start(WINDOW, i));
    await timed(redisGet, async () => JSON.parse((await redis.get(windowKey))!) as unknown);
    await timed(redisSet, () => redis.set(windowKey, value, 'EX', 600));
    // The window's read as a statement of its own, beside an empty round trip: an upper bound of what
    // reading it costs inside the function (where it adds no round trip and no commit).
    await timed(ping, () => pg.knex.raw('select 1'));
    await timed(readAlone, () => pg.knex.raw(readSql, [session.id, WINDOW]));
  }
  const w = summary(withWindow);
  const nw = summary(noWindow);
  const g = summary(redisGet);
  const p = summary(ping);
  const ra = summary(readAlone);
  const netSaved = w.p50 - nw.p50 - g.p50;
  Object.assign(windowFigures, {
    window: WINDOW,
    windowBytes: Buffer.byteLength(value),
    startTurnWithWindow: w,
    startTurnWithoutWindow: nw,
    redisGetAndParse: g,
    redisSet: summary(redisSet),
    pgSelect1: p,
    windowReadAlone: ra,
    windowCostInStartTurnMsP50: round(w.p50 - nw.p50),
    netSavedMsP50: round(netSaved),
    minGainMs: WINDOW_MIN_GAIN_MS,
    pays: netSaved >= WINDOW_MIN_GAIN_MS,
  });
} finally {
  await pg.knex.raw('drop schema if exists ?? cascade', [schema]);
  await pg.close();
}

// --- cleanup and report ---------------------------------------------------------------------------------
let cursor = '0';
do {
  const [next, keys] = await redis.scan(cursor, 'MATCH', `${runPrefix}:*`, 'COUNT', 1000);
  if (keys.length > 0) await redis.del(...keys);
  cursor = next;
} while (cursor !== '0');
await closeRedis(redis);

const e = Object.fromEntries(Object.entries(embed).map(([k, h]) => [k, summary(h)])) as Record<keyof typeof embed, Summary>;
const r = Object.fromEntries(Object.entries(retrieval).map(([k, h]) => [k, summary(h)])) as Record<keyof typeof retrieval, Summary>;
const figures = {
  generatedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version, loadavg1mBefore: loadBefore, loadavg1mAfter: loadavg() },
  stream: { source: 'datasets/memory-dev.jsonl: user turns then questions, users interleaved, round-robin over instances', queries: stream.length, distinct: distinct.length, users: conversations.length, lruEntries: LRU_ENTRIES },
  hitRates,
  embedMs: { texts: texts.length, ...e },
  retrievalMs: { questions: questions.length * 2, ...r, p50GainMs: round(r.miss.p50 - r.hit.p50), p95GainMs: round(r.miss.p95 - r.hit.p95) },
  windowMs: windowFigures,
};
mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/figures.json`, `${JSON.stringify(figures, null, 2)}\n`);

const row = (name: string, s: Summary) => `| ${name} | ${s.n} | ${s.p50} | ${s.p95} | ${s.p99} |`;
const wf = windowFigures as { startTurnWithWindow: Summary; startTurnWithoutWindow: Summary; pgSelect1: Summary; windowReadAlone: Summary; redisGetAndParse: Summary; redisSet: Summary; windowBytes: number; windowCostInStartTurnMsP50: number; netSavedMsP50: number; pays: boolean };
const md = `# Redis caches: do they pay?

\`npm run bench:redis-cache\`, ${figures.generatedAt}; ${figures.machine.cpus} CPUs, Node ${figures.machine.node};
1-minute load average ${loadBefore} before, ${figures.machine.loadavg1mAfter} after (other work was running when it was above ~0.5).

## Query-embedding cache: hit rate

${stream.length} retrieval queries (${distinct.length} distinct): every user turn and question of
\`datasets/memory-dev.jsonl\`, ${conversations.length} users interleaved, spread round-robin over the instances; LRU of ${LRU_ENTRIES}.
memory-dev's questions are templated (the same question asked by many users), so its repeat rate is
higher than most real traffic's; the difference between the rows is what Redis adds.

| instances | shared Redis | embedded | hit rate | LRU hits | Redis hits |
| --- | --- | --- | --- | --- | --- |
${hitRates.map((h) => `| ${h.instances} | ${h.shared ? 'yes' : 'no'} | ${h.embedded} | ${h.hitRate} | ${h.lruHits} | ${h.redisHits} |`).join('\n')}

## The embed step (ms)

| path | n | p50 | p95 | p99 |
| --- | --- | --- | --- | --- |
${row('use-lite (worker), no cache', e.bare)}
${row('use-lite through Redis, miss (GET + embed)', e.miss)}
${row('Redis hit (GET + decode)', e.redisHit)}
${row('in-process LRU hit', e.lruHit)}
${row('static embedder, no cache', e.static)}
${row('static through Redis, hit', e.staticRedisHit)}

## Whole retrieval (ms; PGlite + pgvector, ${questions.length} questions × 2, interleaved)

| query vector | n | p50 | p95 | p99 |
| --- | --- | --- | --- | --- |
${row('embedded (use-lite worker)', r.miss)}
${row('from Redis', r.hit)}
${row('  its embed stage, embedded', r.missEmbed)}
${row('  its embed stage, from Redis', r.hitEmbed)}

Gain per retrieval that hits: p50 ${figures.retrievalMs.p50GainMs} ms, p95 ${figures.retrievalMs.p95GainMs} ms.

## A session's recent window (ms; PostgreSQL, ${WINDOW} messages = ${wf.windowBytes} bytes of JSON)

| call | n | p50 | p95 | p99 |
| --- | --- | --- | --- | --- |
${row(`memocha_start_turn, window ${WINDOW}`, wf.startTurnWithWindow)}
${row('memocha_start_turn, window 0', wf.startTurnWithoutWindow)}
${row('the window read alone (its own statement, planned each call)', wf.windowReadAlone)}
${row('select 1 (an empty round trip)', wf.pgSelect1)}
${row('Redis GET + JSON.parse of the window', wf.redisGetAndParse)}
${row('Redis SET of the window (each turn would need one)', wf.redisSet)}

The window is read inside the one round trip that must happen anyway (session check and inserts, one
commit): reading it there costs p50 ${wf.windowCostInStartTurnMsP50} ms (start_turn with the window minus without). A
cache would replace that with a GET + parse on the turn's path (net p50 ${wf.netSavedMsP50} ms saved), add a SET per
turn (the window changes with every message) and invalidation on edits, regenerations, forgets and deletes
done by any instance, and the database round trip stays. Against the ~15 ms a query-embedding hit saves,
the bar is ${WINDOW_MIN_GAIN_MS} ms net per turn at p50. Pays: **${wf.pays ? 'yes (re-check before building it)' : 'no'}**${wf.pays ? '' : ', so it is not built'}.
`;
writeFileSync(`${OUT}/figures.md`, md);
console.log(md);
process.exit(0);
