/** The RAG suite's configuration (--config JSON), defaults merged; unknown keys are errors. */
import { z } from 'zod';
import type { JsonValue } from '../../report/schema';

export const DEFAULT_MEMORY_DATASET = 'memocha:datasets/memory-dev.jsonl';

const schema = z.strictObject({
  /** a RAGAS-compatible JSONL file (same as --dataset rag:<path>) */
  records: z.string().min(1).optional(),
  /** the memory dataset to answer questions from when no records file is given */
  dataset: z.string().min(1).optional(),
  /** at most this many records (the first ones) */
  limit: z.number().int().positive().optional(),
  /** embedding provider for answer relevancy and semantic similarity (serve/embeddings/registry.ts) */
  embedder: z.string().min(1).default('use-lite'),
  /** questions generated per answer for answer relevancy (RAGAS default 3) */
  strictness: z.number().int().min(1).max(10).default(3),
  /** 'all' (RAGAS collections, METRICS.md): 0 when every generation is non-committal; 'any': RAGAS legacy */
  noncommittalRule: z.enum(['all', 'any']).default('all'),
  /** judge attempts per verdict, the first included */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** records scored at the same time */
  concurrency: z.number().int().min(1).max(64).default(4),
  bootstrapIterations: z.number().int().min(100).default(2000),
});

export type RagConfig = z.infer<typeof schema>;

export function readRagConfig(config: JsonValue): RagConfig {
  const r = schema.safeParse(config ?? {});
  if (!r.success) throw new Error(`rag config: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

export type RecordSource = { kind: 'jsonl'; path: string } | { kind: 'memory'; dataset: string };

/** `--dataset rag:<path>` or config `records` → a JSONL file; otherwise the memory suite's answers. */
export function recordSource(datasetArg: string | undefined, cfg: RagConfig): RecordSource {
  if (datasetArg?.startsWith('rag:')) {
    const path = datasetArg.slice(4);
    if (!path) throw new Error('--dataset rag: needs a path: --dataset rag:<file.jsonl>');
    if (cfg.records && cfg.records !== path) throw new Error(`--dataset ${datasetArg} and config records ${cfg.records} disagree`);
    return { kind: 'jsonl', path };
  }
  if (cfg.records) {
    if (datasetArg) throw new Error(`config records ${cfg.records} and --dataset ${datasetArg} disagree: give one`);
    return { kind: 'jsonl', path: cfg.records };
  }
  return { kind: 'memory', dataset: datasetArg ?? cfg.dataset ?? DEFAULT_MEMORY_DATASET };
}
