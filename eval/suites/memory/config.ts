/**
 * The memory suite's --config (zod-validated):
 *   {"variants": [{"name": "hybrid", "retrieval": {"hybrid": true}},
 *                 {"name": "window-3", "chunking": {"strategy": "window", "windowTurns": 3}}],
 *    "depth": 10, "ks": [1, 3, 5, 10], "memoryOff": true, "answers": true,
 *    "conversations": 0, "questionsPerConversation": 0}
 * A variant changes only what it names; everything else is the server's own default configuration
 * (MEMORY_* environment variables, as `npm start` would use them). The first variant is the baseline
 * the others are compared with.
 */
import { z } from 'zod';
import { CHUNK_STRATEGIES, type ChunkingConfig, type RetrievalConfig } from '../../../serve';
import type { ConfigSpec } from '../../harness/config';

const retrievalSchema = z
  .strictObject({
    k: z.number().int().min(1),
    candidates: z.number().int().min(1),
    /** null turns the similarity threshold off */
    minScore: z.number().min(-1).max(1).nullable(),
    recency: z.strictObject({ halfLifeDays: z.number().positive(), weight: z.number().min(0).max(1), when: z.enum(['always', 'present']).optional() }).nullable(),
    mmrLambda: z.number().min(0).max(1),
    /** null = identical text only */
    dedupeNear: z.number().min(0).max(1).nullable(),
    hybrid: z.boolean(),
    /** false with hybrid: lexical (BM25) search alone */
    vector: z.boolean(),
    fusion: z.object({ method: z.enum(['rrf', 'relative']), lexicalWeight: z.number().min(0).optional(), rrfK: z.number().min(0).optional() }).strict(),
    /** null turns time awareness off */
    time: z.object({ boost: z.number().min(0), afterDays: z.number().min(0) }).strict().nullable(),
    /** null turns the newer-first band off */
    newerFirst: z.strictObject({ band: z.number().min(0).max(1) }).nullable(),
    /** null turns context expansion off */
    neighbours: z.object({ n: z.number().int().min(0), discount: z.number().min(0).max(1) }).strict().nullable(),
  })
  .partial()
  .strict();

const chunkingSchema = z.strictObject({ strategy: z.enum(CHUNK_STRATEGIES), windowTurns: z.number().int().min(1), windowStride: z.number().int().min(1) }).partial();

const variantSchema = z.strictObject({ name: z.string().regex(/^[\w.+-]+$/, 'letters, digits, _ . + - only'), retrieval: retrievalSchema.optional(), chunking: chunkingSchema.optional() });

export type VariantSpec = z.infer<typeof variantSchema>;

/** Every retrieval and chunking option of the memory pipeline, each switched from the server's default. */
export const DEFAULT_VARIANTS: VariantSpec[] = [
  { name: 'default' },
  { name: 'no-threshold', retrieval: { minScore: null } },
  { name: 'no-recency', retrieval: { recency: null } },
  { name: 'recency-always', retrieval: { recency: { halfLifeDays: 30, weight: 0.9, when: 'always' } } },
  { name: 'rrf', retrieval: { fusion: { method: 'rrf', lexicalWeight: 1 } } },
  { name: 'lexical-weight-1', retrieval: { fusion: { method: 'relative', lexicalWeight: 1 } } },
  { name: 'bm25-only', retrieval: { vector: false, recency: null, minScore: null } },
  { name: 'vector-only', retrieval: { hybrid: false, minScore: null } },
  { name: 'no-time', retrieval: { time: null } },
  { name: 'no-newer-first', retrieval: { newerFirst: null } },
  { name: 'neighbours', retrieval: { neighbours: { n: 1, discount: 0.9 } } },
  { name: 'mmr', retrieval: { mmrLambda: 0.7 } },
  { name: 'no-dedupe-near', retrieval: { dedupeNear: null } },
  { name: 'chunk-message', chunking: { strategy: 'message' } },
  { name: 'chunk-window', chunking: { strategy: 'window', windowTurns: 3, windowStride: 1 } },
  { name: 'chunk-daily', chunking: { strategy: 'daily' } },
];

const QUICK_VARIANTS: VariantSpec[] = [{ name: 'default' }, { name: 'bm25-only', retrieval: { vector: false, recency: null, minScore: null } }, { name: 'chunk-message', chunking: { strategy: 'message' } }];

