/**
 * `seedMemories`: N long-term memories for each measured user, written straight into the target's vector
 * store before a run (the bulk path: batched upserts, not N HTTP turns), so that every retrieval of the
 * run searches N memories of its user.
 *
 * Embedding N·users texts with the configured model would take longer than the run (use-lite embeds
 * ~55 texts/s), so a pool of up to POOL distinct texts is embedded by the real embedder and each memory
 * takes a pool text plus words of its own, with the pool text's vector jittered by seeded noise (then
 * re-normalised): the vector scan and BM25 see N distinct rows of realistic shape; what the memories say
 * does not matter for latency. Words follow a Zipf law over a seeded vocabulary, as words in text do.
 */
import type { EmbeddingProvider, MemoryRecord, VectorStore } from '../../../serve';
import { createRng, randomInt, type Rng } from '../../metrics/random';

const POOL = 64;
const VOCABULARY = 5_000;
const ROWS_PER_UPSERT = 1_000;
const JITTER = 0.15;
const DAY_MS = 86_400_000;

export interface SeedParts {
  store: VectorStore;
  embedder: EmbeddingProvider;
}

export type SeedResult = {
  users: number;
  perUser: number;
  rows: number;
  embedMs: number;
  upsertMs: number;
};

/** The i-th seeded user id of a run. */
export function seededUser(i: number): string {
  return `seed-${i}`;
}

export async function seedMemories(parts: SeedParts, o: { users: number; perUser: number; seed: number; signal?: AbortSignal; onProgress?: (rows: number) => void }): Promise<SeedResult> {
  const rng = createRng(o.seed * 7919 + 17);
  const words = vocabulary(rng);
  const zipf = zipfSampler(words.length);
  const sentence = (n: number) => Array.from({ length: n }, () => words[zipf(rng)] as string).join(' ');
  const poolSize = Math.min(POOL, o.perUser);
  const poolTexts = Array.from({ length: poolSize }, () => sentence(12 + randomInt(rng, 20)));
  const t0 = performance.now();
  const poolVectors: Float32Array[] = [];
  for (let i = 0; i < poolTexts.length; i += 32) poolVectors.push(...(await parts.embedder.embed(poolTexts.slice(i, i + 32), { signal: o.signal })));
  const embedMs = performance.now() - t0;

  const t1 = performance.now();
  const now = Date.now();
  let rows = 0;
  let batch: MemoryRecord[] = [];
  for (let u = 0; u < o.users; u++) {
    const userId = seededUser(u);
    for (let i = 0; i < o.perUser; i++) {
      const j = randomInt(rng, poolSize);
      batch.push({
        id: `seed:${userId}:${i}`,
        userId,
        sessionId: null,
        messageIds: [],
        role: 'turn',
        text: `${poolTexts[j] as string} ${sentence(4 + randomInt(rng, 12))}`,
        createdAt: new Date(now - randomInt(rng, 365) * DAY_MS - randomInt(rng, DAY_MS)),
        vector: jitter(poolVectors[j] as Float32Array, rng),
      });
      if (batch.length === ROWS_PER_UPSERT) {
        o.signal?.throwIfAborted();
        await parts.store.upsert(batch);
        rows += batch.length;
        o.onProgress?.(rows);
        batch = [];
      }
    }
  }
  if (batch.length) {
    await parts.store.upsert(batch);
    rows += batch.length;
    o.onProgress?.(rows);
  }
  return { users: o.users, perUser: o.perUser, rows, embedMs, upsertMs: performance.now() - t1 };
}

/** Seeded pronounceable words, all distinct. */
function vocabulary(rng: Rng): string[] {
  const c = 'bcdfghjklmnprstvwz';
  const v = 'aeiou';
  const seen = new Set<string>();
  while (seen.size < VOCABULARY) {
    let w = '';
    const syllables = 1 + randomInt(rng, 3);
    for (let s = 0; s < syllables; s++) w += (c[randomInt(rng, c.length)] as string) + (v[randomInt(rng, v.length)] as string);
    if (randomInt(rng, 2) === 1) w += c[randomInt(rng, c.length)] as string;
    seen.add(w);
  }
  return [...seen];
}

/** Rank sampler with P(rank r) ∝ 1/(r+1) (Zipf, s = 1), by binary search over the cumulative weights. */
function zipfSampler(n: number): (rng: Rng) => number {
  const cum = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cum[r] = total += 1 / (r + 1);
  return (rng) => {
    const x = rng() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cum[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** v plus seeded uniform noise of ±JITTER·(1/√d) per dimension, L2-normalised. */
function jitter(v: Float32Array, rng: Rng): Float32Array {
  const out = new Float32Array(v.length);
  const scale = JITTER / Math.sqrt(v.length);
  let norm = 0;
  for (let i = 0; i < v.length; i++) {
    const x = (v[i] as number) + (rng() * 2 - 1) * scale * 2;
    out[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm;
  return out;
}
