/**
 * The lexical half of hybrid retrieval on pgvector-on-PGlite, one user holding every memory:
 * ingestion (store.upsert of 512-d memories in batches of 500, the BM25 statistics kept by the
 * table's triggers) and the latency of store.textSearch (BM25) and of store.search + textSearch
 * (the store's share of a hybrid retrieval) as the user's memories grow.
 * Texts are chat-turn sized (24–48 words: stop words plus content words drawn from a Zipf law over
 * a pseudo-word vocabulary, ranks 100 and up so the head behaves like common content words, not
 * like stop words); queries are 3–7 content words from the same law. Seeded, not real chat.
 */
import { bm25Names, createPgvectorStore, mulberry32, type MemoryRecord } from '../../../serve';
import { openPgliteKnex } from '../../../serve/testing';
import type { SuiteContext } from '../../harness/suite';
import { DIM, latency, vectorSource, type Hooks, type Latency } from './measure';

export interface TextSearchOptions {
  /** store sizes (memories of the one user), ascending; empty = skip */
  sizes: readonly number[];
  queries: number;
  /** hits per textSearch/search (MEMORY_CANDIDATES' default is 30) */
  k: number;
  /** content-word vocabulary size */
  vocabulary: number;
  seed: number;
}

export interface TextSearchRow {
  size: number;
  /** memories/s of the upserts that grew the store to `size` */
  insertPerSec: number;
  textSearch: Latency;
  /** search(k) then textSearch(k), as retrieveMemories runs them */
  hybrid: Latency;
  /** mean postings read per query (all the user's postings of its terms) */
  postingsPerQuery: number;
  /** mean hits returned per textSearch */
  hitsPerQuery: number;
}

const STOP = ['i', 'the', 'and', 'to', 'a', 'of', 'it', 'is', 'was', 'that', 'my', 'you', 'we', 'in', 'for', 'on', 'so', 'but', 'with', 'have'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi', 'de', 'po', 'zu', 'fa', 'ge', 'hi', 'ju', 'be', 'ro', 'ta', 'ni', 'ko'];
const FIRST_RANK = 100;

/** Pseudo-word `i` (distinct for distinct i): its base-20 digits as syllables, plus a consonant. */
export function pseudoWord(i: number): string {
  let s = '';
  let n = i + SYLLABLES.length; // at least two syllables
  while (n > 0) {
    s = (SYLLABLES[n % SYLLABLES.length] as string) + s;
    n = Math.floor(n / SYLLABLES.length);
  }
  return `${s}r`;
}

/** Seeded text and query generators over a Zipf(1) law on ranks FIRST_RANK … FIRST_RANK + vocabulary − 1. */
export function zipfText(seed: number, vocabulary: number): { text: () => string; query: () => string } {
  const rand = mulberry32(seed);
  const cumulative = new Float64Array(vocabulary);
  let total = 0;
  for (let r = 0; r < vocabulary; r++) cumulative[r] = total += 1 / (FIRST_RANK + r);
  const word = () => {
    const x = rand() * total;
    let lo = 0;
    let hi = vocabulary - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return pseudoWord(lo);
  };
  const words = (n: number, stopShare: number) => Array.from({ length: n }, () => (rand() < stopShare ? (STOP[Math.floor(rand() * STOP.length)] as string) : word())).join(' ');
  return { text: () => words(24 + Math.floor(rand() * 25), 0.45), query: () => words(3 + Math.floor(rand() * 5), 0) };
}

const USER = 'text-user';

export async function benchTextSearch(opts: TextSearchOptions, hooks: Hooks): Promise<TextSearchRow[]> {
  if (opts.sizes.length === 0) return [];
  const db = await openPgliteKnex();
  const rows: TextSearchRow[] = [];
  try {
    const store = createPgvectorStore({ knex: db.knex, backend: 'pglite', table: 'text_bench' });
    await store.ensure(DIM);
    const gen = zipfText(opts.seed, opts.vocabulary);
    const nextVector = vectorSource(opts.seed, 3, false);
    const queries = Array.from({ length: opts.queries }, () => ({ text: gen.query(), vector: nextVector() }));
    const postings = bm25Names(store.table).postings;
    let have = 0;
    for (const size of opts.sizes) {
      if (hooks.signal?.aborted) break;
      const t0 = performance.now();
      for (let i = have; i < size; i += 500) {
        const batch: MemoryRecord[] = Array.from({ length: Math.min(500, size - i) }, (_, j) => ({
          id: `t${i + j}`,
          userId: USER,
          sessionId: `s${(i + j) % 50}`,
          messageIds: [],
          role: 'turn',
          text: gen.text(),
          createdAt: new Date(1.7e12 + (i + j) * 60_000),
          vector: nextVector(),
        }));
        await store.upsert(batch);
      }
      const insertPerSec = (size - have) / ((performance.now() - t0) / 1000);
      have = size;
      const filter = { userId: USER };
      for (const q of queries.slice(0, 5)) await store.textSearch!(q.text, q.vector, { k: opts.k, filter });
      const lexical: number[] = [];
      const hybrid: number[] = [];
      let hits = 0;
      for (const q of queries) {
        const t1 = performance.now();
        hits += (await store.textSearch!(q.text, q.vector, { k: opts.k, filter })).length;
        lexical.push((performance.now() - t1) * 1000);
        const t2 = performance.now();
        await store.search(q.vector, { k: opts.k, filter });
        await store.textSearch!(q.text, q.vector, { k: opts.k, filter });
        hybrid.push((performance.now() - t2) * 1000);
      }
      let read = 0;
      for (const q of queries) {
        const res = (await db.knex.raw(
          `select count(*)::int as n from ?? where user_id = ? and term = any (tsvector_to_array(to_tsvector('english', ?::text)))`,
          [postings, USER, q.text],
        )) as { rows: { n: number }[] };
        read += res.rows[0]?.n ?? 0;
      }
      const row: TextSearchRow = { size, insertPerSec, textSearch: latency(lexical), hybrid: latency(hybrid), postingsPerQuery: read / queries.length, hitsPerQuery: hits / queries.length };
      rows.push(row);
      hooks.log(`text search at ${size} memories: ${insertPerSec.toFixed(0)} memories/s; textSearch p50 ${row.textSearch.p50Us} µs, p99 ${row.textSearch.p99Us} µs; ${row.postingsPerQuery.toFixed(0)} postings/query`);
    }
    return rows;
  } finally {
    await db.close();
  }
}

const label = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));
const ms = (us: number) => us / 1000;
const COLUMNS = ['size', 'insert_per_s', 'queries', 'text_p50_ms', 'text_p99_ms', 'hybrid_p50_ms', 'hybrid_p99_ms', 'postings_per_query', 'hits_per_query'];

