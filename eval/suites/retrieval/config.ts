/**
 * The retrieval suite's --config (zod, strict; every key optional, defaults below):
 *   {"configs": [{"name": "vector"}, {"name": "hybrid", "hybrid": true}, …],   A/B list; the first is the baseline
 *    "k": [1, 3, 5, 10],          cutoffs (a number n means [n]); the ranking depth is max(k)
 *    "embedder": "use-lite",      serve/embeddings/registry.ts spec (no cache, as measured)
 *    "store": "pgvector",         serve/memory/store/registry.ts spec on a fresh in-memory PGlite: pgvector | pgvector:hnsw
 *    "candidates": 30,            default store fetch size of every config (the server's MEMORY_CANDIDATES)
 *    "dataset": "memocha:datasets/retrieval-dev.jsonl",   when --dataset is not given
 *    "qrels": "path",             TREC (`qid iter docid rel`) or BEIR TSV qrels replacing the dataset's
 *    "queries": n,                evaluate only n queries (seeded pick; --quick: 12)
 *    "trecDir": "dir",            where the .run files and qrels.txt go (default: --out, else see README)
 *    "bootstrapIterations": 2000, "permutationIterations": 10000}
 * A named config: {"name", "minScore"?, "hybrid"?, "mmrLambda"?, "dedupeNear"?, "candidates"?,
 * "recency"?: {"halfLifeDays", "weight"}}. Every doc is indexed with the same date, so recency only
 * rescales scores; it is accepted for completeness.
 */
import { z } from 'zod';
import type { RetrievalConfig } from '../../../serve';
import type { ConfigSpec } from '../../harness/config';

/** A file name and a TREC run tag: no whitespace, no path separators. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+=-]*$/;

const namedSchema = z
  .strictObject({
    name: z.string().regex(NAME, 'letters, digits and . _ + = - only (it names a file and a TREC run tag)'),
    minScore: z.number().min(-1).max(1).optional(),
    hybrid: z.boolean().optional(),
    mmrLambda: z.number().min(0).max(1).optional(),
    dedupeNear: z.number().min(0).max(1).optional(),
    candidates: z.number().int().min(1).max(10_000).optional(),
    recency: z.strictObject({ halfLifeDays: z.number().positive(), weight: z.number().min(0).max(1) }).optional(),
    /** false with hybrid: BM25 alone */
    vector: z.boolean().optional(),
    fusion: z.strictObject({ method: z.enum(['rrf', 'relative']), lexicalWeight: z.number().min(0).optional(), rrfK: z.number().min(0).optional() }).optional(),
  });

export type NamedRetrievalConfig = z.infer<typeof namedSchema>;

/** The server's min score before 2026-12 (MEMORY_MIN_SCORE is 0.2 now: see the server-default config). */
export const SERVER_MIN_SCORE = 0.3;
/** The server's default near-duplicate cosine (MEMORY_DEDUPE_NEAR). */
export const SERVER_DEDUPE_NEAR = 0.97;

/** The default A/B list: the baseline first, then one change at a time, then combinations. */
export const DEFAULT_CONFIGS: readonly NamedRetrievalConfig[] = [
  { name: 'vector' },
  { name: 'min0.3', minScore: SERVER_MIN_SCORE },
  { name: 'hybrid', hybrid: true },
  { name: 'mmr0.7', mmrLambda: 0.7 },
  { name: 'dedupe0.97', dedupeNear: SERVER_DEDUPE_NEAR },
  { name: 'old-server-default', minScore: SERVER_MIN_SCORE, dedupeNear: SERVER_DEDUPE_NEAR },
  { name: 'hybrid+min0.3', hybrid: true, minScore: SERVER_MIN_SCORE },
  { name: 'hybrid+mmr0.7', hybrid: true, mmrLambda: 0.7 },
  { name: 'hybrid+dedupe0.97', hybrid: true, dedupeNear: SERVER_DEDUPE_NEAR },
  { name: 'min0.3+mmr0.7', minScore: SERVER_MIN_SCORE, mmrLambda: 0.7 },
  { name: 'hybrid+min0.3+mmr0.7+dedupe0.97', hybrid: true, minScore: SERVER_MIN_SCORE, mmrLambda: 0.7, dedupeNear: SERVER_DEDUPE_NEAR },
  { name: 'bm25', hybrid: true, vector: false },
  { name: 'hybrid-relative', hybrid: true, fusion: { method: 'relative', lexicalWeight: 1 } },
  { name: 'hybrid-relative-lexical2', hybrid: true, fusion: { method: 'relative', lexicalWeight: 2 } },
  { name: 'server-default', hybrid: true, fusion: { method: 'relative', lexicalWeight: 2 }, minScore: 0.2, dedupeNear: SERVER_DEDUPE_NEAR },
];

/** --quick without a configs list: the baseline and hybrid (the one that adds a second store query). */
export const QUICK_CONFIG_NAMES = ['vector', 'hybrid'] as const;

export const DEFAULT_DATASET = 'memocha:datasets/retrieval-dev.jsonl';
export const DEFAULT_KS = [1, 3, 5, 10] as const;
export const QUICK_QUERIES = 12;

