/**
 * Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Azure OpenAI, vLLM,
 * Ollama, llama.cpp, LM Studio...). Requests ask for plain floats so every server understands them.
 * Retries are the LLM's (serve/llm/retry.ts: full jitter, Retry-After, retryable statuses), not the SDK's.
 */
import OpenAI from 'openai';
import { toLlmError } from '../llm/openai';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from '../llm/retry';
import { chunks, l2normalise } from './normalise';
import { EmbeddingDimensionError, type EmbeddingProvider } from './types';

/** The API accepts at most 2048 inputs per request. */
export const OPENAI_MAX_BATCH = 2048;

/** Native sizes of well-known models, used when `dimensions` is not given. */
export const KNOWN_OPENAI_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

export interface OpenAiEmbedderOptions extends Partial<RetryPolicy> {
  /** e.g. http://127.0.0.1:11434/v1; default the OpenAI API. */
  baseUrl?: string;
  /** Default OPENAI_API_KEY; servers that need none get a placeholder. */
  apiKey?: string;
  model: string;
  /**
   * Vector length. Required for models not in KNOWN_OPENAI_DIMENSIONS. For text-embedding-3-*
   * a smaller value is sent to the API (shortened embeddings).
   */
  dimensions?: number;
  /** Inputs per request, at most 2048 (the default). */
  maxBatch?: number;
  /** Per request (one attempt); a timed-out attempt is retried. */
  timeoutMs?: number;
}

export function createOpenAiEmbedder(opts: OpenAiEmbedderOptions): EmbeddingProvider {
  const native = KNOWN_OPENAI_DIMENSIONS[opts.model];
  const wanted = opts.dimensions ?? native;
  if (wanted === undefined || !Number.isInteger(wanted) || wanted <= 0) {
    throw new Error(
      `unknown vector size for embedding model ${JSON.stringify(opts.model)}: pass dimensions (EMBEDDINGS_DIMENSIONS) explicitly`,
    );
  }
  const dimensions: number = wanted;
  // Only the text-embedding-3 family accepts `dimensions`; other servers may reject the field.
  const sendDimensions = opts.dimensions !== undefined && opts.model.startsWith('text-embedding-3');
  const maxBatch = Math.min(OPENAI_MAX_BATCH, Math.max(1, opts.maxBatch ?? OPENAI_MAX_BATCH));
  const client = new OpenAI({
    apiKey: opts.apiKey ?? process.env.OPENAI_API_KEY ?? 'no-key',
    ...(opts.baseUrl ? { baseURL: opts.baseUrl } : {}),
    timeout: opts.timeoutMs ?? 30_000,
    maxRetries: 0,
  });
  const id = `openai:${opts.model}`;
  const policy: RetryPolicy = {
    maxRetries: opts.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
    retryBaseMs: opts.retryBaseMs ?? DEFAULT_RETRY_POLICY.retryBaseMs,
    retryMaxMs: opts.retryMaxMs ?? DEFAULT_RETRY_POLICY.retryMaxMs,
    ...(opts.random ? { random: opts.random } : {}),
  };

  async function embedBatch(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const body = {
      model: opts.model,
      // OpenAI rejects empty strings.
      input: texts.map((t) => (t.length === 0 ? ' ' : t)),
      encoding_format: 'float' as const,
      ...(sendDimensions ? { dimensions } : {}),
    };
    const res = await withRetries(() => client.embeddings.create(body, { signal }), { policy, signal, classify: (err) => toLlmError(err, id, signal) });
    if (res.data.length !== texts.length) {
      throw new Error(`${id}: the server returned ${res.data.length} embeddings for ${texts.length} inputs`);
    }
    const out = new Array<Float32Array>(texts.length);
    for (const item of res.data) {
      if (item.embedding.length !== dimensions) throw new EmbeddingDimensionError(id, dimensions, item.embedding.length);
      out[item.index] = l2normalise(item.embedding);
    }
    for (let i = 0; i < out.length; i++) {
      if (out[i] === undefined) throw new Error(`${id}: the server returned no embedding for input ${i}`);
    }
    return out;
  }

  return {
    id,
    dimensions,
    async embed(texts, embedOpts) {
      const signal = embedOpts?.signal;
      const out: Float32Array[] = [];
      for (const batch of chunks(texts, maxBatch)) {
        signal?.throwIfAborted();
        out.push(...(await embedBatch(batch, signal)));
      }
      return out;
    },
  };
}