export function emitTextSearch(ctx: SuiteContext, opts: Omit<TextSearchOptions, 'seed'>, rows: readonly TextSearchRow[]): void {
  const cells = (r: TextSearchRow) => [r.size, Math.round(r.insertPerSec), r.textSearch.n, ms(r.textSearch.p50Us), ms(r.textSearch.p99Us), ms(r.hybrid.p50Us), ms(r.hybrid.p99Us), Math.round(r.postingsPerQuery), Number(r.hitsPerQuery.toFixed(1))];
  for (const r of rows) {
    const size = label(r.size);
    const what = (call: string) => `${call} (k=${opts.k}) for the one user of ${r.size} memories (Zipf pseudo-word turns), wall time incl. the PGlite round trip`;
    const headline = r.size === rows[rows.length - 1]?.size;
    ctx.metric(`text_search_p50_ms_${size}`, ms(r.textSearch.p50Us), 'ms', { n: r.textSearch.n, definition: `p50 of ${what('store.textSearch (BM25)')}`, higherIsBetter: false, headline });
    ctx.metric(`text_search_p99_ms_${size}`, ms(r.textSearch.p99Us), 'ms', { n: r.textSearch.n, definition: `p99 of ${what('store.textSearch (BM25)')}`, higherIsBetter: false, headline });
    ctx.metric(`hybrid_store_p50_ms_${size}`, ms(r.hybrid.p50Us), 'ms', { n: r.hybrid.n, definition: `p50 of ${what('store.search then store.textSearch')}`, higherIsBetter: false });
    ctx.metric(`hybrid_store_p99_ms_${size}`, ms(r.hybrid.p99Us), 'ms', { n: r.hybrid.n, definition: `p99 of ${what('store.search then store.textSearch')}`, higherIsBetter: false });
    ctx.metric(`insert_bm25_memories_per_sec_${size}`, r.insertPerSec, 'memories/s', { definition: `store.upsert (512-d, batches of 500, BM25 statistics by trigger) growing the one user's memories to ${r.size}`, higherIsBetter: true });
    ctx.row({ case: `text/${size}`, section: 'text', ...Object.fromEntries(COLUMNS.map((c, i) => [c, cells(r)[i] ?? null])) });
  }
  if (rows.length > 0) ctx.table('textSearch (BM25) by store size, one user', COLUMNS, rows.map(cells));
}