export interface RetrievalSuiteConfig {
  configs: NamedRetrievalConfig[];
  /** ascending, unique */
  ks: number[];
  /** max(ks): the number of memories retrieveMemories returns */
  depth: number;
  /** the cutoff of the headline NDCG (10 when present, else the largest) */
  mainK: number;
  embedder: string;
  store: 'pgvector' | 'pgvector:exact' | 'pgvector:hnsw';
  candidates: number;
  dataset: string | undefined;
  qrels: string | undefined;
  queries: number | undefined;
  trecDir: string | undefined;
  bootstrapIterations: number;
  permutationIterations: number;
  seed: number;
}

const cutoff = z.number().int().min(1).max(1000);

const retrievalSchema = z
  .strictObject({
    configs: z
      .array(namedSchema)
      .min(1)
      .superRefine((list, ctx) => {
        const names = new Set<string>();
        for (const [i, c] of list.entries()) {
          if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate name "${c.name}"` });
          names.add(c.name);
        }
      }),
    k: z.union([cutoff, z.array(cutoff).min(1)]),
    embedder: z.string().min(1),
    store: z.enum(['pgvector', 'pgvector:exact', 'pgvector:hnsw']),
    candidates: z.number().int().min(1).max(10_000),
    dataset: z.string().min(1).optional(),
    qrels: z.string().min(1).optional(),
    queries: z.number().int().min(1).optional(),
    trecDir: z.string().min(1).optional(),
    bootstrapIterations: z.number().int().min(100).max(1_000_000),
    permutationIterations: z.number().int().min(100).max(1_000_000),
  })
  .transform(({ k, ...c }): Omit<RetrievalSuiteConfig, 'seed'> => {
    const ks = [...new Set(typeof k === 'number' ? [k] : k)].sort((a, b) => a - b);
    const depth = ks[ks.length - 1] as number;
    return { ...c, configs: c.configs.map((x) => ({ ...x })), ks, depth, mainK: ks.includes(10) ? 10 : depth, dataset: c.dataset, qrels: c.qrels, queries: c.queries, trecDir: c.trecDir };
  });

export const retrievalConfig: ConfigSpec<typeof retrievalSchema> = {
  config: retrievalSchema,
  defaults: { configs: [...DEFAULT_CONFIGS], k: [...DEFAULT_KS], embedder: 'use-lite', store: 'pgvector', candidates: 30, bootstrapIterations: 2000, permutationIterations: 10_000 },
  quick: { configs: DEFAULT_CONFIGS.filter((d) => (QUICK_CONFIG_NAMES as readonly string[]).includes(d.name)), queries: QUICK_QUERIES },
};

/** What a run measures: the resolved config (with --quick, at most its first two configs) and the run's seed. */
export function retrievalOptions(cfg: Omit<RetrievalSuiteConfig, 'seed'>, quick: boolean, seed: number): RetrievalSuiteConfig {
  return { ...cfg, configs: quick ? cfg.configs.slice(0, 2) : cfg.configs, seed };
}

/**
 * The serve/memory/retrieve.ts config of a named one: retrieval scoped to the (one) user, no chat
 * window to dedupe against, `depth` memories from max(candidates, depth) store hits. Unset options
 * are off: no threshold, no MMR, no hybrid, and near-duplicates only by identical normalised text
 * (retrieveMemories always applies that one).
 */
export function toRetrievalConfig(named: NamedRetrievalConfig, depth: number, defaultCandidates: number): RetrievalConfig {
  return {
    k: depth,
    candidates: Math.max(named.candidates ?? defaultCandidates, depth),
    scope: 'user',
    dedupeWindow: false,
    hybrid: named.hybrid ?? false,
    ...(named.minScore !== undefined ? { minScore: named.minScore } : {}),
    ...(named.mmrLambda !== undefined ? { mmrLambda: named.mmrLambda } : {}),
    ...(named.dedupeNear !== undefined ? { dedupeNear: named.dedupeNear } : {}),
    ...(named.recency ? { recency: named.recency } : {}),
    ...(named.vector !== undefined ? { vector: named.vector } : {}),
    ...(named.fusion ? { fusion: named.fusion } : {}),
  };
}

/** A one-line description of a named config, e.g. "min score 0.3, hybrid (FTS + RRF)". */
export function describeConfig(named: NamedRetrievalConfig, defaultCandidates: number): string {
  const parts: string[] = [];
  parts.push(named.minScore !== undefined ? `min score ${named.minScore}` : 'no threshold');
  if (named.hybrid) parts.push(named.vector === false ? 'BM25 only' : `hybrid (FTS + ${named.fusion?.method === 'relative' ? 'relative score fusion' : `RRF k=${named.fusion?.rrfK ?? 60}`}${named.fusion?.lexicalWeight !== undefined ? `, lexical weight ${named.fusion.lexicalWeight}` : ''})`);
  if (named.mmrLambda !== undefined && named.mmrLambda < 1) parts.push(`MMR λ=${named.mmrLambda}`);
  if (named.dedupeNear !== undefined) parts.push(`near-dup cos ≥ ${named.dedupeNear}`);
  if (named.recency) parts.push(`recency half-life ${named.recency.halfLifeDays} d, w=${named.recency.weight}`);
  parts.push(`${named.candidates ?? defaultCandidates} candidates`);
  return parts.join(', ');
}
