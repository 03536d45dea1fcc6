/** The RAG suite's configuration (--config JSON): a strict schema and its defaults. */
import { z } from 'zod';
import type { ConfigSpec } from '../../harness/config';

export const DEFAULT_MEMORY_DATASET = 'memocha:datasets/memory-dev.jsonl';

const schema = z.strictObject({
  /** a RAGAS-compatible JSONL file (same as --dataset rag:<path>) */
  records: z.string().min(1).optional(),
  /** the memory dataset to answer questions from when no records file is given */
  dataset: z.string().min(1).optional(),
  /** at most this many records (the first ones) */
  limit: z.number().int().positive().optional(),
  /** embedding provider for answer relevancy and semantic similarity (serve/embeddings/registry.ts) */
  embedder: z.string().min(1),
  /** questions generated per answer for answer relevancy (RAGAS default 3) */
  strictness: z.number().int().min(1).max(10),
  /** 'all' (RAGAS collections, METRICS.md): 0 when every generation is non-committal; 'any': RAGAS legacy */
  noncommittalRule: z.enum(['all', 'any']),
  /** judge attempts per verdict, the first included */
  maxAttempts: z.number().int().min(1).max(10),
  /** records scored at the same time */
  concurrency: z.number().int().min(1).max(64),
  bootstrapIterations: z.number().int().min(100),
});

export type RagConfig = z.infer<typeof schema>;

export const ragConfig: ConfigSpec<typeof schema> = {
  config: schema,
  defaults: { embedder: 'use-lite', strictness: 3, noncommittalRule: 'all', maxAttempts: 3, concurrency: 4, bootstrapIterations: 2000 },
};

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
