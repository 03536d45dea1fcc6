/** Per call: `signal` stops the work (a queued text is dropped, a model run or request is not started). */
export interface EmbedOptions {
  signal?: AbortSignal;
  /**
   * 'query' (default): someone waits for it (a chat turn's retrieval). 'background' (indexing): a
   * provider with a queue runs it only when no query waits, so writes never delay a retrieval.
   */
  priority?: 'query' | 'background';
}

/** A text → vector model. Vectors are L2-normalised, so cosine similarity is a dot product. */
export interface EmbeddingProvider {
  /** Stable identifier of the model (used in cache keys and reports), e.g. 'use-lite', 'openai:text-embedding-3-small'. */
  readonly id: string;
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /** One vector per text, in order. Rejects with the signal's reason once it aborts. */
  embed(texts: string[], opts?: EmbedOptions): Promise<Float32Array[]>;
  /** Load the model / check the configuration now instead of on the first `embed` (optional). */
  warmup?(): Promise<void>;
  /** Release what the provider holds (the embedding worker thread); optional. */
  close?(): Promise<void>;
}

/** Thrown when a model returns vectors of another length than it promised. */
export class EmbeddingDimensionError extends Error {
  constructor(
    readonly providerId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `embedding provider ${providerId} returned ${actual}-d vectors but is configured for ${expected}: ` +
        'set the dimensions option to the model’s real size',
    );
    this.name = 'EmbeddingDimensionError';
  }
}