const configSchema = z
  .strictObject({
    /** the first is the baseline the others are compared with */
    variants: z.array(variantSchema).min(1),
    /** memories ranked per question for the retrieval metrics */
    depth: z.number().int().min(1).max(100),
    /** recall cutoffs: sorted, duplicates dropped, those above depth left out */
    ks: z.array(z.number().int().min(1)).min(1),
    /** ask every question once more with long-term memory off */
    memoryOff: z.boolean(),
    /** ask the LLM (off: retrieval metrics only) */
    answers: z.boolean(),
    /** use only the first N conversations / questions per conversation (0 = all) */
    conversations: z.number().int().min(0),
    questionsPerConversation: z.number().int().min(0),
  })
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    for (const [i, v] of c.variants.entries()) {
      if (names.has(v.name)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: `variant name "${v.name}" is used twice` });
      if (v.name === 'memory-off') ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: '"memory-off" is reserved (set memoryOff)' });
      names.add(v.name);
    }
  })
  .transform((c) => ({ ...c, ks: [...new Set(c.ks)].sort((a, b) => a - b).filter((k) => k <= c.depth) }));

export type MemorySuiteConfig = z.output<typeof configSchema>;

export const memoryConfig: ConfigSpec<typeof configSchema> = {
  config: configSchema,
  defaults: { variants: DEFAULT_VARIANTS, depth: 10, ks: [1, 3, 5, 10], memoryOff: true, answers: true, conversations: 0, questionsPerConversation: 0 },
  quick: { variants: QUICK_VARIANTS, conversations: 3, questionsPerConversation: 6 },
};

export interface ResolvedVariant {
  name: string;
  retrieval: RetrievalConfig;
  chunking: ChunkingConfig;
  /** a stable key: variants with the same chunking share one ingested store */
  chunkingKey: string;
}

/** Apply a variant's changes to the server's default retrieval and chunking configuration. */
export function resolveVariant(v: VariantSpec, base: { retrieval: RetrievalConfig; chunking: ChunkingConfig }): ResolvedVariant {
  const r = v.retrieval ?? {};
  const retrieval: RetrievalConfig = { ...base.retrieval };
  if (r.k !== undefined) retrieval.k = r.k;
  if (r.candidates !== undefined) retrieval.candidates = r.candidates;
  if (r.minScore !== undefined) {
    if (r.minScore === null) delete retrieval.minScore;
    else retrieval.minScore = r.minScore;
  }
  if (r.recency !== undefined) {
    if (r.recency === null) delete retrieval.recency;
    else retrieval.recency = r.recency;
  }
  if (r.mmrLambda !== undefined) retrieval.mmrLambda = r.mmrLambda;
  if (r.dedupeNear !== undefined) {
    if (r.dedupeNear === null) delete retrieval.dedupeNear;
    else retrieval.dedupeNear = r.dedupeNear;
  }
  if (r.hybrid !== undefined) retrieval.hybrid = r.hybrid;
  if (r.vector !== undefined) retrieval.vector = r.vector;
  if (r.fusion !== undefined) retrieval.fusion = { ...r.fusion };
  if (r.newerFirst !== undefined) {
    if (r.newerFirst === null) delete retrieval.newerFirst;
    else retrieval.newerFirst = r.newerFirst;
  }
  if (r.neighbours !== undefined) {
    if (r.neighbours === null) delete retrieval.neighbours;
    else retrieval.neighbours = r.neighbours;
  }
  if (r.time !== undefined) {
    if (r.time === null) delete retrieval.time;
    else retrieval.time = r.time;
  }
  retrieval.candidates = Math.max(retrieval.candidates, retrieval.k);
  const chunking: ChunkingConfig = { ...base.chunking, ...v.chunking };
  if (chunking.strategy === 'window') chunking.windowStride = Math.min(chunking.windowStride ?? 1, chunking.windowTurns ?? 3);
  const chunkingKey = chunking.strategy === 'window' ? `window-${chunking.windowTurns ?? 3}-${chunking.windowStride ?? 1}` : chunking.strategy;
  return { name: v.name, retrieval, chunking, chunkingKey };
}
